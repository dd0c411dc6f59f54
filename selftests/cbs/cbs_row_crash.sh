#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW volume: FLUSH/FUA semantics of provisioning proven by replay
# (research T1, S4). As cbs_crash.sh, the metadata, cache and data device
# are dm-linear slices of one dm-log-writes device. Rounds write new
# blocks (the map grows) and overwrite mapped ones, ending with an fsync
# (FLUSH) or with O_SYNC (FUA, bug T1: the mapping must be as durable as
# the data when the write completes); each is followed by a mark. Replayed
# to every mark, the volume activates, holds every round's data up to the
# mark, and no more data blocks are allocated than mapped (no leak).
# The second test logs snapshot create, delete and rollback between
# writes: replayed to the mark after each, the metadata passes cbs_check,
# the snapshots are the ones that existed then, and the volume and each
# snapshot (activated with cbs-snap) hold their data.

ALL_TESTS="test_row_replay_marks test_row_replay_snapshots"

RD_NR=5
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DATA=/dev/ram3
LOG=/dev/ram4
REPLAY=/dev/ram0
SCRATCH=/dev/ram2
REPLAY_PY=$(dirname "$0")/replay_log.py
CHECK=$TOOLS_DIR/cbs_check/cbs_check
VOL_SECTORS=262144		# 128 MiB over a 64 MiB data slice

# round I: fio arguments (offset, size, block size, sync)
ROUND=(
	[1]="--offset=0 --size=4M --bs=4k --end_fsync=1"
	[2]="--offset=16M --size=2M --bs=4k --sync=1 --number_ios=192"
	[3]="--offset=0 --size=4M --bs=4k --end_fsync=1 --randseed=33"
	[4]="--offset=32M --size=1M --bs=512 --sync=1 --number_ios=256"
)

row_line()
{
	echo "0 $VOL_SECTORS cbs /dev/mapper/$1md /dev/mapper/$1ssd /dev/mapper/$1org" \
	     "8 8 row writeback sequential_cutoff 0 dirty_low $2 dirty_high $3"
}

# fio_round DEV I [fio options]: round I's writes (or, with
# --verify_only=1, their check)
fio_round()
{
	local dev=$1 i=$2 seed=$2

	shift 2
	[ "$i" = 3 ] && seed=33
	# shellcheck disable=SC2086
	fio_job "$dev" --rw=randwrite --verify=crc32c --randseed=$seed ${ROUND[i]} "$@"
}

test_row_replay_marks()
{
	local next=0 i j used mapped

	RET=0
	require_module dm-log-writes
	dm_create lw "0 $((RAM_MB * 2048)) log-writes $DATA $LOG"
	check_err $? "log-writes device"
	slices /dev/mapper/lw l
	dm_create cbs0 "$(row_line l 0 10)"
	check_err $? "ROW volume over the logged slices"
	for i in 1 2 3 4; do
		[ "$i" = 3 ] &&
			dmsetup message cbs0 0 dirty_high 100 && dmsetup message cbs0 0 dirty_low 100
		fio_round /dev/mapper/cbs0 "$i" --do_verify=0 &&
			dmsetup message lw 0 mark "r$i"
		check_err $? "round $i"
	done
	log_info "$(dmsetup status cbs0)"
	for j in 2 3 4; do
		fio_round /dev/mapper/cbs0 "$j" --verify_only=1
		check_err $? "data of round $j on the live volume"
	done
	dm_remove cbs0
	unslice l
	dm_remove lw
	for i in 1 2 3 4; do
		next=$(python3 "$REPLAY_PY" $LOG $REPLAY "$next" "r$i")
		check_err $? "replay to r$i"
		[ "$RET" = 0 ] || break
		dd if=$REPLAY of=$SCRATCH bs=1M count=88 oflag=direct status=none
		slices $SCRATCH s
		dm_create rcbs "$(row_line s 100 100)"
		check_err $? "activation at r$i"
		if [ "$RET" = 0 ]; then
			used=$(CBS=rcbs status_named data_used)
			mapped=$(CBS=rcbs status_named mapped)
			log_info "r$i: $used data blocks, $mapped mapped"
			check_eq "$used" "$mapped" "data blocks allocated but not mapped at r$i"
			# round 1 is overwritten by round 3
			for ((j = 1; j <= i; j++)); do
				[ "$j" = 1 ] && [ "$i" -ge 3 ] && continue
				log_info "r$i: verify round $j"
				fio_round /dev/mapper/rcbs "$j" --verify_only=1
				check_err $? "data of round $j missing after replay to r$i"
			done
			log_info "r$i: flush"
			dmsetup message rcbs 0 flush
			check_err $? "writeback after replay to r$i"
			dm_remove rcbs
		fi
		unslice s
		[ "$RET" = 0 ] || break
	done
	log_test "ROW: replay to every FLUSH/FUA mark: activates, all acked data, no leak"
}

# snap_step I: what step I of the snapshot workload does (then a mark)
snap_step()
{
	case $1 in
	1) fio_round /dev/mapper/cbs0 1 --do_verify=0 ;;
	2) dmsetup message cbs0 0 snapshot create s1 ;;
	3) fio_round /dev/mapper/cbs0 3 --do_verify=0 ;;
	4) dmsetup message cbs0 0 snapshot create s2 ;;
	5) dmsetup message cbs0 0 snapshot delete s1 ;;
	6) fio_round /dev/mapper/cbs0 2 --do_verify=0 ;;
	7) dmsetup suspend cbs0 && dmsetup message cbs0 0 snapshot rollback s2 &&
		dmsetup resume cbs0 ;;
	esac
}

# Expected after step I: the snapshots, the rounds the volume holds, and
# per snapshot the round it holds ("name:round").
SNAP_LIST=([1]="" [2]="s1" [3]="s1" [4]="s1 s2" [5]="s2" [6]="s2" [7]="s2")
SNAP_VOL=([1]="1" [2]="1" [3]="3" [4]="3" [5]="3" [6]="3 2" [7]="3")
SNAP_HOLDS=([1]="" [2]="s1:1" [3]="s1:1" [4]="s1:1 s2:3" [5]="s2:3" [6]="s2:3" [7]="s2:3")

test_row_replay_snapshots()
{
	local next=0 i r sn list d

	RET=0
	require_module dm-log-writes
	[ -x "$CHECK" ] || { log_test_skip "ROW snapshots: replay" "cbs_check not built"; return; }
	# a fresh start: no metadata from the first test, on either side
	for d in $LOG $DATA $REPLAY; do
		dd if=/dev/zero of=$d bs=1M count=8 oflag=direct status=none
	done
	dm_create lw "0 $((RAM_MB * 2048)) log-writes $DATA $LOG"
	check_err $? "log-writes device"
	slices /dev/mapper/lw l
	dm_create cbs0 "$(row_line l 0 10)"
	check_err $? "ROW volume over the logged slices"
	for i in 1 2 3 4 5 6 7; do
		snap_step "$i" && dmsetup message lw 0 mark "s$i"
		check_err $? "step $i"
	done
	dm_remove cbs0
	unslice l
	dm_remove lw
	for i in 1 2 3 4 5 6 7; do
		next=$(python3 "$REPLAY_PY" $LOG $REPLAY "$next" "s$i")
		check_err $? "replay to s$i"
		[ "$RET" = 0 ] || break
		dd if=$REPLAY of=$SCRATCH bs=1M count=88 oflag=direct status=none
		slices $SCRATCH s
		"$CHECK" -q /dev/mapper/smd
		check_err $? "cbs_check after step $i"
		dm_create rcbs "$(row_line s 100 100)"
		check_err $? "activation after step $i"
		if [ "$RET" = 0 ]; then
			list=$(dmsetup message rcbs 0 snapshot list | awk '{ print $2 }' | xargs)
			check_eq "$list" "${SNAP_LIST[i]}" "snapshots after step $i"
			for r in ${SNAP_VOL[i]}; do
				fio_round /dev/mapper/rcbs "$r" --verify_only=1
				check_err $? "volume: round $r after step $i"
			done
			for sn in ${SNAP_HOLDS[i]}; do
				dmsetup create --readonly rsnap \
					--table "0 $VOL_SECTORS cbs-snap /dev/mapper/smd ${sn%%:*}" &&
					dmsetup mknodes rsnap &&
					fio_round /dev/mapper/rsnap "${sn#*:}" --verify_only=1
				check_err $? "snapshot ${sn%%:*}: round ${sn#*:} after step $i"
				dmsetup remove rsnap 2> /dev/null
			done
			dm_remove rcbs
		fi
		unslice s
		[ "$RET" = 0 ] || break
	done
	log_test "ROW snapshots: replay across create, delete, rollback: cbs_check, snapshots, data"
}

cbs_setup

tests_run
exit "$EXIT_STATUS"
