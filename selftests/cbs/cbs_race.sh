#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs races (research C4, B3): a 1 MiB cache over a slow origin
# (dm-delay), promotion threshold 1 and constant writeback, so promotions,
# evictions and writebacks race reads and writes of the same blocks; fio
# verifies every block while writing, in writeback and writethrough.
# T2: discards (passed down to the slow origin) racing writes that reuse
# the cache blocks they free, and writes right after a discard. B2: a
# cache detached in cleaner mode under writes, then a crash, then writes
# to the bare origin: reattached, the origin's data wins.

ALL_TESTS="test_churn test_discard_reuse test_detach_crash"

# the races are over a few MiB; a small origin keeps the whole-device
# comparisons short (on the debug kernel they took most of the time)
ORIGIN_MB=32
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

# region OFFSET_MB SEED [fio options]: 1 MiB of whole-block writes
region()
{
	fio --name=region --filename=$DEV --direct=1 --ioengine=libaio \
	    --iodepth=16 --rw=randwrite --bs=4k --offset="$1M" --size=1M \
	    --verify=crc32c --verify_fatal=1 --randseed="$2" \
	    --verify_state_save=0 --output-format=terse "${@:3}" > /dev/null
}

# research T2: a discard's passdown in flight while the cache blocks it
# freed are reused for other data, and writes right after a discard
test_discard_reuse()
{
	local mode r

	RET=0
	dm_create cbs_slow "0 $((ORIGIN_MB * 2048)) delay $ORIGIN 0 1"
	for mode in writeback writethrough; do
		wipe_md
		dm_create cbs_tiny "0 2048 linear /dev/ram1 $((CACHE_MB * 2048))"
		dm_create cbs0 "0 $((ORIGIN_MB * 2048)) cbs $MD /dev/mapper/cbs_tiny /dev/mapper/cbs_slow $BS 9 $mode sequential_cutoff 0 promote_threshold 1 dirty_low 0 dirty_high 20"
		check_err $? "create ($mode)"
		for r in 1 2; do
			region 0 $((r * 10)) --loops=2
			check_err $? "fill ($mode, round $r)"
			# discard A while B's writes take the freed cache blocks
			blkdiscard -o 0 -l 1M $DEV &
			region 1 $((r * 10 + 1)) --loops=2
			check_err $? "writes racing the discard ($mode, round $r)"
			wait $!
			check_err $? "discard ($mode, round $r)"
			cmp -s -n 1M $DEV /dev/zero
			check_err $? "discarded range not zero ($mode, round $r)"
			# a write issued once the discard completed survives it
			blkdiscard -o 1M -l 1M $DEV && region 1 $((r * 10 + 2))
			check_err $? "write after discard ($mode, round $r)"
			region 1 $((r * 10 + 2)) --verify_only=1
			check_err $? "write after discard lost ($mode, round $r)"
		done
		log_info "$mode: $(dmsetup status cbs0 | cut -d' ' -f4-17)"
		dmsetup message cbs0 0 flush
		same_as_origin
		check_err $? "origin differs after discards ($mode)"
		dm_remove cbs0
		dm_remove cbs_tiny
	done
	dm_remove cbs_slow
	log_test "discard racing reuse of the freed blocks, write after discard (T2)"
}

# research B2: detach (cleaner, flush, linear table) under writes, crash
# before the detached table's final metadata write, write the bare
# origin, reattach: the origin's data wins, nothing stale is served
test_detach_crash()
{
	local n=$((ORIGIN_MB * 2048)) pid
	local feat="9 writeback sequential_cutoff 0 promote_threshold 1 dirty_low 100 dirty_high 100"

	RET=0
	wipe_md
	dm_create cbs_mdl "0 $((RAM_MB * 2048)) linear $MD 0"
	dm_create cbs0 "0 $n cbs /dev/mapper/cbs_mdl $SSD $ORIGIN $BS $feat"
	check_err $? "create"
	region 0 51 --size=8M
	check_err $? "dirty data"
	region 0 52 --size=8M --loops=4 &
	pid=$!
	sleep 1
	dmsetup message cbs0 0 cleaner
	check_err $? "cleaner under writes"
	wait $pid
	check_err $? "writes during cleaner"
	dmsetup message cbs0 0 flush
	check_err $? "flush"
	check_eq "$(status_named dirty)" 0 "dirty after the cleaner"
	[ "$(status_named cache_used)" -gt 1000 ]
	check_err $? "too few cached blocks to matter"
	# detach: the suspend commits the cache empty; then the metadata
	# device dies (a power cut before the old table's last write)
	dmsetup load cbs0 --table "0 $n linear $ORIGIN 0" &&
		dmsetup suspend cbs0
	check_err $? "detach"
	dmsetup load cbs_mdl --table "0 $((RAM_MB * 2048)) error" &&
		dmsetup suspend cbs_mdl && dmsetup resume cbs_mdl &&
		dmsetup resume cbs0
	check_err $? "swap to linear with the metadata gone"
	region 0 53 --size=8M
	check_err $? "writes to the bare origin"
	dm_remove cbs0
	dmsetup load cbs_mdl --table "0 $((RAM_MB * 2048)) linear $MD 0" &&
		dmsetup suspend cbs_mdl && dmsetup resume cbs_mdl
	dm_create cbs0 "0 $n cbs /dev/mapper/cbs_mdl $SSD $ORIGIN $BS $feat"
	check_err $? "reattach"
	check_eq "$(status_named cache_used)" 0 "cached blocks after the detach"
	region 0 53 --size=8M --verify_only=1
	check_err $? "stale cached data served after reattach (B2)"
	dm_remove cbs0
	dm_remove cbs_mdl
	log_test "detach under writes, crash, origin written: origin data wins (B2)"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
