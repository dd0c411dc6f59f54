#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs persistence: remove + create gives the same cache contents and the
# exact dirty state; a crash image of the metadata taken after a FLUSH
# reactivates with exactly the dirty blocks and all flushed data; damaged
# superblocks and mapping blocks are refused with a clean error.

ALL_TESTS="test_reload_same_state test_crash_exact_dirty test_corrupt_superblock
	   test_corrupt_mapping test_reload_under_io"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0
CHECK=$TOOLS_DIR/cbs_check/cbs_check
WB="writeback sequential_cutoff 0 dirty_low 100 dirty_high 100"
FIO_DATA=(--rw=randwrite --bs=4k --size=6M --verify=crc32c --randseed=11)

write_data()
{
	# twice: the first pass admits, the second allocates dirty blocks
	fio_job $DEV "${FIO_DATA[@]}" --do_verify=0 &&
		fio_job $DEV "${FIO_DATA[@]}" --do_verify=0 --end_fsync=1
}

verify_data()
{
	fio_job $DEV "${FIO_DATA[@]}" --verify_only=1
}

test_reload_same_state()
{
	local dirty used

	RET=0
	wipe_md
	# shellcheck disable=SC2086
	cbs_create $WB
	write_data
	check_err $? "write"
	dirty=$(status_named dirty)
	used=$(status_named cache_used)
	[ "$dirty" -gt 700 ]
	check_err $? "too few dirty blocks ($dirty)"
	dm_remove cbs0
	# shellcheck disable=SC2086
	cbs_create $WB
	check_err $? "re-create"
	check_eq "$(status_named dirty)" "$dirty" "dirty blocks after re-create"
	check_eq "$(status_named cache_used)" "$used" "cached blocks after re-create"
	verify_data
	check_err $? "fio verify after re-create"
	dmsetup message cbs0 0 flush
	check_eq "$(status_named dirty)" 0 "dirty after flush"
	same_as_origin
	check_err $? "origin differs after flush"
	dm_remove cbs0
	log_test "remove + create: same cached blocks, same dirty state, same data"
}

test_crash_exact_dirty()
{
	local dirty img=/tmp/cbs-md.img

	RET=0
	wipe_md
	# shellcheck disable=SC2086
	cbs_create $WB
	write_data
	check_err $? "write"
	dirty=$(status_named dirty)
	# the metadata device as a power cut would leave it now
	dd if=$MD of=$img bs=1M count=1 iflag=direct status=none
	if [ -x "$CHECK" ]; then
		check_eq "$("$CHECK" -j $img | python3 -c 'import json, sys
d = json.load(sys.stdin); print(d["errors"], d["dirty_blocks"])')" "0 $dirty" \
			"cbs_check on the crash image (errors, dirty)"
	fi
	dm_remove cbs0
	dd if=$img of=$MD bs=1M count=1 oflag=direct status=none
	rm -f $img
	# shellcheck disable=SC2086
	cbs_create $WB
	check_err $? "create after the crash"
	log_info "$(dmsetup status cbs0)"
	check_eq "$(status_named dirty)" "$dirty" "dirty blocks after the crash (exact, not all)"
	verify_data
	check_err $? "flushed data lost in the crash"
	dm_remove cbs0
	log_test "crash after FLUSH: exact dirty set, no flushed write lost"
}

test_corrupt_superblock()
{
	RET=0
	wipe_md
	cbs_create
	dm_remove cbs0
	# one damaged slot: the other (older commit) takes over
	printf '\xff' | dd of=$MD bs=1 seek=100 conv=notrunc status=none
	cbs_create
	check_err $? "one bad superblock slot refused"
	dm_remove cbs0
	# both damaged: refused, never reformatted
	dd if=/dev/urandom of=$MD bs=4096 count=2 oflag=direct status=none
	dmesg -C
	cbs_create 2> /dev/null
	check_fail $? "garbage superblocks accepted"
	dmesg | grep -q "cbs: No valid superblock (bad magic or checksum)"
	check_err $? "no clear error in the log"
	dm_remove cbs0
	log_test "damaged superblock: fallback to the other slot, or a clean error"
}

test_corrupt_mapping()
{
	RET=0
	wipe_md
	cbs_create
	dm_remove cbs0
	# block 0 of both mapping copies (16 MiB cache: 9 blocks per copy)
	printf '\x01' | dd of=$MD bs=1 seek=$((2 * 4096 + 64)) conv=notrunc status=none
	printf '\x01' | dd of=$MD bs=1 seek=$((11 * 4096 + 64)) conv=notrunc status=none
	dmesg -C
	cbs_create 2> /dev/null
	check_fail $? "corrupt mapping accepted"
	dmesg | grep -q "cbs: Mapping block checksum mismatch"
	check_err $? "no clear error in the log"
	dm_remove cbs0
	log_test "damaged mapping block: refused with a clean error"
}

test_reload_under_io()
{
	local pid i

	RET=0
	wipe_md
	# shellcheck disable=SC2086
	cbs_create $WB
	fio_job $DEV --rw=randwrite --bs=4k --size=4M --verify=crc32c \
		--randseed=12 --loops=8 --do_verify=1 &
	pid=$!
	for i in 1 2 3 4; do
		sleep 1
		# shellcheck disable=SC2046
		dmsetup load cbs0 --table "$(cbs_table $( ((i % 2)) && echo writethrough || echo $WB))" &&
			dmsetup suspend cbs0 && dmsetup resume cbs0
		check_err $? "reload $i"
	done
	wait $pid
	check_err $? "fio verify across table reloads (C2/W2)"
	dm_remove cbs0
	log_test "table reloads under writes keep every write"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
