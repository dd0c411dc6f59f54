#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs failure handling (research F2, C5): a failing cache device is
# bypassed for clean blocks with no error to the user; a failing metadata
# device turns the target read-only with needs_check while I/O goes on;
# both raise a dm event;
# origin errors come back as clean I/O errors; never a kernel splat.

ALL_TESTS="test_cache_read_errors test_metadata_errors test_origin_errors
	   test_cache_dead_writeback"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0

# swap_table NAME TABLE: replace a live device's table
swap_table()
{
	dmsetup load "$1" --table "$2" && dmsetup suspend "$1" &&
		dmsetup resume "$1"
}

ssd_table()
{
	echo "0 $((CACHE_MB * 2048)) $1 ${1/error/}"
}

events()
{
	dmsetup info -c --noheadings -o events "${1:-cbs0}" | tr -d ' '
}

hot_reads()
{
	local i

	for i in 1 2 3; do
		dd if=$DEV of=/dev/null bs=4k count=512 iflag=direct status=none || return 1
	done
}

test_cache_read_errors()
{
	local ev

	RET=0
	wipe_md
	fio_job $ORIGIN --rw=write --bs=64k --size=4M --verify=crc32c --randseed=21
	cbs_create writethrough sequential_cutoff 0
	hot_reads
	busywait 5000 test "$(status_named promotions)" -ge 400
	check_err $? "hot set not promoted"
	ev=$(events)
	swap_table cbs_ssd "0 $((CACHE_MB * 2048)) error"
	check_err $? "cache device -> error target"
	hot_reads
	check_err $? "reads failed with the cache device dead"
	busywait 3000 test "$(events)" -gt "$ev"
	check_err $? "no dm event for the failing cache device"
	same_as_origin
	check_err $? "data differs with the cache device dead"
	[ "$(status_named cache_errors)" -gt 0 ]
	check_err $? "cache errors not counted"
	log_info "$(dmsetup status cbs0)"
	dm_remove cbs0
	swap_table cbs_ssd "0 $((CACHE_MB * 2048)) linear /dev/ram1 0"
	log_test "cache read errors on clean blocks are served from the origin"
}

test_metadata_errors()
{
	local ev

	RET=0
	wipe_md
	dm_create cbs_md "0 $((RAM_MB * 2048)) linear /dev/ram0 0"
	MD=/dev/mapper/cbs_md cbs_create writeback sequential_cutoff 0
	fio_job $DEV --rw=randwrite --bs=4k --size=2M --loops=2
	ev=$(events)
	swap_table cbs_md "0 $((RAM_MB * 2048)) error"
	fio_job $DEV --rw=randwrite --bs=4k --size=4M --verify=crc32c \
		--do_verify=1 --randseed=22 --end_fsync=1 --offset=8M
	busywait 5000 test "$(status_named rw)" = ro
	check_err $? "metadata errors did not make the target read-only"
	check_eq "$(status_named needs_check)" needs_check "needs_check"
	busywait 3000 test "$(events)" -gt "$ev"
	check_err $? "no dm event for the read-only switch"
	fio_job $DEV --rw=randwrite --bs=4k --size=4M --verify=crc32c \
		--do_verify=1 --randseed=23
	check_err $? "I/O in read-only metadata mode"
	dmsetup message cbs0 0 flush 2> /dev/null
	check_fail $? "flush accepted with read-only metadata"
	log_info "$(dmsetup status cbs0)"
	dm_remove cbs0
	dm_remove cbs_md
	log_test "metadata write errors: ro + needs_check, data path keeps working"
}

test_origin_errors()
{
	RET=0
	wipe_md
	dm_create cbs_origin "0 $((ORIGIN_MB * 2048)) linear $ORIGIN 0"
	ORIGIN_DEV=/dev/mapper/cbs_origin cbs_create writeback sequential_cutoff 0
	swap_table cbs_origin "0 $((ORIGIN_MB * 2048)) error"
	dd if=$DEV of=/dev/null bs=4k count=16 iflag=direct status=none 2> /dev/null
	check_fail $? "reads from a dead origin succeeded"
	dd if=/dev/zero of=$DEV bs=512 count=16 oflag=direct status=none 2> /dev/null
	check_fail $? "partial writes to a dead origin succeeded"
	[ "$(status_named origin_errors)" -gt 0 ]
	check_err $? "origin errors not counted"
	dm_remove cbs0
	dm_remove cbs_origin
	log_test "origin errors are returned cleanly and counted"
}

test_cache_dead_writeback()
{
	RET=0
	wipe_md
	cbs_create writeback sequential_cutoff 0 dirty_low 100 dirty_high 100
	fio_job $DEV --rw=randwrite --bs=4k --size=1M --loops=2
	[ "$(status_named dirty)" -gt 0 ]
	check_err $? "no dirty blocks"
	swap_table cbs_ssd "0 $((CACHE_MB * 2048)) error"
	dd if=$DEV of=/dev/null bs=4k count=256 iflag=direct status=none 2> /dev/null
	check_fail $? "dirty blocks read back from a dead cache"
	[ "$(status_named cache_errors)" -gt 0 ]
	check_err $? "failed reads of dirty blocks not counted as cache errors"
	dmsetup message cbs0 0 flush 2> /dev/null
	check_fail $? "flush claimed success with a dead cache"
	dmsetup status cbs0 > /dev/null
	check_err $? "status with a dead cache"
	swap_table cbs_ssd "0 $((CACHE_MB * 2048)) linear /dev/ram1 0"
	dmsetup message cbs0 0 flush
	check_err $? "flush after the cache came back"
	check_eq "$(status_named dirty)" 0 "dirty after flush"
	dm_remove cbs0
	log_test "dead cache in writeback: dirty data errors, no oops; recovers"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
