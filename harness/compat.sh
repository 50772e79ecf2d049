#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Compile compatibility: build every in-tree user of the dma-buf driver API
# with W=1 against our files and against the stock 6.12 tree, and compare.
#   compat.sh all     every user the tree has (make compat)
#   compat.sh quick   DRM PRIME helpers, vb2, udmabuf, heaps, virtio (make check)
# Writes $OUT/compat.ktap (one result per file) and $OUT/compat.log.
source "$(dirname "$0")/lib.sh"

mode=${1:-all}
ensure_packages $BASE_PACKAGES
prepare_tree
pristine=$(pristine_tree)
mkdir -p "$OUT"
start=$SECONDS

QUICK="drivers/gpu/drm/drm_prime.c drivers/gpu/drm/drm_gem.c
	drivers/gpu/drm/drm_gem_shmem_helper.c drivers/gpu/drm/drm_gem_dma_helper.c
	drivers/gpu/drm/drm_gem_framebuffer_helper.c
	drivers/media/common/videobuf2/videobuf2-core.c
	drivers/media/common/videobuf2/videobuf2-dma-contig.c
	drivers/media/common/videobuf2/videobuf2-dma-sg.c
	drivers/media/common/videobuf2/videobuf2-vmalloc.c
	drivers/dma-buf/udmabuf.c drivers/dma-buf/dma-heap.c
	drivers/dma-buf/heaps/system_heap.c drivers/dma-buf/heaps/cma_heap.c
	drivers/virtio/virtio_dma_buf.c drivers/gpu/drm/virtio/virtgpu_prime.c"

# users: C files outside the core that name the API, include its header, or
# reach an imported buffer through a DRM GEM object
users() {
	local fns
	fns=$(grep -ohE '\b(dma_buf_\w+|get_dma_buf)\s*\(' "$REPO/include/linux/dma-buf.h" |
	      sed 's/\s*($//' | sort -u | paste -sd'|')
	cd "$pristine"
	{
		grep -rlE --include='*.c' "\bstruct dma_buf(_ops|_attachment|_export_info|_attach_ops)?\b|\b($fns)\s*\(|DEFINE_DMA_BUF_EXPORT_INFO" \
			drivers net sound fs mm kernel lib block virt security io_uring
		grep -rl --include='*.c' 'linux/dma-buf\.h' drivers net sound fs mm kernel lib block
		grep -rlE --include='*.c' '\bimport_attach\b|->dma_buf\b' drivers/gpu drivers/accel drivers/media
		printf '%s\n' drivers/dma-buf/udmabuf.c drivers/dma-buf/dma-heap.c drivers/dma-buf/heaps/*.c
	} | grep -vE '^drivers/dma-buf/dma-buf|^drivers/dma-buf/tests/' | sort -u
}

if [ "$mode" = quick ]; then
	files=$QUICK
else
	files=$(users)
fi

# allmodconfig reaches nearly every user on x86_64; warnings must stay warnings
configure() { # configure SRC BUILD
	[ -f "$2/.harness-compat" ] && return 0
	log "allmodconfig in $2"
	mkdir -p "$2"
	make -s -C "$1" O="$2" ARCH=x86_64 allmodconfig >/dev/null
	"$1/scripts/config" --file "$2/.config" -d WERROR -d DRM_WERROR -d GCOV_KERNEL \
		-d KASAN -d KCSAN -d UBSAN -d DEBUG_INFO_BTF -d LTO_CLANG
	make -s -C "$1" O="$2" ARCH=x86_64 olddefconfig >/dev/null
	make -s -C "$1" O="$2" ARCH=x86_64 -j"$JOBS" prepare >/dev/null 2>&1
	touch "$2/.harness-compat"
}
# build SRC BUILD LOG STAMP: every object, past failures; skipped (the last
# log reused) when STAMP, a digest of the inputs, has not changed, so that a
# second run with no change compiles nothing
build() {
	local objs
	if [ "$(cat "$2/.harness-compat-built" 2>/dev/null)" = "$4" ] &&
	   [ -f "$2/.harness-compat.log" ]; then
		cp "$2/.harness-compat.log" "$3"
		return 0
	fi
	objs=$(printf '%s\n' $files | sed 's/\.c$/.o/')
	(cd "$2" && rm -f $objs)
	make -k -C "$1" O="$2" ARCH=x86_64 -j"$JOBS" W=1 $objs > "$3" 2>&1 || true
	cp "$3" "$2/.harness-compat.log"
	printf '%s\n' "$4" > "$2/.harness-compat-built"
}

configure "$pristine" "$STATE/compat-stock"
configure "$TREE" "$STATE/compat-ours"
log "building $(printf '%s\n' $files | wc -l) users with W=1, stock then ours"
list=$(printf '%s\n' $files | md5sum)
ours=$( (cd "$REPO" && overlay_files | grep -E '^(drivers|include)/' | xargs cat; echo "$list") |
	md5sum)
build "$pristine" "$STATE/compat-stock" "$OUT/compat-stock.log" "$list"
build "$TREE" "$STATE/compat-ours" "$OUT/compat-ours.log" "$ours"

# diagnostics as "path:line[:col]: kind: text" (gcc, sparse, kernel-doc),
# paths relative to the tree
diags() {
	sed -E "s#^($pristine|$TREE)/##" "$1" |
		{ grep -E '^[^ :]+:[0-9]+:([0-9]+:)? (warning|error): ' || true; } | sort -u
}
diags "$OUT/compat-stock.log" > "$STATE/compat-stock.diags"
diags "$OUT/compat-ours.log" > "$STATE/compat-ours.diags"
comm -13 "$STATE/compat-stock.diags" "$STATE/compat-ours.diags" > "$STATE/compat-new.diags"

built=0 skipped=0 failed=0 n=0
: > "$OUT/compat.log"
{ echo "TAP version 13"; echo "1..$(printf '%s\n' $files | wc -l)"; } > "$OUT/compat.ktap"
for f in $files; do
	n=$((n + 1))
	o=${f%.c}.o
	if [ ! -f "$STATE/compat-stock/$o" ]; then
		skipped=$((skipped + 1))
		# e.g. i915 and xe tests #included by the file they test, amdkfd built
		# from amdgpu's Makefile: their includer or builder is in the list
		echo "ok $n - compat $f # SKIP not a standalone x86_64 object in stock 6.12 either" \
			>> "$OUT/compat.ktap"
		continue
	fi
	new=$(awk -v f="$f:" 'index($0, f) == 1' "$STATE/compat-new.diags")
	if [ -f "$STATE/compat-ours/$o" ] && [ -z "$new" ]; then
		built=$((built + 1))
		echo "ok $n - compat $f" >> "$OUT/compat.ktap"
	else
		failed=$((failed + 1))
		echo "not ok $n - compat $f" >> "$OUT/compat.ktap"
		printf '=== %s\n%s\n' "$f" "${new:-object not built; see compat-ours.log}" >> "$OUT/compat.log"
	fi
done
# diagnostics located in our own headers count against every file
if grep -E '^include/(linux|uapi/linux)/dma-buf\.h:' "$STATE/compat-new.diags" > "$STATE/h"; then
	n=$((n + 1)); failed=$((failed + 1))
	sed -i "2s/.*/1..$n/" "$OUT/compat.ktap"
	echo "not ok $n - compat: new diagnostics in our headers" >> "$OUT/compat.ktap"
	{ echo "=== headers"; cat "$STATE/h"; } >> "$OUT/compat.log"
fi
log "compat ($mode): $built built, $skipped skipped, $failed failed in $((SECONDS - start))s"
