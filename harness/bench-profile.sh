#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench-profile: where the instructions of one kernel call go, in the
# kernels make bench built. Boots each bench guest under gdb, stops at the
# PROF_SKIP+1th call of each PROF_FUNC function made from the benchmark
# module, steps it to its return (harness/bench-profile.py) and writes, per
# kernel, the instructions by direct callee and by function to
# $OUT/profile-<func>-<variant>.txt, then side-by-side tables of the
# callees to stdout. Run make bench first: it builds the kernels.
#
#   PROF_FUNC=      the functions (default dma_buf_export)
#   PROF_SKIP=      calls to let pass first (default 100: warm caches and
#                   slabs, as in the timed batches)
#   PROF_FROM=      module (calls from the benchmark module) or any
#   PROF_VARIANTS=  kernels (default "stock ours"; also stock-sysfs ...)
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES qemu-system-x86 gdb
funcs=${PROF_FUNC:-dma_buf_export}
read -r -a variants <<< "${PROF_VARIANTS:-stock ours}"
mkdir -p "$OUT"

# profile VARIANT: one guest under gdb, every function of $funcs traced once
profile() {
	local v=$1 B=$STATE/bench-$1 port qpid
	nm -n "$B/vmlinux" > "$OUT/profile-$v.syms"
	port=$((20000 + RANDOM % 20000))
	log "profiling $funcs in $v (gdb on port $port)"
	qemu-system-x86_64 -accel tcg -icount shift=0,sleep=off \
		-rtc base=2025-01-01T00:00:00,clock=vm -m 2G -smp 1 \
		-no-reboot -nographic -kernel "$B/arch/x86/boot/bzImage" \
		-initrd "$B-initramfs.gz" -gdb "tcp::$port" -S \
		-append "console=ttyS0 panic=-1 norandmaps bench.iters=200 bench.reps=1 bench.live=100" \
		< /dev/null > "$OUT/profile-$v.guest.log" 2>&1 &
	qpid=$!
	PROF_PORT=$port PROF_VMLINUX_SYMS=$OUT/profile-$v.syms PROF_FUNC=$funcs \
	PROF_SKIP=${PROF_SKIP:-100} PROF_FROM=${PROF_FROM:-module} \
	PROF_OUT=$OUT/profile-%f-$v.txt \
		timeout 1200 gdb -q -nx -batch -x "$HARNESS/bench-profile.py" \
		> "$OUT/profile-$v.gdb.log" 2>&1
	kill "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	return 0
}

for v in "${variants[@]}"; do
	[ -f "$STATE/bench-$v/vmlinux" ] && [ -f "$STATE/bench-$v-initramfs.gz" ] ||
		die "no $STATE/bench-$v/vmlinux or its initramfs: run make bench first"
	profile "$v" &
done
wait
for v in "${variants[@]}"; do
	for f in $funcs; do
		[ -s "$OUT/profile-$f-$v.txt" ] ||
			die "no profile of $f in $v; see $OUT/profile-$v.gdb.log"
	done
done

# side by side: instructions per direct callee, one column per kernel
for f in $funcs; do
	python3 - "$f" "$OUT" "${variants[@]}" <<'EOF'
import sys
func, out, variants = sys.argv[1], sys.argv[2], sys.argv[3:]
tables, totals = [], []
for v in variants:
    rows, part = {}, None
    for line in open('%s/profile-%s-%s.txt' % (out, func, v)):
        if line.startswith('instructions '):
            totals.append(int(line.split()[1]))
        elif line.startswith('by direct callee'):
            part = 'child'
        elif line.startswith('by function'):
            part = None
        elif part and line.strip():
            n, name = line.split()
            rows[name] = int(n)
    tables.append(rows)
names = sorted(set().union(*tables), key=lambda n: -max(t.get(n, 0) for t in tables))
print('%s: instructions of one call, by direct callee (inclusive)' % func)
print('%-40s' % 'callee' + ''.join('%12s' % v for v in variants))
for n in names:
    print('%-40s' % n[:40] + ''.join('%12s' % t.get(n, '-') for t in tables))
print('%-40s' % 'total' + ''.join('%12d' % t for t in totals))
print()
EOF
done
