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

ALL_TESTS="test_row_replay_marks"

RD_NR=5
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DATA=/dev/ram3
LOG=/dev/ram4
REPLAY=/dev/ram0
SCRATCH=/dev/ram2
REPLAY_PY=$(dirname "$0")/replay_log.py
VOL_SECTORS=262144		# 128 MiB over a 64 MiB data slice

# round I: fio arguments (offset, size, block size, sync)
ROUND=(
	[1]="--offset=0 --size=4M --bs=4k --end_fsync=1"
	[2]="--offset=16M --size=2M --bs=4k --sync=1 --number_ios=192"
	[3]="--offset=0 --size=4M --bs=4k --end_fsync=1 --randseed=33"
	[4]="--offset=32M --size=1M --bs=512 --sync=1 --number_ios=256"
)

# slices BASE PREFIX: md (8 MiB), ssd (16 MiB), data (64 MiB)
slices()
{
	dm_create "$2md" "0 16384 linear $1 0" &&
		dm_create "$2ssd" "0 32768 linear $1 16384" &&
		dm_create "$2org" "0 131072 linear $1 49152"
}

unslice()
{
	dm_remove "$1org"
	dm_remove "$1ssd"
	dm_remove "$1md"
}

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

cbs_setup

tests_run
exit "$EXIT_STATUS"
