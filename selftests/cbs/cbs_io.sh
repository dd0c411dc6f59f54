#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs data path: fio crc32c verify in writethrough, writeback and
# passthrough; the device always equals the origin once clean; a cached
# copy is never stale after a passthrough write or a discard; the
# scan-resistant LRU keeps a hot set through a one-pass scan; sequential
# streams bypass the cache; writeback reaches the origin in ascending
# origin block order (recorded by dm-log-writes under the origin).

ALL_TESTS="test_writethrough test_writeback test_passthrough test_discard
	   test_scan_resistance test_sequential_bypass test_writeback_order"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0

# read_range OFFSET_MB SIZE_MB: direct 4k reads (promotes on the 2nd pass)
read_range()
{
	dd if=$DEV of=/dev/null bs=4k skip=$(($1 * 256)) count=$(($2 * 256)) \
	   iflag=direct status=none
}

test_writethrough()
{
	RET=0
	wipe_md
	cbs_create writethrough sequential_cutoff 0
	fio_job $DEV --rw=randwrite --bs=4k --size=8M --verify=crc32c \
		--do_verify=1 --randseed=1
	check_err $? "fio verify (write pass)"
	read_range 0 8 && read_range 0 8 && read_range 0 8
	busywait 5000 test "$(status_named promotions)" -gt 1000
	check_err $? "no promotions: $(dmsetup status cbs0)"
	fio_job $DEV --rw=randwrite --bs=4k --size=8M --verify=crc32c \
		--do_verify=1 --randseed=2
	check_err $? "fio verify over cached blocks"
	[ "$(status_named read_hits)" -gt 1000 ]
	check_err $? "no read hits"
	check_eq "$(status_named dirty)" 0 "dirty blocks in writethrough"
	same_as_origin
	check_err $? "device differs from origin (cache copy not updated, C3)"
	log_info "$(dmsetup status cbs0)"
	dm_remove cbs0
	log_test "writethrough: fio verify, hits served, origin identical"
}

test_writeback()
{
	RET=0
	wipe_md
	cbs_create writeback sequential_cutoff 0 dirty_low 100 dirty_high 100
	fio_job $DEV --rw=randwrite --bs=4k --size=8M --verify=crc32c \
		--do_verify=1 --randseed=3 --loops=2
	check_err $? "fio verify"
	[ "$(status_named dirty)" -gt 100 ]
	check_err $? "no dirty blocks after writes: $(dmsetup status cbs0)"
	fio_job $DEV --rw=randrw --bs=4k --size=8M --verify=crc32c \
		--do_verify=1 --randseed=4
	check_err $? "fio verify over dirty blocks"
	dmsetup message cbs0 0 flush
	check_err $? "flush message"
	check_eq "$(status_named dirty)" 0 "dirty after flush"
	[ "$(status_named writebacks)" -gt 100 ]
	check_err $? "no writebacks counted"
	same_as_origin
	check_err $? "origin differs after flush"
	log_info "$(dmsetup status cbs0)"
	dm_remove cbs0
	log_test "writeback: fio verify, dirty tracked, flush writes everything back"
}

test_passthrough()
{
	RET=0
	wipe_md
	cbs_create writethrough sequential_cutoff 0
	fio_job $DEV --rw=write --bs=4k --size=4M --verify=crc32c --randseed=5
	read_range 0 4 && read_range 0 4
	busywait 5000 test "$(status_named cache_used)" -gt 500
	check_err $? "nothing cached"
	dmsetup load cbs0 --table "$(cbs_table passthrough)" && dmsetup resume cbs0
	check_err $? "reload to passthrough"
	fio_job $DEV --rw=randwrite --bs=4k --size=4M --verify=crc32c \
		--do_verify=1 --randseed=6
	check_err $? "fio verify in passthrough"
	dmsetup load cbs0 --table "$(cbs_table writethrough sequential_cutoff 0)" &&
		dmsetup resume cbs0
	check_err $? "reload to writethrough"
	fio_job $DEV --rw=randread --bs=4k --size=4M --verify=crc32c \
		--verify_only=1 --rw=randwrite --randseed=6
	check_err $? "stale cached copy after a passthrough write"
	same_as_origin
	check_err $? "device differs from origin"
	dm_remove cbs0

	# passthrough is refused while blocks are dirty (C5)
	wipe_md
	cbs_create writeback sequential_cutoff 0 dirty_low 100 dirty_high 100
	fio_job $DEV --rw=randwrite --bs=4k --size=1M --loops=3
	dmsetup load cbs0 --table "$(cbs_table passthrough)" 2> /dev/null &&
		dmsetup resume cbs0 2> /dev/null
	check_fail $? "passthrough accepted with $(status_named dirty) dirty blocks"
	dmsetup clear cbs0 2> /dev/null
	dmsetup resume cbs0
	dm_remove cbs0
	log_test "passthrough: writes invalidate, no stale copies; refused while dirty"
}

test_discard()
{
	RET=0
	require_cmd blkdiscard
	wipe_md
	cbs_create writeback sequential_cutoff 0 dirty_low 100 dirty_high 100
	fio_job $DEV --rw=randwrite --bs=4k --size=2M --loops=2
	[ "$(status_named dirty)" -gt 0 ]
	check_err $? "no dirty blocks"
	blkdiscard -o 0 -l $((2 << 20)) $DEV
	check_err $? "blkdiscard"
	check_eq "$(status_named dirty)" 0 "dirty blocks left after discard"
	fio_job $DEV --rw=randwrite --bs=4k --size=2M --verify=crc32c \
		--do_verify=1 --randseed=7
	check_err $? "fio verify after discard"
	dm_remove cbs0
	log_test "discard invalidates cached blocks, reuse verifies"
}

test_scan_resistance()
{
	local misses

	RET=0
	wipe_md
	# cache 16 MiB, hot set 4 MiB, scan 96 MiB with bypass disabled
	cbs_create writethrough sequential_cutoff 0
	read_range 0 4 && read_range 0 4 && read_range 0 4 && read_range 0 4
	busywait 5000 test "$(status_named promotions)" -ge 1000
	read_range 0 4
	log_info "before scan: $(dmsetup status cbs0 | cut -d' ' -f4-17)"
	read_range 16 96
	log_info "after scan: $(dmsetup status cbs0 | cut -d' ' -f4-17)"
	dmsetup message cbs0 0 clear_stats
	read_range 0 4
	misses=$(status_named read_misses)
	log_info "hot set misses after a one-pass scan: $misses of 1024"
	[ "$misses" -lt 50 ]
	check_err $? "scan flushed the hot set ($misses misses)"
	dm_remove cbs0
	log_test "a one-pass scan does not flush the hot set"
}

test_sequential_bypass()
{
	RET=0
	wipe_md
	cbs_create writethrough sequential_cutoff 512
	dd if=$DEV of=/dev/null bs=64k count=512 iflag=direct status=none
	dd if=$DEV of=/dev/null bs=64k count=512 iflag=direct status=none
	sleep 0.5
	[ "$(status_named bypassed)" -gt 800 ]
	check_err $? "sequential reads not bypassed: $(dmsetup status cbs0)"
	[ "$(status_named promotions)" -le 160 ]
	check_err $? "sequential stream promoted"
	dm_remove cbs0
	log_test "sequential streams past sequential_cutoff bypass the cache"
}

# Dirty blocks are cached in random origin order (cache order = arrival
# order); the flush must write them back in ascending origin order within
# each sorted batch of 256 (Documentation/cbs.rst "Writeback").
test_writeback_order()
{
	local n=$((64 * 2048)) dirty total descents

	RET=0
	require_module dm-log-writes
	dm_create cbs_wblog "0 $((32 * 2048)) linear /dev/ram1 $((96 * 2048))"
	dm_create cbs_wborg "0 $n log-writes $ORIGIN /dev/mapper/cbs_wblog"
	wipe_md
	dm_create cbs0 "0 $n cbs $MD $SSD /dev/mapper/cbs_wborg $BS 9 writeback sequential_cutoff 0 promote_threshold 1 dirty_low 100 dirty_high 100"
	check_err $? "create over a logged origin"
	fio_job $DEV --rw=randwrite --bs=4k --size=64M --number_ios=1000 --randseed=61
	check_err $? "fio"
	dirty=$(status_named dirty)
	dmsetup message cbs_wborg 0 mark wb_start &&
		dmsetup message cbs0 0 flush &&
		dmsetup message cbs_wborg 0 mark wb_end
	check_err $? "flush between marks"
	dm_remove cbs0
	dm_remove cbs_wborg
	read -r total descents < <(python3 "$(dirname "$0")/replay_log.py" \
		--list /dev/mapper/cbs_wblog | awk -v bs=$BS '
		$4 == 8 { marks++; next }
		marks == 1 && $3 == bs {
			n++; if (n > 1 && $2 < last) d++; last = $2
		}
		END { print n + 0, d + 0 }')
	log_info "writeback of $dirty dirty blocks: $total origin writes, $descents descents"
	check_eq "$total" "$dirty" "origin writes during the flush"
	[ "$descents" -le $((dirty / 256 + 3)) ]
	check_err $? "writeback not in origin order ($descents descents)"
	dm_remove cbs_wblog
	log_test "writeback in ascending origin order"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
