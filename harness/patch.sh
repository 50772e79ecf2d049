#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make patch: turn the checkout into a patch series against pristine 6.12
# (harness/series.sh says what goes into which patch), write it to
# $OUT/patches/, then prove it: `git am` on a fresh pristine checkout, a
# build of the kernel after every patch, checkpatch --strict on every patch.
# Results go to $OUT/patch.ktap, details to $OUT/patch.log.
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES python3-ply python3-git
pristine=$(pristine_tree)
mkdir -p "$OUT" "$STATE"
: > "$OUT/patch.log"
BASE=$CACHE/patch-base.git		# one commit: the pristine tree, shared by checkouts
CHECK=$STATE/patch-check		# fresh pristine checkout the series is applied to
B=$STATE/patch-build
ident=(-c user.name="$(git -C "$REPO" config user.name || echo 'dma-buf core')"
       -c user.email="$(git -C "$REPO" config user.email || echo 'dma-buf@localhost')")
g() { git "${ident[@]}" --git-dir="$BASE" "$@"; }

if ! g rev-parse -q --verify refs/tags/pristine >/dev/null 2>&1; then
	log "recording the pristine tree in $BASE (once)"
	rm -rf "$BASE"
	git init -q --bare "$BASE"
	g config core.bare false
	# Debian's top-level .gitignore ignores everything: force
	g --work-tree="$pristine" add -f -A
	g commit -q -m "Linux 6.12 (Debian linux-source-6.12)"
	g tag pristine
fi

# Build the series with a private index: no checkout of the whole tree.
export GIT_INDEX_FILE=$STATE/patch.index
g read-tree pristine
tip=$(g rev-parse pristine)
without_kunit_kconfig() { awk '/^config DMABUF_KUNIT_TEST/ { skip = 1; next }
	skip && /^(config|menuconfig|endmenu|source) / { skip = 0 } !skip'; }
without_kunit_make() { grep -v 'DMABUF_KUNIT_TEST\|KUnit suites'; }
# and before the BPF iterator's patch
without_bpf_kunit_make() { without_kunit_make | grep -v 'dma-buf-bpf\|BTF-described'; }
with_dmabuf_target() { sed 's/^TARGETS += dmabuf-heaps$/TARGETS += dmabuf\n&/'; }
# MAINTAINERS as the core patch leaves it: the trace header covered, the
# folders and the uapi header later patches add not yet
only_trace_maintained() { grep -vxF -e $'F:\tinclude/uapi/linux/dma-buf.h' \
	-e $'F:\ttools/dma-buf/' -e $'F:\ttools/testing/selftests/dmabuf/'; }
blob() { g hash-object -w --stdin; }
patch() {
	local subject=$1 body=$2 sha mode
	shift 3
	while [ $# -gt 0 ]; do
		case $1 in
		keep)	mode=100644
			[ -x "$REPO/$2" ] && mode=100755
			sha=$(blob < "$REPO/$2")
			g update-index --add --cacheinfo "$mode,$sha,$2"
			shift 2 ;;
		drop)	g update-index --force-remove "$2"; shift 2 ;;
		edit)	if [ -f "$REPO/$2" ]; then
				sha=$($3 < "$REPO/$2" | blob)
			else
				sha=$(g show "$tip:$2" | $3 | blob)
			fi
			g update-index --add --cacheinfo "100644,$sha,$2"
			shift 3 ;;
		*)	die "series: unknown action $1" ;;
		esac
	done
	tip=$(printf '%s\n\n%s\n' "$subject" "$body" |
	      g commit-tree "$(g write-tree)" -p "$tip" -F -)
}
# shellcheck source=harness/series.sh
source "$HARNESS/series.sh"
unset GIT_INDEX_FILE

# Every product file must have gone into some patch, unchanged.
missing=$(cd "$REPO" && overlay_files | while read -r f; do
	[ "$(g rev-parse -q --verify "$tip:$f")" = "$(git hash-object "$f")" ] || echo "$f"
done)
[ -z "$missing" ] || die "series.sh leaves out or alters: $missing"

rm -rf "$OUT/patches"
g format-patch -q --signoff -o "$OUT/patches" pristine.."$tip" >/dev/null
mapfile -t patches < <(ls "$OUT"/patches/*.patch)
log "${#patches[@]} patches in $OUT/patches"

# A fresh pristine checkout, then git am one patch at a time and build.
log "checking out the pristine tree into $CHECK"
rm -rf "$CHECK"
git clone -q --shared "$BASE" "$CHECK"
git -C "$CHECK" checkout -q --detach pristine
mkdir -p "$B"
{ echo "TAP version 13"; echo "1..$(( ${#patches[@]} * 2 ))"; } > "$OUT/patch.ktap"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1" >> "$OUT/patch.ktap"; }
notok() { n=$((n + 1)); echo "not ok $n - $1" >> "$OUT/patch.ktap"; }
frag=$STATE/patch-build.config
{ cat "$HARNESS/guest.config"; echo "CONFIG_KUNIT=y"; echo "CONFIG_DMABUF_KUNIT_TEST=y"; } > "$frag"
for p in "${patches[@]}"; do
	name=$(basename "$p" .patch)
	if ! git "${ident[@]}" -C "$CHECK" am -q "$p" >> "$OUT/patch.log" 2>&1; then
		notok "$name applies and builds"
		git -C "$CHECK" am --abort >/dev/null 2>&1 || true
		break
	fi
	# the config is made again each step: a later patch may add symbols
	make -s -C "$CHECK" O="$B" ARCH=x86_64 tinyconfig >/dev/null
	"$CHECK/scripts/kconfig/merge_config.sh" -m -O "$B" "$B/.config" "$frag" >/dev/null 2>&1
	make -s -C "$CHECK" O="$B" ARCH=x86_64 olddefconfig >/dev/null
	log "building after $name"
	if make -s -C "$CHECK" O="$B" ARCH=x86_64 -j"$JOBS" bzImage >> "$OUT/patch.log" 2>&1; then
		ok "$name applies and builds"
	else
		notok "$name applies and builds"
	fi
	# FILE_PATH_CHANGES asks whether MAINTAINERS needs an update when a patch
	# adds or removes files; get_maintainer.pl answers it for every new file,
	# and no F: line may name a removed one. checkpatch's SPDX check needs
	# Debian's python3 with ply and GitPython.
	out=$(cd "$CHECK" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict -q \
		--ignore FILE_PATH_CHANGES "$p" 2>&1 || true)
	for f in $(git -C "$CHECK" show --diff-filter=A --name-only --format= HEAD); do
		(cd "$CHECK" && scripts/get_maintainer.pl --nogit --nogit-fallback --subsystem \
			--norolestats -f "$f" 2>/dev/null) | grep -qx 'DMA BUFFER SHARING FRAMEWORK' ||
			out+=$'\n'"$f: not covered by the DMA BUFFER SHARING FRAMEWORK entry"
	done
	for f in $(git -C "$CHECK" show --diff-filter=D --name-only --format= HEAD); do
		! grep -qxF "F:	$f" "$CHECK/MAINTAINERS" ||
			out+=$'\n'"$f: removed but still named in MAINTAINERS"
	done
	if [ -z "$out" ]; then
		ok "$name is checkpatch clean"
	else
		notok "$name is checkpatch clean"
		printf '=== %s\n%s\n' "$name" "$out" >> "$OUT/patch.log"
	fi
done
