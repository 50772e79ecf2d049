#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the KUnit suites of the dma-buf core on UML and run them.
# Writes the raw KTAP and kernel log to $OUT/kunit.log.
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES
prepare_tree
mkdir -p "$OUT"

args=(run --kunitconfig=drivers/dma-buf/tests --build_dir="$STATE/kunit"
      --jobs="$JOBS" --raw_output=all --timeout="${KUNIT_TIMEOUT:-600}")
[ -n "${KUNIT_FILTER:-}" ] && args+=("$KUNIT_FILTER")

log "KUnit on UML (build dir $STATE/kunit)"
rc=0
(cd "$TREE" && python3 tools/testing/kunit/kunit.py "${args[@]}") > "$OUT/kunit.log" 2>&1 || rc=$?
if ! grep -q '^ *KTAP version\|^ *TAP version' "$OUT/kunit.log"; then
	grep -E 'error|Error|ERROR' "$OUT/kunit.log" | head -40 >&2 || true
	log "KUnit produced no results (exit $rc); see $OUT/kunit.log"
fi
exit 0
