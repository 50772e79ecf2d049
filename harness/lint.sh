#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Lint our kernel files: checkpatch --strict, kernel-doc -Wall, sparse and a W=1
# build of drivers/dma-buf, the exported symbols against stock 6.12, and the
# unit tests of harness/report.py. Prints
# one KTAP result per check to $OUT/lint.ktap; findings go to $OUT/lint.log.
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES sparse
prepare_tree
mkdir -p "$OUT"
B=$STATE/lint
: > "$OUT/lint.log"

mapfile -t ours < <(cd "$REPO" && overlay_files | grep -E '^(drivers|include)/.*\.[ch]$')
mapfile -t core_objs < <(printf '%s\n' "${ours[@]}" | grep -E '^drivers/.*\.c$' | sed 's/\.c$/.o/')
n=0
result() { # result NAME FINDINGS-FILE
	n=$((n + 1))
	if [ -s "$2" ]; then
		echo "not ok $n - lint $1" >> "$OUT/lint.ktap"
		{ echo "=== $1"; cat "$2"; } >> "$OUT/lint.log"
	else
		echo "ok $n - lint $1" >> "$OUT/lint.ktap"
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "TAP version 13" > "$OUT/lint.ktap"
echo "1..6" >> "$OUT/lint.ktap"

mapfile -t userspace < <(cd "$REPO" && { overlay_files; git ls-files harness; } |
	grep -E '^(tools|harness)/.*\.[ch]$')
(cd "$TREE" && scripts/checkpatch.pl --strict --no-tree -q --show-types -f "${ours[@]}" \
	"${userspace[@]/#/$REPO/}" \
	2>&1 || true) | grep -v '^$' > "$tmp/checkpatch" || true
result checkpatch "$tmp/checkpatch"

(cd "$TREE" && scripts/kernel-doc -none -Wall "${ours[@]}" 2>&1 || true) > "$tmp/kdoc"
result kernel-doc "$tmp/kdoc"

# Modules see exactly stock's exports, in stock's namespace: what we add for
# the core's own use (buffer iteration) or for tests (_IF_KUNIT) stays inside.
exports() { grep -ho 'EXPORT_SYMBOL[A-Z_]*([a-z0-9_]*[^)]*)' "$@" | grep -v _IF_KUNIT | sort; }
diff <(exports "$(pristine_tree)/drivers/dma-buf/dma-buf.c") \
	<(cd "$REPO" && exports drivers/dma-buf/dma-buf-*.c) > "$tmp/exports" || true
result exports "$tmp/exports"

# the report that decides every run has unit tests of its own
(cd "$REPO" && python3 -m unittest -q harness/test_report.py > "$tmp/report.out" 2>&1) ||
	cp "$tmp/report.out" "$tmp/report"
touch "$tmp/report"
result "report.py unit tests" "$tmp/report"

# sparse and W=1: rebuild only when our files or the config changed
guest_config "$B" "$HARNESS/guest.config" "$HARNESS/lint.config"
stamp=$( (cd "$TREE" && cat "${ours[@]}"; cat "$B/.config") | md5sum | cut -d' ' -f1)
if [ "$(cat "$B/.harness-lint" 2>/dev/null)" != "$stamp" ]; then
	log "sparse and W=1 on drivers/dma-buf (build dir $B)"
	make -s -C "$TREE" O="$B" ARCH=x86_64 -j"$JOBS" prepare >/dev/null 2>&1
	(cd "$B" && rm -f "${core_objs[@]}")
	make -C "$TREE" O="$B" ARCH=x86_64 -j"$JOBS" W=1 C=1 drivers/dma-buf/ \
		> "$B/.harness-lint.out" 2>&1 || echo "build failed" >> "$B/.harness-lint.out"
	printf '%s\n' "$stamp" > "$B/.harness-lint"
fi
pattern=$(printf '%s\n' "${ours[@]}" | sed 's/[.]/[.]/g' | paste -sd'|')
# gcc's warnings name their -W option, sparse's do not
grep -E "($pattern):[0-9]+:[0-9]+: (warning|error)" "$B/.harness-lint.out" > "$tmp/all" || true
grep -v -- '\[-W' "$tmp/all" > "$tmp/sparse" || true
grep -- '\[-W' "$tmp/all" > "$tmp/w1" || true
grep -E 'build failed|Error [0-9]' "$B/.harness-lint.out" >> "$tmp/w1" || true
result sparse "$tmp/sparse"
result "W=1 build" "$tmp/w1"
exit 0
