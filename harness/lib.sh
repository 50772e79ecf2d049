# SPDX-License-Identifier: GPL-2.0-only
# Shared set-up for the harness scripts: packages, the kernel tree, the overlay.
# Sourced, not run.

set -euo pipefail

HARNESS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HARNESS/.." && pwd)
CACHE=${CACHE:-$HOME/.cache/dmabuf-core}
TARBALL=/usr/src/linux-source-6.12.tar.xz
STATE=${STATE:-$CACHE/$(printf %s "$REPO" | md5sum | cut -c1-10)}
TREE=$STATE/tree
OUT=${OUT:-$REPO/out}
JOBS=${JOBS:-$(nproc)}
OVERLAY_PATHS="drivers include Documentation tools/testing/selftests/dmabuf tools/dma-buf MAINTAINERS"

BASE_PACKAGES="make gcc libc6-dev bc flex bison libelf-dev libssl-dev cpio rsync xz-utils
	kmod python3 perl git linux-source-6.12"

log() { printf '[harness] %s\n' "$*" >&2; }
die() { printf '[harness] error: %s\n' "$*" >&2; exit 1; }

# ensure_packages PKG...: install what is missing, once, as root.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]} (run as root or install them)"
	log "installing ${missing[*]}"
	if [ -z "${HARNESS_APT_UPDATED:-}" ]; then
		apt-get update -q >&2
		export HARNESS_APT_UPDATED=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2
}

# pristine_tree: print the path of the unmodified 6.12 tree, extracting it once.
pristine_tree() {
	if [ -n "${KSRC:-}" ]; then
		[ -f "$KSRC/Makefile" ] || die "KSRC=$KSRC is not a kernel tree"
		grep -q '^PATCHLEVEL = 12$' "$KSRC/Makefile" || die "KSRC=$KSRC is not 6.12"
		printf '%s\n' "$(cd "$KSRC" && pwd)"
		return
	fi
	local dir=$CACHE/linux-source-6.12
	if [ ! -f "$CACHE/.linux-source-6.12.done" ]; then
		[ -f "$TARBALL" ] || die "$TARBALL missing (package linux-source-6.12)"
		log "extracting $TARBALL into $CACHE"
		rm -rf "$dir"
		mkdir -p "$CACHE"
		tar -xJf "$TARBALL" -C "$CACHE"
		touch "$CACHE/.linux-source-6.12.done"
	fi
	printf '%s\n' "$dir"
}

# overlay_files: the product files of the checkout, relative to it.
overlay_files() {
	local p
	cd "$REPO"
	if git rev-parse --git-dir >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		git ls-files -co --exclude-standard -- $OVERLAY_PATHS
	else
		for p in $OVERLAY_PATHS; do
			[ -e "$p" ] && find "$p" -type f
		done
	fi | sort -u
}

# prepare_tree: a working copy of the pristine tree with our files laid over it.
# Only files whose content changed get a new mtime, so rebuilds stay incremental.
# Runs that share a cache (two checkouts' harnesses never do) take turns: the
# lock is held until the calling script exits.
prepare_tree() {
	local pristine f
	pristine=$(pristine_tree)
	mkdir -p "$STATE"
	exec 9> "$STATE/.lock"
	if ! flock -n 9; then
		log "waiting for another harness run on $STATE"
		flock 9
	fi
	if [ "$(cat "$STATE/tree.from" 2>/dev/null)" != "$pristine" ]; then
		log "copying $pristine to $TREE"
		rm -rf "$TREE" "$STATE/tree.manifest"
		# hard links are cheap; every write below replaces a file, never edits it
		cp -al "$pristine" "$TREE" 2>/dev/null || cp -a "$pristine" "$TREE"
		printf '%s\n' "$pristine" > "$STATE/tree.from"
	fi

	overlay_files > "$STATE/tree.manifest.new"
	rsync -rc --files-from="$STATE/tree.manifest.new" "$REPO/" "$TREE/"

	# files that left the overlay come back from the pristine tree, with a new mtime
	if [ -f "$STATE/tree.manifest" ]; then
		comm -23 "$STATE/tree.manifest" "$STATE/tree.manifest.new" | while read -r f; do
			rm -f "$TREE/$f"
			if [ -f "$pristine/$f" ]; then
				cp "$pristine/$f" "$TREE/$f.harness-tmp"
				mv "$TREE/$f.harness-tmp" "$TREE/$f"
			fi
		done
	fi
	mv "$STATE/tree.manifest.new" "$STATE/tree.manifest"
}

# guest_config DIR FRAGMENT...: x86_64 tinyconfig plus fragments in DIR/.config,
# regenerated only when an input changed; fails if a requested symbol is lost.
guest_config() {
	local dir=$1 stamp want
	shift
	stamp=$(cat "$@" "$TREE/drivers/dma-buf/Kconfig" | md5sum | cut -d' ' -f1)
	mkdir -p "$dir"
	if [ -f "$dir/.config" ] && [ "$(cat "$dir/.harness-config" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	log "configuring $dir"
	make -s -C "$TREE" O="$dir" ARCH=x86_64 tinyconfig >/dev/null
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$dir" "$dir/.config" "$@" >/dev/null
	make -s -C "$TREE" O="$dir" ARCH=x86_64 olddefconfig >/dev/null
	# what the fragments ask for, the last word on each symbol winning
	want=$(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)$/\1 \2/p; s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1 n/p' \
		"$@" | awk '{ v[$1] = $2 } END { for (s in v) print s "=" v[s] }')
	for f in $want; do
		case $f in
		*=y) grep -qx "$f" "$dir/.config" ||
			die "guest config lost $f (check its dependencies)" ;;
		*=n) grep -q "^${f%=n}=y" "$dir/.config" &&
			die "guest config could not turn off ${f%=n}" ;;
		esac
	done
	printf '%s\n' "$stamp" > "$dir/.harness-config"
}
