#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the x86_64 guest kernel, the static test binaries and an initramfs,
# then boot it in QEMU.
#   guest.sh test    run every test program (or those named in $TESTS), log to $OUT/guest.log
#   guest.sh stress  the race programs and the random operations at length, log to
#                    $OUT/stress.log (STRESS_SCALE, STRESS_OPS, STRESS_SEEDS)
#   guest.sh kcsan   the race programs on a KCSAN kernel instead of KASAN, log to
#                    $OUT/kcsan.log
#   guest.sh demo    run the demo; with a terminal, leave a shell open afterwards
source "$(dirname "$0")/lib.sh"

mode=${1:-test}
B=$STATE/guest
fragments=("$HARNESS/guest.config")
if [ "$mode" = kcsan ]; then
	B=$STATE/guest-kcsan
	fragments+=("$HARNESS/kcsan.config")
fi
ROOT=$STATE/initramfs
ST=$STATE/selftests

# gcc-multilib and libc6-dev-i386: the kselftests also run as 32-bit programs;
# dwarves (pahole) makes the kernel's BTF, clang, bpftool and libbpf build the
# BPF iterator test (static: libbpf, libelf, zlib, zstd); trace-cmd reads the
# trace events back in the guest
ensure_packages $BASE_PACKAGES qemu-system-x86 busybox-static gcc-multilib libc6-dev-i386 \
	dwarves clang bpftool libbpf-dev zlib1g-dev libzstd-dev trace-cmd
prepare_tree
mkdir -p "$OUT"

guest_config "$B" "${fragments[@]}"
log "building the guest kernel (build dir $B)"
make -s -C "$TREE" O="$B" ARCH=x86_64 -j"$JOBS" bzImage > "$OUT/guest-build.log" 2>&1 ||
	{ tail -40 "$OUT/guest-build.log" >&2; die "guest kernel build failed"; }
make -s -C "$TREE" O="$B" ARCH=x86_64 headers_install >/dev/null

# static userspace: the kselftests, the harness's own guest checks, the demo and
# dmabuf-usage (64-bit and i386: the usage test runs the one of its own kind)
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,tests}
cc_static() { gcc -static -O2 -Wall -isystem "$B/usr/include" "$@"; }
cc_static -o "$ROOT/tests/guest-sanity" "$HARNESS/guest-sanity.c"
cc_static -I"$REPO/tools/testing/selftests/dmabuf" -o "$ROOT/tests/trace-cmd" \
	"$HARNESS/trace-cmd.c"
cc_static -I"$REPO/tools/testing/selftests/dmabuf" -o "$ROOT/bin/dmabuf-demo" \
	"$HARNESS/demo/dmabuf-demo.c"
# the 64-bit tool with the BPF iterator path (libbpf is not multilib)
rm -rf "$STATE/usage-64"
make -s -C "$TREE/tools/dma-buf" OUTPUT="$STATE/usage-64/" BPF=1 VMLINUX_BTF="$B/vmlinux" \
	> "$OUT/usage-build.log" 2>&1 ||
	{ cat "$OUT/usage-build.log" >&2; die "dmabuf-usage build failed"; }
rm -rf "$STATE/usage-32"
make -s -C "$TREE/tools/dma-buf" OUTPUT="$STATE/usage-32/" CC="gcc -m32" \
	CFLAGS="-O2 -Wall -D_FILE_OFFSET_BITS=64" >> "$OUT/usage-build.log" 2>&1 ||
	{ cat "$OUT/usage-build.log" >&2; die "32-bit dmabuf-usage build failed"; }
mv "$STATE/usage-64/dmabuf-usage" "$ROOT/bin/dmabuf-usage"
mv "$STATE/usage-32/dmabuf-usage" "$ROOT/bin/dmabuf-usage-32"
if [ -f "$TREE/tools/testing/selftests/dmabuf/Makefile" ]; then
	rm -rf "$ST" "$ST-32"
	mkdir -p "$ST" "$ST-32"
	# VMLINUX_BTF adds bpf-iter, 64-bit only (libbpf is not multilib)
	LDFLAGS=-static make -s -C "$TREE/tools/testing/selftests/dmabuf" OUTPUT="$ST" \
		KHDR_INCLUDES="-isystem $B/usr/include" VMLINUX_BTF="$B/vmlinux" \
		> "$OUT/selftests-build.log" 2>&1 ||
		{ cat "$OUT/selftests-build.log" >&2; die "kselftest build failed"; }
	# again as i386 programs, named <test>-32, for the compat ioctl paths. DRM
	# mmap offsets need a 64-bit off_t; the harness's EXPECT macros widen
	# pointers to intmax_t, which -m32 warns about.
	CFLAGS="-m32 -D_FILE_OFFSET_BITS=64 -Wno-pointer-to-int-cast" LDFLAGS="-static -m32" \
		make -s -C "$TREE/tools/testing/selftests/dmabuf" OUTPUT="$ST-32" \
		KHDR_INCLUDES="-isystem $B/usr/include" >> "$OUT/selftests-build.log" 2>&1 ||
		{ cat "$OUT/selftests-build.log" >&2; die "32-bit kselftest build failed"; }
	find "$ST" -maxdepth 1 -type f -perm -u+x -exec cp {} "$ROOT/tests/" \;
	for t in $(find "$ST-32" -maxdepth 1 -type f -perm -u+x); do
		cp "$t" "$ROOT/tests/$(basename "$t")-32"
	done
fi
cp /bin/busybox "$ROOT/bin/busybox"
readelf -l "$ROOT/bin/busybox" | grep -q INTERP && die "/bin/busybox is not static (busybox-static)"
# Debian's trace-cmd is dynamically linked (libtraceevent, libtracefs, ...):
# the binary, and the libraries and the loader ldd names, at the same paths
tc=$(command -v trace-cmd) || die "no trace-cmd (package trace-cmd)"
cp "$tc" "$ROOT/bin/trace-cmd"
for lib in $(ldd "$tc" | grep -o '/[^ ]*'); do
	mkdir -p "$ROOT$(dirname "$lib")"
	cp -L "$lib" "$ROOT$lib"
done
cp "$HARNESS/init" "$ROOT/init"
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$STATE/initramfs.gz"

# KUnit suites that also run in the guest, at boot and on its two CPUs: races
# need real parallelism, which UML lacks. init prints their results from
# debugfs as the program kunit-<suite>.
GUEST_KUNIT=dma-buf-races

# how much each mode runs; make check's slice is the programs' own default
case $mode in
stress|kcsan)
	log=$OUT/$mode.log
	scale=${STRESS_SCALE:-10}
	ops=${STRESS_OPS:-1000000} seeds=${STRESS_SEEDS:-1}
	random_ops=" harness.ops=$ops harness.seeds=$seeds"
	if [ "$mode" = kcsan ]; then
		# random-ops would add most of an hour; TESTS=random-ops runs it here
		: "${TESTS:=races,kunit-$GUEST_KUNIT}"
		scale=${STRESS_SCALE:-3}
	else
		: "${TESTS:=races,random-ops,kunit-$GUEST_KUNIT}"
	fi
	# random-ops runs 400 (beside a kernel build) to 900 operations a second
	# under KASAN and TCG: room for 200 a second per program, the VM an hour more
	limit=$((ops * seeds / 200))
	[ $limit -lt 5400 ] && limit=5400
	limit=${TEST_TIMEOUT:-$limit}
	vm_limit=${VM_TIMEOUT:-$((limit + 3600))}
	;;
*)
	log=$OUT/guest.log
	scale=1
	# random-ops runs its default slice
	random_ops=
	# per program; under TCG with kmemleak, lifecycle alone takes about 5 minutes
	limit=${TEST_TIMEOUT:-900} vm_limit=${VM_TIMEOUT:-1800}
	;;
esac
selected() { [ -z "${TESTS:-}" ] || grep -qxF "$1" <<< "$(tr ',' '\n' <<< "$TESTS")"; }
kunit_glob=none
[ "$mode" != demo ] && selected "kunit-$GUEST_KUNIT" && kunit_glob=$GUEST_KUNIT

cmdline="console=ttyS0 panic=-1 vivid.n_devs=2 vivid.allocators=0,1"
cmdline+=" kunit.filter_glob=$kunit_glob harness.kunit=$kunit_glob"
cmdline+=" harness.mode=$mode harness.tests=${TESTS:-all} harness.timeout=$limit"
cmdline+=" harness.scale=$scale"
cmdline+="$random_ops"
shell=0
[ "$mode" = demo ] && [ -t 0 ] && [ -t 1 ] && shell=1
cmdline+=" harness.shell=$shell"
accel=${ACCEL:-tcg}
# two sockets: without ACPI the kernel finds only the first core of a socket
qemu=(qemu-system-x86_64 -accel "$accel" -m 2G -smp 2,sockets=2,cores=1 -no-reboot -nographic
      -kernel "$B/arch/x86/boot/bzImage" -initrd "$STATE/initramfs.gz" -append "$cmdline")

if [ "$mode" = demo ]; then
	if [ $shell = 1 ]; then
		exec "${qemu[@]}"
	fi
	timeout "${VM_TIMEOUT:-600}" "${qemu[@]}" < /dev/null | tee "$OUT/demo.log" |
		sed -n '/^### DEMO BEGIN/,/^### DEMO END/p'
	grep -q '^### DEMO END rc=0' "$OUT/demo.log" || die "demo failed; see $OUT/demo.log"
	exit 0
fi

log "booting the guest (TCG, $mode; log $log)"
rc=0
timeout "$vm_limit" "${qemu[@]}" < /dev/null > "$log" 2>&1 || rc=$?
[ $rc -eq 124 ] && echo "### HARNESS TIMEOUT after ${vm_limit}s" >> "$log"
for t in $(ls "$ROOT/tests") "kunit-$GUEST_KUNIT"; do
	selected "$t" && echo "$t"
done > "${log%.log}-tests.list"
exit 0
