# SPDX-License-Identifier: GPL-2.0-only
# Entry points of the dma-buf core project. Everything runs through harness/;
# every target installs the Debian packages it is missing first.
#
#   make run      boot a guest with our core and show buffers shared between devices
#   make check    lint, KUnit, kselftests in a QEMU guest, quick compat; "N passed, N failed"
#
# Variables: KSRC=<6.12 tree> (default: Debian's linux-source-6.12, extracted once
# into $(CACHE)), CACHE=<dir> (default ~/.cache/dmabuf-core), KUNIT_FILTER=<suite glob>,
# TESTS=<prog,prog>, ACCEL=kvm (default tcg), VM_TIMEOUT=<seconds>; for make stress
# STRESS_SCALE=<race loop factor>, STRESS_OPS=<random operations a seed, default 1000000>,
# STRESS_SEEDS=<seeds, default 1>;
# for make bench BENCH_SYSFS=0 (no SYSFS_STATS pair), BENCH_TRACE=0 (no ours-trace kernel),
# BENCH_ITERS, BENCH_REPS, BENCH_LIVE.

SHELL := /bin/bash
H := harness
OUT ?= $(CURDIR)/out
export OUT KSRC CACHE KUNIT_FILTER TESTS ACCEL VM_TIMEOUT STRESS_SCALE STRESS_OPS STRESS_SEEDS
export BENCH_SYSFS BENCH_ITERS BENCH_REPS BENCH_LIVE

# the two KUnit configurations of harness/kunit.sh
KUNIT_LOGS = --kunit kunit=$(OUT)/kunit.log --kunit kunit-min=$(OUT)/kunit-min.log

.PHONY: help setup kunit vmtest lint check stress bench bench-profile run compat docs patch inventory clean

help:
	@sed -n 's/^#   //p' Makefile
	@echo "  make kunit    KUnit suites only (KUNIT_FILTER='dma-buf-*')"
	@echo "  make vmtest   guest tests only (TESTS=lifecycle,abi)"
	@echo "  make stress   races and random operations at length (KASAN, lockdep), races on KCSAN"
	@echo "  make bench    stock 6.12 against ours, no debugging, QEMU -icount: $(OUT)/bench.txt"
	@echo "  make bench-profile  instructions of one call per callee, stock and ours (PROF_FUNC=...)"
	@echo "  make lint     sparse, checkpatch --strict, kernel-doc, W=1 on our files"
	@echo "  make compat   build every in-tree dma-buf user with W=1, ours against stock"
	@echo "  make docs     Sphinx driver-api book: no warning from our files"
	@echo "  make patch    the project as a patch series for 6.12, applied and built per patch"
	@echo "  make setup    install packages and prepare the kernel tree"
	@echo "  make inventory  rewrite harness/inventory.txt from the last run's logs"
	@echo "  logs: $(OUT)/"

setup:
	@source $(H)/lib.sh && ensure_packages $$BASE_PACKAGES qemu-system-x86 busybox-static gcc-multilib libc6-dev-i386 sparse trace-cmd \
		dwarves clang bpftool libbpf-dev zlib1g-dev libzstd-dev && prepare_tree

kunit:
	@$(H)/kunit.sh
	@$(H)/report.py $(KUNIT_LOGS) --kunit-filter "$(KUNIT_FILTER)"

vmtest:
	@$(H)/guest.sh test
	@$(H)/report.py --guest $(OUT)/guest.log --guest-tests $(OUT)/guest-tests.list \
		--tests "$(TESTS)"

lint:
	@$(H)/lint.sh
	@$(H)/report.py --ktap lint=$(OUT)/lint.ktap || { cat $(OUT)/lint.log; exit 1; }

check:
	@rm -f $(OUT)/kunit*.log $(OUT)/guest.log $(OUT)/lint.ktap $(OUT)/compat.ktap
	@$(H)/lint.sh
	@$(H)/kunit.sh
	@$(H)/guest.sh test
	@$(H)/compat.sh quick
	@cat $(OUT)/lint.log $(OUT)/compat.log
	@$(H)/report.py --ktap lint=$(OUT)/lint.ktap --ktap compat=$(OUT)/compat.ktap \
		$(KUNIT_LOGS) --kunit-filter "$(KUNIT_FILTER)" --tests "$(TESTS)" \
		--guest $(OUT)/guest.log --guest-tests $(OUT)/guest-tests.list

# the guest's race programs and random operations at length and the KUnit races
# under KASAN, lockdep and kmemleak; then the races on a KCSAN kernel
stress:
	@rm -f $(OUT)/stress.log $(OUT)/kcsan.log
	@$(H)/guest.sh stress
	@$(H)/guest.sh kcsan
	@$(H)/report.py --no-inventory \
		--guest stress=$(OUT)/stress.log --guest-tests stress=$(OUT)/stress-tests.list \
		--guest kcsan=$(OUT)/kcsan.log --guest-tests kcsan=$(OUT)/kcsan-tests.list

# stock 6.12 and ours built alike without debugging (and again with
# DMABUF_SYSFS_STATS unless BENCH_SYSFS=0; ours with the trace events
# unless BENCH_TRACE=0), timed in QEMU with -icount
bench:
	@$(H)/bench.sh

# where one call's instructions go, in make bench's kernels, stepped under gdb
bench-profile:
	@$(H)/bench-profile.sh

compat:
	@$(H)/compat.sh all
	@$(H)/report.py --ktap compat=$(OUT)/compat.ktap || { cat $(OUT)/compat.log; exit 1; }

docs:
	@$(H)/docs.sh
	@$(H)/report.py --ktap docs=$(OUT)/docs.ktap || { cat $(OUT)/docs.log; exit 1; }

patch:
	@$(H)/patch.sh
	@$(H)/report.py --ktap patch=$(OUT)/patch.ktap || { cat $(OUT)/patch.log; exit 1; }

run:
	@$(H)/guest.sh demo

# after adding or removing tests: rewrite the inventory from the last full
# run's logs, then review the diff of harness/inventory.txt
inventory:
	@$(H)/report.py $(KUNIT_LOGS) --guest $(OUT)/guest.log \
		--write-inventory $(H)/inventory.txt

clean:
	rm -rf $(OUT)
