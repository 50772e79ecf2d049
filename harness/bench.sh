#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: build stock 6.12 and 6.12 with our core from one non-debug
# config (harness/bench.config), boot each under QEMU TCG with -icount
# shift=0 (guest time is the instruction count, so figures repeat whatever
# the host's load) on one CPU, run the same benchmark binaries in each
# (harness/bench/: the userspace program, the module, init) and print one
# table, also written to $OUT/bench.txt (raw figures in $OUT/bench.json).
#
#   BENCH_SYSFS=0   skip the second pair of kernels, built with
#                   CONFIG_DMABUF_SYSFS_STATS=y (default 1)
#   BENCH_TRACE=0   skip ours-trace, ours with the trace events compiled in
#                   (harness/bench-trace.config), booted twice: the events
#                   disabled, then every dma_buf event enabled; its table
#                   against ours follows the main one (default 1)
#   BENCH_ITERS=    operations per timed batch (default 1000)
#   BENCH_REPS=     batches per figure, the median is reported (default 5)
#   BENCH_LIVE=     most live buffers of the scaling figures (default 100000)
#   VM_TIMEOUT=     seconds per guest run (default 1800)
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES qemu-system-x86 busybox-static
mkdir -p "$OUT" "$STATE"

iters=${BENCH_ITERS:-1000}
reps=${BENCH_REPS:-5}
live=${BENCH_LIVE:-100000}
variants=(stock ours)
[ "${BENCH_SYSFS:-1}" = 1 ] && variants+=(stock-sysfs ours-sysfs)
[ "${BENCH_TRACE:-1}" = 1 ] && variants+=(ours-trace)

# two benches on one cache would share build dirs; other harness runs are
# not held up by this lock
exec 8> "$STATE/.bench-lock"
if ! flock -n 8; then
	log "waiting for another make bench on $STATE"
	flock 8
fi

STOCK_TREE=$STATE/bench-stock-tree
OURS_TREE=$STATE/bench-ours-tree
TIMES=$OUT/bench-times.txt
: > "$TIMES"

# the stock tree: the pristine one, hard-linked, never written to; its
# kernels need no lock, so they are built first
pristine=$(pristine_tree)
if [ "$(cat "$STATE/bench-stock-tree.from" 2>/dev/null)" != "$pristine" ]; then
	log "copying $pristine to $STOCK_TREE"
	rm -rf "$STOCK_TREE"
	cp -al "$pristine" "$STOCK_TREE" 2>/dev/null || cp -a "$pristine" "$STOCK_TREE"
	printf '%s\n' "$pristine" > "$STATE/bench-stock-tree.from"
fi

printf 'CONFIG_DMABUF_SYSFS_STATS=y\n' > "$STATE/bench-sysfs.config"

tree_of() { case $1 in stock*) echo "$STOCK_TREE" ;; *) echo "$OURS_TREE" ;; esac; }

# build_kernel VARIANT: the kernel in $STATE/bench-VARIANT, then the module
# from a copy of its source (kbuild writes beside the source) in
# $STATE/bench-VARIANT-kmod; both incremental
build_kernel() {
	local v=$1 tree B=$STATE/bench-$1 blog=$OUT/bench-build-$1.log start=$SECONDS
	local fragments=("$HARNESS/bench.config")
	tree=$(tree_of "$v")
	case $v in
	*-sysfs) fragments+=("$STATE/bench-sysfs.config") ;;
	*-trace) fragments+=("$HARNESS/bench-trace.config") ;;
	esac

	# a new variant starts from a copy of its plain kernel's build dir,
	# so that only what its config changes is compiled
	if [ ! -d "$B" ] && [ "$v" != "${v%%-*}" ] && [ -f "$STATE/bench-${v%%-*}/vmlinux" ]; then
		log "seeding $B from $STATE/bench-${v%%-*}"
		cp -a "$STATE/bench-${v%%-*}" "$B.tmp" && mv "$B.tmp" "$B"
	fi
	TREE=$tree guest_config "$B" "${fragments[@]}"
	log "building the $v kernel (build dir $B)"
	make -s -C "$tree" O="$B" ARCH=x86_64 -j"$JOBS" bzImage modules > "$blog" 2>&1 ||
		{ tail -40 "$blog" >&2; die "$v kernel build failed; see $blog"; }
	mkdir -p "$B-kmod"
	rsync -rc "$HARNESS/bench/kmod/" "$B-kmod/"
	make -C "$B" ARCH=x86_64 M="$B-kmod" modules >> "$blog" 2>&1 ||
		{ tail -40 "$blog" >&2; die "$v benchmark module build failed; see $blog"; }
	echo "build $v $((SECONDS - start))" >> "$TIMES"
}

for v in "${variants[@]}"; do
	case $v in stock*) build_kernel "$v" ;; esac
done

# Our tree: prepare_tree's overlay, but on a hard-linked copy of the
# pristine tree of the bench's own, with its own lock and manifest, so that
# the bench neither waits for the other harness runs' lock on $TREE nor
# holds it for the length of its builds.
start=$SECONDS
(
	STATE=$STATE/bench-overlay
	TREE=$OURS_TREE
	prepare_tree
)
echo "overlay ours $((SECONDS - start))" >> "$TIMES"
for v in "${variants[@]}"; do
	case $v in ours*) build_kernel "$v" ;; esac
done

# one userspace binary for every guest, against the stock uapi headers
make -s -C "$STOCK_TREE" O="$STATE/bench-stock" ARCH=x86_64 headers_install >/dev/null
mkdir -p "$STATE/bench-bin"
gcc -static -O2 -Wall -Wextra -Wno-unused-parameter \
	-isystem "$STATE/bench-stock/usr/include" -I"$REPO/tools/testing/selftests/dmabuf" \
	-o "$STATE/bench-bin/dmabuf-bench" "$HARNESS/bench/dmabuf-bench.c"
readelf -l /bin/busybox | grep -q INTERP && die "/bin/busybox is not static (busybox-static)"

# run_guest RUN VARIANT [ARG...]: boot VARIANT's kernel with its module and
# the extra kernel arguments, log to $OUT/bench-RUN.log
run_guest() {
	local run=$1 v=$2 B=$STATE/bench-$2 root=$STATE/bench-$2-initramfs
	local glog=$OUT/bench-$1.log start=$SECONDS rc=0 cmdline
	shift 2

	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp}
	cp /bin/busybox "$STATE/bench-bin/dmabuf-bench" "$root/bin/"
	cp "$B-kmod/dmabuf_bench.ko" "$root/"
	cp "$HARNESS/bench/init" "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$B-initramfs.gz"

	# no userspace address randomization and a fixed clock at boot: the
	# kernel seeds its randomness from the wall clock, and layouts that
	# differ between boots change the instruction counts
	cmdline="console=ttyS0 panic=-1 norandmaps"
	cmdline+=" bench.iters=$iters bench.reps=$reps bench.live=$live $*"
	log "running the $run guest (TCG, -icount shift=0, 1 CPU; log $glog)"
	# sleep=off: an idle guest jumps to its next timer instead of waiting
	# in host time, so nothing depends on the host
	timeout "${VM_TIMEOUT:-1800}" qemu-system-x86_64 -accel tcg \
		-icount shift=0,sleep=off -rtc base=2025-01-01T00:00:00,clock=vm \
		-m 2G -smp 1 \
		-no-reboot -nographic -kernel "$B/arch/x86/boot/bzImage" \
		-initrd "$B-initramfs.gz" -append "$cmdline" < /dev/null > "$glog" 2>&1 || rc=$?
	[ $rc -eq 124 ] && echo "### HARNESS TIMEOUT after ${VM_TIMEOUT:-1800}s" >> "$glog"
	echo "run $run $((SECONDS - start))" >> "$TIMES"
	grep -q '^### BENCH DONE' "$glog" || { tail -30 "$glog" >&2; die "$run guest did not finish; see $glog"; }
}

# ours-trace boots twice: the events compiled in but disabled, then every
# dma_buf event enabled (harness/bench/init)
runs=()
for v in "${variants[@]}"; do
	case $v in
	*-trace)
		run_guest ours-tp-off "$v" bench.trace=off
		run_guest ours-tp-on "$v" bench.trace=on
		runs+=(--run "ours-tp-off=$OUT/bench-ours-tp-off.log"
		       --run "ours-tp-on=$OUT/bench-ours-tp-on.log") ;;
	*)
		run_guest "$v" "$v"
		runs+=(--run "$v=$OUT/bench-$v.log") ;;
	esac
done

"$HARNESS/bench.py" "${runs[@]}" --times "$TIMES" --json "$OUT/bench.json" \
	--iters "$iters" --reps "$reps" --output "$OUT/bench.txt"
