#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs races (research C4, B3): a 1 MiB cache over a slow origin
# (dm-delay), promotion threshold 1 and constant writeback, so promotions,
# evictions and writebacks race reads and writes of the same blocks; fio
# verifies every block while writing, in writeback and writethrough.

ALL_TESTS="test_churn"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0

# research C4/B3: a tiny cache, a slow origin, promotions, evictions and
# writeback racing reads and writes of the same blocks
test_churn()
{
	local mode

	RET=0
	modprobe dm-delay || { log_test_skip "churn" "no dm-delay"; return; }
	dm_create cbs_slow "0 $((ORIGIN_MB * 2048)) delay $ORIGIN 0 1"
	for mode in writeback writethrough; do
		wipe_md
		dm_create cbs_tiny "0 2048 linear /dev/ram1 $((CACHE_MB * 2048))"
		dm_create cbs0 "0 $((ORIGIN_MB * 2048)) cbs $MD /dev/mapper/cbs_tiny /dev/mapper/cbs_slow $BS 9 $mode sequential_cutoff 0 promote_threshold 1 dirty_low 0 dirty_high 20"
		check_err $? "create ($mode)"
		fio --name=churn --filename=$DEV --direct=1 --ioengine=libaio \
		    --iodepth=16 --rw=randwrite --bs=4k --size=2M --loops=4 \
		    --verify=crc32c --verify_backlog=32 --verify_fatal=1 \
		    --randseed=8 --verify_state_save=0 --output-format=terse > /dev/null
		check_err $? "fio verify under churn ($mode)"
		log_info "$mode: $(dmsetup status cbs0 | cut -d' ' -f4-17)"
		dmsetup message cbs0 0 flush
		check_err $? "flush ($mode)"
		same_as_origin
		check_err $? "origin differs after churn ($mode)"
		dm_remove cbs0
		dm_remove cbs_tiny
	done
	dm_remove cbs_slow
	log_test "tiny cache under churn: no stale or lost data (C4, B3)"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
