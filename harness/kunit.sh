#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build the KUnit suites of the dma-buf core on UML and run them, in two
# configurations that between them turn every option of the core on and off:
#   kunit      drivers/dma-buf/tests/.kunitconfig: DMABUF_DEBUG, MOVE_NOTIFY,
#              SYSFS_STATS and SYNC_FILE on, with fault injection and KASAN
#   kunit-min  the same with those four options of the core, and KASAN, off
# Each writes its raw KTAP and kernel log to $OUT/<name>.log.
source "$(dirname "$0")/lib.sh"

ensure_packages $BASE_PACKAGES
prepare_tree
mkdir -p "$OUT"

# KASAN stays in the first configuration only: on UML it doubles the build
MIN_OFF="DMABUF_DEBUG DMABUF_MOVE_NOTIFY DMABUF_SYSFS_STATS SYNC_FILE KASAN"

# kunit NAME [kunit.py options...]: one configuration, one build dir
kunit() {
	local name=$1 out=$OUT/$1.log rc=0
	shift
	local args=(run --kunitconfig=drivers/dma-buf/tests --build_dir="$STATE/$name"
		    --jobs="$JOBS" --raw_output=all --timeout="${KUNIT_TIMEOUT:-600}" "$@")

	log "KUnit on UML, $name (build dir $STATE/$name)"
	(cd "$TREE" && python3 tools/testing/kunit/kunit.py "${args[@]}") > "$out" 2>&1 || rc=$?
	if ! grep -q '^ *KTAP version\|^ *TAP version' "$out"; then
		grep -E 'error|Error|ERROR' "$out" | head -40 >&2 || true
		log "KUnit produced no results (exit $rc); see $out"
	fi
}

filter=${KUNIT_FILTER:-}
rm -f "$OUT"/kunit*.log
kunit kunit ${filter:+"$filter"}
off=()
for opt in $MIN_OFF; do
	off+=(--kconfig_add "CONFIG_$opt=n")
done
kunit kunit-min "${off[@]}" ${filter:+"$filter"}
exit 0
