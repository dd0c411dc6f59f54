#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW snapshots (dmsetup message DEV 0 snapshot create|delete|
# rollback|list). A snapshot keeps the volume's contents at one point in
# time: full-block overwrites after it go to new blocks without a copy,
# partial ones copy the rest of the old block (from the cache when the
# block is dirty there), rollback returns the volume to any snapshot and
# keeps the others, deleting frees what only the snapshot used (the
# exclusive blocks "snapshot list" counts), a
# snapshot taken while a writer runs holds a prefix of its writes, a
# snapshot activated read-only (target cbs-snap) reads its own contents
# while the volume is written, and bad requests fail with a reason in the
# kernel log.

ALL_TESTS="test_full_overwrite test_partial_overwrite test_rollback_any
	   test_delete_frees test_space test_under_load test_activate test_activate_bad
	   test_no_space test_bad_messages"

RAM_MB=128
ORIGIN_MB=32
CACHE_MB=8
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0
VOL_MB=64
T=/tmp/cbs_row_snap

# rollback NAME: suspend, roll back, resume
rollback()
{
	dmsetup suspend cbs0 || return 1
	snap rollback "$1"
	local r=$?

	dmsetup resume cbs0 || return 1
	return $r
}

last_err()
{
	dmesg | tail -n 3 | grep -q "$1"
}

test_full_overwrite()
{
	local used redir

	RET=0
	wipe_md
	row_create
	head -c 4M /dev/urandom > $T.a
	head -c 4M /dev/urandom > $T.b
	put $T.a 8
	snap create s1
	check_err $? "snapshot create"
	check_eq "$(status_named snapshots)" 1 "snapshots in status"
	used=$(status_named data_used)
	redir=$(status_named redirects)
	put $T.b 8
	check_err $? "overwrite the 4 MiB with whole blocks"
	same $T.b 8
	check_err $? "the volume reads the new data"
	check_eq "$(status_named data_used)" $((used + 1024)) "data blocks: old kept, new allocated"
	check_eq "$(status_named redirects)" $((redir + 1024)) "redirected writes"
	check_eq "$(status_named mapped)" 1024 "the volume still maps 1024 blocks"
	# a second overwrite: the new blocks are the volume's own now
	put $T.a 8
	check_eq "$(status_named redirects)" $((redir + 1024)) "no redirect for exclusive blocks"
	check_eq "$(status_named data_used)" $((used + 1024)) "no more data blocks"
	rollback s1
	check_err $? "rollback to s1"
	put $T.b 8 && rollback s1
	check_err $? "overwrite and roll back again"
	same $T.a 8
	check_err $? "after rollback the volume reads the snapshot's data"
	check_eq "$(status_named data_used)" "$used" "the discarded blocks are free"
	dm_remove cbs0
	row_create
	same $T.a 8
	check_err $? "the same after re-create"
	check_eq "$(status_named snapshots)" 1 "snapshots after re-create"
	dm_remove cbs0
	log_test "full-block overwrite of a snapshot's blocks: redirected, no copy; rollback"
}

# Sector-sized writes into blocks the snapshot shares: the rest of each
# block is copied, from the data device or (dirty in writeback) the cache.
test_partial_overwrite()
{
	local i

	RET=0
	wipe_md
	row_create promote_threshold 1 dirty_low 80 dirty_high 90
	head -c 1M /dev/urandom > $T.a
	head -c 1M /dev/urandom > $T.c
	# a on the data device (written back), c dirty in the cache
	put $T.a 4
	dmsetup message cbs0 0 flush
	check_eq "$(status_named dirty)" 0 "dirty cache blocks after the flush"
	put $T.c 6
	check_eq "$(status_named dirty)" 256 "dirty cache blocks"
	snap create s1
	check_err $? "snapshot create"
	cp $T.a $T.a2
	cp $T.c $T.c2
	head -c 512 /dev/urandom > $T.sec
	for i in 0 7 9 100 255; do
		dd if=$T.sec of=$DEV bs=512 seek=$(((4 * 256 + i) * 8 + i % 8)) oflag=direct \
			status=none
		dd if=$T.sec of=$T.a2 bs=512 seek=$((i * 8 + i % 8)) conv=notrunc status=none
		dd if=$T.sec of=$DEV bs=512 seek=$(((6 * 256 + i) * 8 + i % 8)) oflag=direct \
			status=none
		dd if=$T.sec of=$T.c2 bs=512 seek=$((i * 8 + i % 8)) conv=notrunc status=none
	done
	same $T.a2 4
	check_err $? "partial writes over data device blocks keep the rest"
	same $T.c2 6
	check_err $? "partial writes over dirty cache blocks keep the rest"
	check_eq "$(status_named redirects)" 10 "redirected writes"
	dmsetup message cbs0 0 flush
	check_err $? "flush"
	same $T.c2 6
	check_err $? "the same after writeback"
	rollback s1
	same $T.a 4 && same $T.c 6
	check_err $? "rollback: the snapshot's blocks were never written"
	dm_remove cbs0
	log_test "partial overwrite of a snapshot's blocks: the rest copied (data device, dirty cache)"
}

test_rollback_any()
{
	local i out

	RET=0
	wipe_md
	row_create
	for i in 1 2 3; do
		head -c 2M /dev/urandom > $T.$i
		put $T.$i 2
		snap create s$i
		check_err $? "snapshot s$i"
	done
	head -c 2M /dev/urandom > $T.4
	put $T.4 2
	for i in 2 1 3 2; do
		rollback s$i
		check_err $? "rollback to s$i"
		same $T.$i 2
		check_err $? "after rollback to s$i the volume has its data"
		put $T.4 2
	done
	out=$(snap list)
	check_err $? "snapshot list"
	check_eq "$(echo "$out" | awk '{ printf "%s ", $2 }')" "s1 s2 s3 " "snapshots kept"
	log_info "snapshot list: $(echo "$out" | paste -sd ";")"
	dm_remove cbs0
	row_create
	rollback s1 && same $T.1 2
	check_err $? "after re-create, rollback to s1 still works"
	dm_remove cbs0
	log_test "rollback to oldest, middle, newest and back: the other snapshots stay"
}

test_delete_frees()
{
	local order used0 used redir

	RET=0
	for order in "a b c" "c b a" "b a c" "a c b"; do
		wipe_md
		row_create
		head -c 2M /dev/urandom > $T.v
		put $T.v 0
		used0=$(status_named data_used)
		snap create a && put $T.v 0 &&
			snap create b && put $T.v 0 &&
			snap create c && put $T.v 0
		check_err $? "three snapshots, overwrites between"
		check_eq "$(status_named data_used)" $((used0 * 4)) "blocks of 3 snapshots + volume"
		for s in $order; do
			snap delete $s
			check_err $? "delete $s (order $order)"
		done
		check_eq "$(status_named data_used)" "$used0" "after deleting $order only the volume's"
		check_eq "$(status_named snapshots)" 0 "no snapshot left"
		same $T.v 0
		check_err $? "the volume's data"
		redir=$(status_named redirects)
		put $T.v 0
		check_eq "$(status_named redirects)" "$redir" "no redirect once the snapshots are gone"
		check_eq "$(status_named data_used)" "$used0" "overwrites in place"
		dm_remove cbs0
	done
	# deleting a snapshot keeps the volume and the other snapshots
	wipe_md
	row_create
	head -c 2M /dev/urandom > $T.1
	head -c 2M /dev/urandom > $T.2
	put $T.1 0
	snap create s1 && put $T.2 0 && snap create s2 && put $T.1 0 && snap delete s1
	check_err $? "create s1, s2, delete s1"
	used=$(status_named data_used)
	check_eq "$used" 1024 "the volume's and s2's blocks"
	rollback s2 && same $T.2 0
	check_err $? "s2 intact after s1 was deleted"
	dm_remove cbs0
	log_test "delete in every order frees what only the snapshots used"
}

# snap_space NAME: "<exclusive> <shared>" of snapshot NAME ("snapshot list")
snap_space()
{
	snap list | awk -v n="$1" '$2 == n { print $5, $6; if ($5 + $6 != $4) exit 1 }'
}

# Exclusive and shared blocks per snapshot: exact in a known layout,
# blocks two snapshots keep through one B-tree leaf (each names them
# once) included; then, after random overwrites and a rollback between
# six snapshots, deleting each frees exactly the blocks it counted.
test_space()
{
	local s i used excl

	RET=0
	wipe_md
	row_create
	head -c 8M /dev/urandom > $T.v
	head -c 1M /dev/urandom > $T.m
	put $T.v 0
	snap create a
	check_eq "$(snap_space a)" "0 2048" "a, new: all shared with the volume"
	put $T.m 0
	check_eq "$(snap_space a)" "256 1792" "a after the volume overwrote 1 MiB"
	snap create b
	put $T.m 2
	check_eq "$(snap_space a)" "256 1792" "a after a second overwrite"
	check_eq "$(snap_space b)" "0 2048" "b: what it keeps, a keeps too"
	check_eq "$(status_named data_used)" 2560 "volume + a's own + a's and b's"
	snap delete a
	check_eq "$(status_named data_used)" 2304 "deleting a frees its 256"
	check_eq "$(snap_space b)" "256 1792" "b, alone: its 256 exclusive"
	snap delete b
	check_eq "$(status_named data_used)" 2048 "deleting b frees its 256"
	for i in 1 2 3 4 5 6; do
		snap create r$i &&
			fio_job $DEV --rw=randwrite --bs=4k --size=8M --io_size=1M \
				--randseed=$i
		check_err $? "snapshot r$i, 256 random overwrites"
		[ $i = 4 ] && { rollback r2; check_err $? "rollback to r2"; }
	done
	snap list | sed 's/^/# /'
	for s in r4 r1 r6 r3 r5 r2; do
		excl=$(snap_space $s | cut -d' ' -f1)
		check_err $? "$s: exclusive + shared = mapped"
		used=$(status_named data_used)
		snap delete $s
		check_eq "$((used - $(status_named data_used)))" "$excl" \
			"deleting $s frees its exclusive blocks"
	done
	check_eq "$(status_named data_used)" 2048 "only the volume's blocks left"
	dm_remove cbs0
	log_test "exclusive and shared blocks per snapshot: what deleting it frees"
}

# A snapshot while one writer runs: it holds blocks 0..k-1 of the run, k
# between the writes acked before it started and those acked after it.
test_under_load()
{
	local pid before after k

	RET=0
	wipe_md
	row_create
	rm -f $T.stop $T.state
	echo 0 > $T.state
	python3 "$(dirname "$0")/seq_writer.py" $DEV 0 4096 $T.state $T.stop &
	pid=$!
	sleep 1
	fio_job $DEV --rw=randwrite --bs=4k --offset=32M --size=8M --runtime=3 --time_based \
		--randseed=3 &
	sleep 1
	before=$(cat $T.state)
	snap create mid
	check_err $? "snapshot under load"
	after=$(cat $T.state)
	sleep 1
	touch $T.stop
	wait
	log_info "writes acked: $before before the snapshot, $after after it"
	[ "$after" -gt 0 ] && [ "$(cat $T.state)" -gt "$after" ]
	check_err $? "the writer ran through the snapshot"
	rollback mid
	check_err $? "rollback to the snapshot"
	k=$(python3 "$(dirname "$0")/seq_writer.py" --check $DEV 0 4096 "$before" "$after")
	check_err $? "the snapshot holds a prefix of the run: $k (acked $before..$after)"
	: "$pid"
	dm_remove cbs0
	log_test "snapshot under load: a point in time (a prefix of one writer's run)"
}

test_activate()
{
	local i pid ok=0

	RET=0
	wipe_md
	row_create
	head -c 4M /dev/urandom > $T.a
	head -c 4M /dev/urandom > $T.b
	put $T.a 8
	snap create s1
	put $T.b 8
	snap_dev snap1 s1
	check_err $? "activate s1 read-only"
	cmp -s -n $((4 << 20)) $T.a <(dd if=/dev/mapper/snap1 bs=1M skip=8 count=4 \
					iflag=direct status=none)
	check_err $? "the snapshot device reads the snapshot's data"
	cmp -s -n $((8 << 20)) /dev/zero <(dd if=/dev/mapper/snap1 bs=1M count=8 \
					   iflag=direct status=none)
	check_err $? "and zeroes where it mapped nothing"
	same $T.b 8
	check_err $? "the volume reads its own"
	dd if=$T.b of=/dev/mapper/snap1 bs=4k count=1 oflag=direct status=none 2> /dev/null
	check_fail $? "a write to the snapshot device"
	# the volume written meanwhile: the snapshot device does not change
	fio_job $DEV --rw=randwrite --bs=4k --offset=8M --size=4M --runtime=4 \
		--time_based --randseed=5 &
	pid=$!
	for i in 1 2 3; do
		cmp -s -n $((4 << 20)) $T.a <(dd if=/dev/mapper/snap1 bs=1M skip=8 count=4 \
						iflag=direct status=none) && ok=$((ok + 1))
	done
	wait $pid
	check_eq "$ok" 3 "snapshot reads while the volume was written"
	snap delete s1 2> /dev/null
	check_fail $? "delete of an active snapshot"
	last_err "snapshot in use by a cbs-snap device"
	check_err $? "active: reason logged"
	# the volume's table goes first: the snapshot device still works
	dm_remove cbs0
	check_err $? "remove the volume"
	cmp -s -n $((4 << 20)) $T.a <(dd if=/dev/mapper/snap1 bs=1M skip=8 count=4 \
					iflag=direct status=none)
	check_err $? "the snapshot device reads after the volume is gone"
	dm_remove snap1
	row_create
	snap delete s1
	check_err $? "delete once no device uses it"
	dm_remove cbs0
	log_test "read-only activation (cbs-snap) while the volume is written"
}

test_activate_bad()
{
	RET=0
	wipe_md
	dmsetup create snapx --table "0 8 cbs-snap $MD s1" --readonly 2> /dev/null
	check_fail $? "no volume loaded on the metadata device"
	last_err "No ROW volume loaded on that metadata device"
	check_err $? "no volume: reason logged"
	row_create
	snap create s1
	dmsetup create snapx --table "0 $((VOL_MB * 2048)) cbs-snap $MD s1" 2> /dev/null
	check_fail $? "a read-write table"
	last_err "load the table read-only"
	check_err $? "read-write: reason logged"
	dmsetup create snapx --readonly --table "0 $((VOL_MB * 2048)) cbs-snap $MD s2" 2> /dev/null
	check_fail $? "unknown snapshot"
	last_err "No snapshot of that name"
	check_err $? "unknown: reason logged"
	dmsetup create snapx --readonly --table "0 $((VOL_MB * 2048 + 8)) cbs-snap $MD s1" \
		2> /dev/null
	check_fail $? "longer than the volume"
	dmsetup create snapx --readonly --table "0 8 cbs-snap $MD" 2> /dev/null
	check_fail $? "missing name"
	dmsetup remove snapx 2> /dev/null
	snap delete s1
	check_err $? "no reference left behind by the failed tables"
	dm_remove cbs0
	log_test "bad cbs-snap tables fail with a reason"
}

# The data device fills up with redirected writes: they fail with ENOSPC,
# the snapshot and the blocks not yet redirected keep their data.
test_no_space()
{
	local out

	RET=0
	wipe_md
	row_create
	head -c 20M /dev/urandom > $T.a
	head -c 20M /dev/urandom > $T.b
	put $T.a 0 1M
	snap create s1
	out=$(dd if=$T.b of=$DEV bs=4k oflag=direct status=none 2>&1)
	check_fail $? "overwriting 20 MiB with 12 MiB free"
	echo "$out" | grep -q "No space left on device"
	check_err $? "ENOSPC ($(echo "$out" | tail -n 1))"
	check_eq "$(status_named data_used)" $((ORIGIN_MB * 256)) "data device full"
	check_eq "$(status_named redirects)" $(((ORIGIN_MB - 20) * 256)) "redirected until full"
	cmp -s -n $(((ORIGIN_MB - 20) << 20)) $T.b <(dd if=$DEV bs=1M count=20 iflag=direct \
						     status=none)
	check_err $? "the redirected blocks hold the new data"
	cmp -s -i $(((ORIGIN_MB - 20) << 20)) $T.a <(dd if=$DEV bs=1M count=20 iflag=direct \
						     status=none)
	check_err $? "the others still the old"
	snap delete s1
	check_err $? "delete the snapshot"
	check_eq "$(status_named data_used)" $((20 * 256)) "its blocks are free again"
	put $T.b 0
	check_err $? "the overwrite goes through now"
	same $T.b 0
	check_err $? "volume data"
	dm_remove cbs0
	log_test "out of data space while redirecting: ENOSPC, the snapshot intact"
}

test_bad_messages()
{
	local n

	RET=0
	wipe_md
	row_create
	snap create s1
	check_err $? "create s1"
	snap create s1 2> /dev/null
	check_fail $? "duplicate name"
	last_err "a snapshot of that name exists"
	check_err $? "duplicate: reason logged"
	for n in "" "-x" "a/b" "$(printf 'x%.0s' {1..32})" "a b"; do
		dmsetup message cbs0 0 "snapshot create $n" 2> /dev/null
		check_fail $? "bad name '$n'"
	done
	last_err "bad snapshot name"
	check_err $? "bad name: reason logged"
	snap delete nosuch 2> /dev/null
	check_fail $? "delete of an unknown snapshot"
	last_err "no snapshot of that name"
	check_err $? "unknown: reason logged"
	snap rollback s1 2> /dev/null
	check_fail $? "rollback of a live volume"
	last_err "suspend the volume first"
	check_err $? "live rollback: reason logged"
	snap frobnicate s1 2> /dev/null
	check_fail $? "unknown operation"
	snap 2> /dev/null
	check_fail $? "no operation"
	snap delete 2> /dev/null
	check_fail $? "no name"
	check_eq "$(snap list | awk '{ print $2 }' | xargs)" "s1" "snapshots after the bad requests"
	dm_remove cbs0
	wipe_md
	cbs_create writeback
	snap create s1 2> /dev/null
	check_fail $? "snapshot of a cache-only volume"
	last_err "not a ROW volume"
	check_err $? "cache-only: reason logged"
	dm_remove cbs0
	log_test "bad snapshot requests fail with a reason"
}

cbs_setup
require_cmd python3
row_data_setup || exit 1
defer rm -f "$T".*
tests_run
exit "$EXIT_STATUS"
