#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host-side test of dmabuf-usage: a fake /proc and bufinfo whose answer is
# known, checked through --root. Usage: fixture-test.sh [path to dmabuf-usage]
set -euo pipefail
tool=$(realpath "${1:-./dmabuf-usage}")
dir=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
fails=0
check() { # check WHAT EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		echo "not ok - $1: expected '$2', got '$3'"
		fails=$((fails + 1))
	fi
}
# json FILE SECTION MATCH KEY: KEY of the first record of SECTION whose line holds MATCH
# (SECTION totals or bufinfo: the one-line object of that name)
json() {
	awk -v s="  \"$2\": [" -v o="  \"$2\": {" -v m="$3" -v k="\"$4\": " '
		$0 == s { on = 1; next } /^  []"]/ { on = 0 }
		index($0, o) == 1 { on = 1 }
		on && index($0, m) { i = index($0, k); if (!i) exit; v = substr($0, i + length(k));
			sub(/[,}].*/, "", v); print v; exit }' "$1"
}

# process NAME PID: proc/PID with its comm
process() {
	mkdir -p "$dir/proc/$2/fd" "$dir/proc/$2/fdinfo"
	echo "$1" > "$dir/proc/$2/comm"
	: > "$dir/proc/$2/maps"
}
# dmabuf_fd PID FD INO SIZE EXPORTER [NAME]
dmabuf_fd() {
	ln -s "/dmabuf:${6:-}" "$dir/proc/$1/fd/$2"
	{
		printf 'pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t%s\n' "$3"
		printf 'size:\t%s\ncount:\t1\nexp_name:\t%s\n' "$4" "$5"
		if [ -n "${6:-}" ]; then printf 'name:\t%s\n' "$6"; fi
	} > "$dir/proc/$1/fdinfo/$2"
}

process alpha 100
dmabuf_fd 100 3 11 65536 system shared
dmabuf_fd 100 4 11 65536 system shared
dmabuf_fd 100 5 14 4097 udmabuf
cat > "$dir/proc/100/maps" <<'MAPS'
55d0c0a00000-55d0c0a02000 r--p 00000000 08:01 1234                       /usr/bin/alpha
7f0000000000-7f0000004000 rw-s 00000000 00:0f 12                         /dmabuf:mapped
7f0000010000-7f0000011000 rw-s 00000000 00:0f 11                         /dmabuf:shared
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
MAPS
process beta 200
dmabuf_fd 200 7 11 65536 system shared
dmabuf_fd 200 8 14 4097 udmabuf
# a file whose path only looks like a dma-buf's
ln -s "/dmabuf:fake" "$dir/proc/200/fd/9"
printf 'pos:\t0\nflags:\t02\nmnt_id:\t20\nino:\t99\n' > "$dir/proc/200/fdinfo/9"
ln -s "socket:[4242]" "$dir/proc/200/fd/10"
process gamma 300
ln -s "/dev/null" "$dir/proc/300/fd/0"
mkdir -p "$dir/sys/kernel/debug/dma_buf"
{
	printf '\nDma-buf Objects:\n'
	printf 'size    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n'
	for b in "00065536 system 00000011 shared" "00016384 system 00000012 mapped" \
		 "00032768 system 00000013 held-by-vgem" "00004097 udmabuf 00000014 <none>"; do
		set -- $b
		printf '%s\t00000002\t00000003\t00000002\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"
		printf '\tAttached Devices:\n'
		[ "$3" = 00000013 ] && printf '\tvgem\n'
		printf 'Total %d devices attached\n\n' "$([ "$3" = 00000013 ] && echo 1 || echo 0)"
	done
	printf '\nTotal 4 objects, 118785 bytes\n'
} > "$dir/sys/kernel/debug/dma_buf/bufinfo"

"$tool" --root "$dir" --json > "$dir/a.json"
j=$dir/a.json
check "alpha rss" 86017 "$(json "$j" processes '"pid": 100,' rss)"
check "alpha pss (odd byte to the lower pid)" 51201 "$(json "$j" processes '"pid": 100,' pss)"
check "alpha buffers" 3 "$(json "$j" processes '"pid": 100,' buffers)"
check "beta rss" 69633 "$(json "$j" processes '"pid": 200,' rss)"
check "beta pss" 34816 "$(json "$j" processes '"pid": 200,' pss)"
check "gamma not listed" "" "$(json "$j" processes '"pid": 300,' rss)"
first=$(awk '/"processes": \[/ { getline; print }' "$j" | sed 's/.*"pid": \([0-9]*\).*/\1/')
check "sorted by rss" 100 "$first"
check "mapping-only buffer held" 0 "$(json "$j" holdings '"pid": 100, "ino": 12,' fds)"
check "mapping-only buffer mapped" 1 "$(json "$j" holdings '"pid": 100, "ino": 12,' mappings)"
check "fd and mapping once" 2 "$(json "$j" holdings '"pid": 100, "ino": 11,' fds)"
check "fake dma-buf ignored" "" "$(json "$j" buffers '"ino": 99,' size)"
check "kernel-only buffer" true "$(json "$j" buffers '"ino": 13,' kernel_only)"
check "shared buffer holders" 2 "$(json "$j" buffers '"ino": 11,' holders)"
check "total bytes" 118785 "$(json "$j" totals '' bytes)"
check "held bytes" 86017 "$(json "$j" totals '' held_bytes)"
check "kernel-only bytes" 32768 "$(json "$j" totals '' kernel_only_bytes)"
check "matches bufinfo" true "$(json "$j" totals '' matches_bufinfo)"
check "alpha pss by exporter" 2049 "$(json "$j" process_exporters '"exporter": "udmabuf"' pss)"
check "exporter system bytes" 114688 "$(json "$j" exporters '"exporter": "system"' bytes)"
check "name held-by-vgem kernel-only" 1 \
	"$(json "$j" names '"name": "held-by-vgem"' kernel_only_buffers)"
out=$("$tool" --root "$dir")
if ! grep -q 'bufinfo: .*4 objects, 118785 bytes (matches)' <<< "$out"; then
	echo "not ok - table totals"; echo "$out"; fails=$((fails + 1))
fi

# diff: nothing changed, then pid 200 closes its buffers and a leak appears
rc=0
"$tool" --root "$dir" --diff "$j" > "$dir/diff" || rc=$?
check "diff against itself" "0 no change" "$rc $(tail -1 "$dir/diff")"
rm "$dir/proc/200/fd/7" "$dir/proc/200/fd/8"
sed -i 's/^Total 4 objects, 118785 bytes/Total 5 objects, 122881 bytes/' \
	"$dir/sys/kernel/debug/dma_buf/bufinfo"
printf '00004096\t00000002\t00000003\t00000001\tsystem\t00000015\tleak\n' >> \
	"$dir/sys/kernel/debug/dma_buf/bufinfo"
rc=0
"$tool" --root "$dir" --diff "$j" --snapshot "$dir/b.json" > "$dir/diff" || rc=$?
check "diff exit status" 1 "$rc"
grep -q '^  + ino 15 system leak, 4096 bytes, held by none (kernel-only)$' "$dir/diff" ||
	{ echo "not ok - diff shows the new buffer"; cat "$dir/diff"; fails=$((fails + 1)); }
grep -q '^  - 200 beta: rss 69633' "$dir/diff" ||
	{ echo "not ok - diff shows beta gone"; cat "$dir/diff"; fails=$((fails + 1)); }
grep -q '^  ~ 100 alpha: pss 51201 -> 86017 (+34816)$' "$dir/diff" ||
	{ echo "not ok - diff shows alpha's pss"; cat "$dir/diff"; fails=$((fails + 1)); }
rc=0
"$tool" --diff "$j" "$dir/b.json" > "$dir/diff2" || rc=$?
check "diff of two files = diff against a scan" "1" "$rc"
if ! cmp -s "$dir/diff" "$dir/diff2"; then
	echo "not ok - two-file diff differs"; diff "$dir/diff" "$dir/diff2"; fails=$((fails + 1))
fi

# without bufinfo: what /proc shows, kernel-only unknown
rm -r "$dir/sys"
"$tool" --root "$dir" --json > "$dir/c.json"
check "no bufinfo: readable" false "$(json "$dir/c.json" bufinfo '' readable)"
check "no bufinfo: kernel-only unknown" null "$(json "$dir/c.json" totals '' kernel_only_bytes)"
check "no bufinfo: size of the mapping-only buffer (mapped length)" 16384 \
	"$(json "$dir/c.json" buffers '"ino": 12,' size)"
"$tool" --root "$dir" | grep -q 'kernel-only:  unknown' ||
	{ echo "not ok - table says kernel-only unknown"; fails=$((fails + 1)); }

[ $fails -eq 0 ] && echo "fixture test: all passed" || echo "fixture test: $fails failed"
exit $((fails > 0))
