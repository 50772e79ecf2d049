#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the driver-api book with Debian's Sphinx and report every warning that
# comes from our files: the .rst page and the kernel-doc it pulls in.
# Writes $OUT/docs.ktap and $OUT/docs.log.
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES python3-sphinx python3-sphinx-rtd-theme
prepare_tree
mkdir -p "$OUT"
B=$STATE/docs

log "Sphinx: driver-api book (build dir $B)"
# Debian's sphinx-build runs on Debian's python, whatever python3 is first in PATH
make -C "$TREE" O="$B" SPHINXDIRS=driver-api SPHINXBUILD=/usr/bin/sphinx-build \
	PYTHON3=/usr/bin/python3 htmldocs > "$OUT/docs-build.log" 2>&1 ||
	echo "htmldocs failed" >> "$OUT/docs-build.log"

mapfile -t ours < <(cd "$REPO" && overlay_files | grep -E '^(drivers|include|Documentation)/')
pattern=$(printf '%s\n' "${ours[@]}" | sed 's/[.]/[.]/g' | paste -sd'|')
grep -E "($pattern)" "$OUT/docs-build.log" | grep -iE 'warning|error' > "$OUT/docs.log" || true
grep -E '^htmldocs failed' "$OUT/docs-build.log" >> "$OUT/docs.log" || true
[ -f "$B/Documentation/output/driver-api/dma-buf.html" ] ||
	[ -f "$B/Documentation/output/dma-buf.html" ] ||
	echo "dma-buf.html was not produced" >> "$OUT/docs.log"

{
	echo "TAP version 13"
	echo "1..1"
	if [ -s "$OUT/docs.log" ]; then
		echo "not ok 1 - Sphinx driver-api book without warnings from our files"
	else
		echo "ok 1 - Sphinx driver-api book without warnings from our files"
	fi
} > "$OUT/docs.ktap"
