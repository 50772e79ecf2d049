#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the KUnit suites of the dma-buf core on UML and run them.
# Writes the raw KTAP and kernel log to $OUT/kunit.log, and that of the sync
# suite built without CONFIG_SYNC_FILE to $OUT/kunit-nosync.log.
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES
prepare_tree
mkdir -p "$OUT"

# kunit NAME LOG [kunit.py options...]: one configuration, one build dir
kunit() {
	local name=$1 out=$2 rc=0
	shift 2
	local args=(run --kunitconfig=drivers/dma-buf/tests --build_dir="$STATE/$name"
		    --jobs="$JOBS" --raw_output=all --timeout="${KUNIT_TIMEOUT:-600}" "$@")

	log "KUnit on UML (build dir $STATE/$name)"
	(cd "$TREE" && python3 tools/testing/kunit/kunit.py "${args[@]}") > "$out" 2>&1 || rc=$?
	if ! grep -q '^ *KTAP version\|^ *TAP version' "$out"; then
		grep -E 'error|Error|ERROR' "$out" | head -40 >&2 || true
		log "KUnit produced no results (exit $rc); see $out"
	fi
}

filter=${KUNIT_FILTER:-}
kunit kunit "$OUT/kunit.log" ${filter:+"$filter"}

# The sync_file ioctls must vanish without CONFIG_SYNC_FILE: the sync suite
# again in a kernel without it.
rm -f "$OUT/kunit-nosync.log"
# shellcheck disable=SC2053 # the filter is a glob
if [[ -z $filter || dma-buf-sync == ${filter%%.*} ]]; then
	kunit kunit-nosync "$OUT/kunit-nosync.log" --kconfig_add CONFIG_SYNC_FILE=n \
		"dma-buf-sync${filter#"${filter%%.*}"}"
fi
exit 0
