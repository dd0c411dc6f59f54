#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs FLUSH/FUA semantics proven by replay (research F1, W1, T1): the
# metadata, cache and origin are dm-linear slices of ONE dm-log-writes
# device, so one log orders all three. Rounds of writes end with an fsync
# (FLUSH) or use O_SYNC (FUA) and are followed by a mark; the log is then
# replayed to every mark, and the replayed devices must activate and hold
# exactly that round's data: first with writeback and commits running
# underneath, then with the data only in dirty cache blocks. cbs_check
# must pass on the metadata after every FLUSH/FUA the log holds (not only
# at the marks: research T4, W1), at each mark, and after the writeback.

ALL_TESTS="test_replay_marks"

RD_NR=5
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DATA=/dev/ram3
LOG=/dev/ram4
REPLAY=/dev/ram0
SCRATCH=/dev/ram2
REPLAY_PY=$(dirname "$0")/replay_log.py
ROUND_ARGS=([2]="--number_ios=384" [4]="--number_ios=384")
CHECK=$TOOLS_DIR/cbs_check/cbs_check

[ -x "$CHECK" ] || ktap_skip_all "cbs_check not built (make -C tools/cbs_check)"

# cbs_line PREFIX DIRTY_LOW DIRTY_HIGH
cbs_line()
{
	echo "0 131072 cbs /dev/mapper/$1md /dev/mapper/$1ssd /dev/mapper/$1org" \
	     "8 7 writeback sequential_cutoff 0 dirty_low $2 dirty_high $3"
}

round()
{
	local i=$1

	shift
	fio_job /dev/mapper/cbs0 --rw=randwrite --bs=4k --size=4M \
		--verify=crc32c --randseed="$i" --do_verify=0 "$@" &&
		dmsetup message lw 0 mark "r$i"
}

test_replay_marks()
{
	local next=0 i

	RET=0
	require_module dm-log-writes
	dm_create lw "0 $((RAM_MB * 2048)) log-writes $DATA $LOG"
	check_err $? "log-writes device"
	slices /dev/mapper/lw l
	dm_create cbs0 "$(cbs_line l 0 10)"
	check_err $? "cbs over the logged slices"
	round 1 --end_fsync=1
	check_err $? "round 1 (fsync)"
	# every O_SYNC write is a commit (a few checked metadata states each)
	round 2 --sync=1 ${ROUND_ARGS[2]}
	check_err $? "round 2 (O_SYNC: FUA)"
	# writeback off: rounds 3 and 4 leave dirty blocks behind
	dmsetup message cbs0 0 dirty_high 100 && dmsetup message cbs0 0 dirty_low 100
	round 3 --end_fsync=1 --loops=2
	check_err $? "round 3 (fsync, blocks now cached and dirty)"
	log_info "after round 3: $(dmsetup status cbs0 | cut -d' ' -f4-17)"
	round 4 --sync=1 ${ROUND_ARGS[4]}
	check_err $? "round 4 (FUA over dirty blocks)"
	log_info "$(dmsetup status cbs0)"
	dm_remove cbs0
	unslice l
	dm_remove lw
	for i in 1 2 3 4; do
		# the metadata slice starts at sector 0 of the replay device
		next=$(python3 "$REPLAY_PY" $LOG $REPLAY "$next" "r$i" \
			--check-bytes $((20 * 4096)) "$CHECK" -q)
		check_err $? "replay to r$i, cbs_check at every flush"
		[ "$RET" = 0 ] || break
		# activate a copy (activation writes metadata), no writeback
		dd if=$REPLAY of=$SCRATCH bs=1M count=88 oflag=direct status=none
		slices $SCRATCH s
		"$CHECK" /dev/mapper/smd > /dev/null
		check_err $? "cbs_check at r$i"
		dm_create rcbs "$(cbs_line s 100 100)"
		check_err $? "activation at r$i"
		if [ "$RET" = 0 ]; then
			log_info "r$i: $(dmsetup status rcbs | cut -d' ' -f4-17)"
			[ "$i" -lt 3 ] || [ "$(CBS=rcbs status_named dirty)" -gt 0 ]
			check_err $? "no dirty blocks at r$i"
			fio_job /dev/mapper/rcbs --rw=randwrite --bs=4k --size=4M \
				--verify=crc32c --randseed="$i" --verify_only=1 ${ROUND_ARGS[i]:-}
			check_err $? "data of round $i missing after replay to r$i"
			dmsetup message rcbs 0 flush
			check_err $? "writeback after replay to r$i"
			dm_remove rcbs
			[ "$("$CHECK" -j /dev/mapper/smd | python3 -c \
				'import json, sys; d = json.load(sys.stdin); print(d["errors"], d["dirty_blocks"])')" = "0 0" ]
			check_err $? "cbs_check after writeback at r$i"
		fi
		unslice s
		[ "$RET" = 0 ] || break
	done
	log_test "replay to every FLUSH/FUA mark: cbs_check clean, activates, all acked data present"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
