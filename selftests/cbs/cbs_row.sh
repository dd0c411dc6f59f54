#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW volumes (feature "row"), without snapshots: the volume's
# blocks map to data blocks allocated on first write (thin). Unmapped
# blocks read zeroes, partial writes keep the rest of the block zero,
# concurrent writers to one new block both land, data and map survive a
# re-create, a full data device fails writes with ENOSPC (counted) and
# nothing else, and ROW and cache-only metadata refuse the other table.

ALL_TESTS="test_unmapped_zero test_thin_verify test_partial test_partial_sync
	   test_same_block test_no_space test_meta_full test_commit_fails
	   test_table_mismatch"

RAM_MB=128
ORIGIN_MB=32
CACHE_MB=8
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0
CHECK=$TOOLS_DIR/cbs_check/cbs_check
VOL_MB=64
WB="writeback sequential_cutoff 0"

test_unmapped_zero()
{
	RET=0
	wipe_md
	dd if=/dev/urandom of="$ORIGIN_DEV" bs=1M count=$ORIGIN_MB oflag=direct status=none
	row_create
	check_err $? "create a ${VOL_MB} MiB ROW volume over ${ORIGIN_MB} MiB"
	cmp -s -n $((VOL_MB << 20)) $DEV /dev/zero
	check_err $? "a new volume reads zeroes (not the data device's contents)"
	check_eq "$(status_named data_used)" 0 "data blocks used"
	check_eq "$(status_named data_total)" $((ORIGIN_MB * 256)) "data blocks"
	check_eq "$(status_named mapped)" 0 "mapped blocks"
	dm_remove cbs0
	log_test "unmapped blocks read zeroes"
}

test_thin_verify()
{
	local used

	RET=0
	wipe_md
	row_create
	fio_job $DEV --rw=randwrite --bs=4k --offset=16M --size=12M --verify=crc32c \
		--randseed=7 --do_verify=1 --end_fsync=1
	check_err $? "fio write + verify 12 MiB"
	used=$(status_named data_used)
	check_eq "$used" $((12 * 256)) "data blocks used for 12 MiB"
	check_eq "$(status_named mapped)" $((12 * 256)) "mapped blocks"
	dm_remove cbs0
	row_create
	check_err $? "re-create"
	fio_job $DEV --rw=randwrite --bs=4k --offset=16M --size=12M --verify=crc32c \
		--randseed=7 --verify_only=1
	check_err $? "fio verify after re-create"
	check_eq "$(status_named data_used)" "$used" "data blocks used after re-create"
	cmp -s -n $((16 << 20)) $DEV /dev/zero
	check_err $? "blocks before the written range still read zeroes"
	dmsetup message cbs0 0 flush
	check_err $? "flush"
	dm_remove cbs0
	log_test "thin: allocate on write, verify, re-create, verify"
}

test_partial()
{
	local f=/tmp/cbs_row_partial want

	RET=0
	wipe_md
	row_create
	# one sector in the middle of block 100, then read the whole block
	head -c 512 /dev/urandom > $f.sec
	dd if=$f.sec of=$DEV bs=512 seek=$((100 * 8 + 3)) oflag=direct status=none
	check_err $? "512-byte write to an unmapped block"
	{ head -c $((3 * 512)) /dev/zero; cat $f.sec; head -c $((4 * 512)) /dev/zero; } > $f.want
	dd if=$DEV of=$f.got bs=4k skip=100 count=1 iflag=direct status=none
	cmp -s $f.want $f.got
	check_err $? "the block holds the sector and zeroes"
	dm_remove cbs0
	row_create
	dd if=$DEV of=$f.got bs=4k skip=100 count=1 iflag=direct status=none
	cmp -s $f.want $f.got
	check_err $? "the same after re-create"
	want=$(status_named data_used)
	check_eq "$want" 1 "one data block"
	dm_remove cbs0
	rm -f $f.sec $f.want $f.got
	log_test "partial write to a new block: the rest reads zero"
}

test_partial_sync()
{
	local args=(--rw=randwrite --bs=512 --offset=32M --size=1M --number_ios=256
		    --sync=1 --verify=crc32c --randseed=4)

	RET=0
	wipe_md
	row_create
	fio_job $DEV "${args[@]}" --do_verify=0
	check_err $? "256 O_SYNC 512-byte writes over 256 new blocks"
	fio_job $DEV "${args[@]}" --verify_only=1
	check_err $? "verify"
	dm_remove cbs0
	row_create
	fio_job $DEV "${args[@]}" --verify_only=1
	check_err $? "verify after re-create"
	dm_remove cbs0
	log_test "O_SYNC partial writes, some to blocks mapped meanwhile"
}

test_same_block()
{
	local f=/tmp/cbs_row_same i

	RET=0
	wipe_md
	row_create
	head -c 4096 /dev/urandom > $f
	# eight writers, one sector each, to the same new block at once
	for i in 0 1 2 3 4 5 6 7; do
		dd if=$f of=$DEV bs=512 skip=$i seek=$((200 * 8 + i)) count=1 \
			oflag=direct status=none &
	done
	wait
	dd if=$DEV of=$f.got bs=4k skip=200 count=1 iflag=direct status=none
	cmp -s $f $f.got
	check_err $? "all eight sectors landed"
	check_eq "$(status_named data_used)" 1 "one data block"
	dm_remove cbs0
	rm -f $f $f.got
	log_test "concurrent partial writes to one new block"
}

test_no_space()
{
	local out

	RET=0
	wipe_md
	row_create
	# the volume is twice the data device: writing it all runs out
	out=$(dd if=/dev/urandom of=$DEV bs=1M count=$VOL_MB oflag=direct 2>&1)
	check_fail $? "writing more than the data device holds"
	echo "$out" | grep -q "No space left on device"
	check_err $? "the error is ENOSPC ($(echo "$out" | tail -n 1))"
	check_eq "$(status_named data_used)" $((ORIGIN_MB * 256)) "data device full"
	[ "$(status_named no_space)" -gt 0 ]
	check_err $? "no_space counted"
	cmp -s -n $((ORIGIN_MB << 20)) $DEV /dev/zero
	check_fail $? "the first ${ORIGIN_MB} MiB were written"
	dd if=/dev/urandom of=$DEV bs=4k count=16 oflag=direct status=none
	check_err $? "overwrites of mapped blocks still work"
	dd if=$DEV of=/dev/null bs=1M iflag=direct status=none
	check_err $? "the whole volume still reads"
	dm_remove cbs0
	log_test "data device full: ENOSPC, counted, the rest works"
}

# Research T3: the metadata device fills up (the map grows with every
# new block). The write that cannot be mapped fails, the metadata turns
# read-only (writes needing a new block fail, overwrites of mapped blocks
# go on, as in dm-thin), every write acked before (each with FUA) is
# there after a re-create from the last commit, which cbs_check finds
# clean.
test_meta_full()
{
	local i k=0 mdl=/dev/mapper/cbs_mdsmall

	RET=0
	wipe_md
	# 32 metadata blocks: the superblocks, the cache mapping, the space
	# maps and a few B-tree nodes (32 MiB of data needs about 40)
	dm_create cbs_mdsmall "0 256 linear $MD 0" || return
	head -c 32M /dev/urandom > /tmp/cbs_row_meta
	MD=$mdl row_create
	check_err $? "create over a 32-block metadata device"
	for ((i = 0; i < 32; i++)); do
		dd if=/tmp/cbs_row_meta of=$DEV bs=1M skip=$i seek=$i count=1 \
			oflag=direct,dsync status=none 2> /dev/null || break
		k=$((i + 1))
	done
	log_info "$k MiB acked before the metadata device was full"
	[ "$k" -lt 32 ] && [ "$k" -gt 0 ]
	check_err $? "the metadata device filled up part way ($k MiB)"
	check_eq "$(status_named rw)" ro "metadata mode"
	check_eq "$(status_named needs_check)" needs_check "needs_check"
	dd if=/tmp/cbs_row_meta of=$DEV bs=4k seek=$((31 * 256)) count=1 oflag=direct \
		status=none 2> /dev/null
	check_fail $? "a write needing a new block after the failure"
	# as dm-thin's read-only mode: mapped blocks are still written in place
	dd if=/tmp/cbs_row_meta of=$DEV bs=4k count=1 oflag=direct status=none
	check_err $? "an overwrite of a mapped block after the failure"
	cmp -s -n $((k << 20)) /tmp/cbs_row_meta $DEV
	check_err $? "reads still work"
	dm_remove cbs0
	if [ -x "$CHECK" ]; then
		"$CHECK" -q $mdl
		check_err $? "cbs_check: the last commit is clean"
	fi
	MD=$mdl row_create
	check_err $? "re-create from the last commit"
	cmp -s -n $((k << 20)) /tmp/cbs_row_meta $DEV
	check_err $? "every acked write is there"
	dm_remove cbs0
	dm_remove cbs_mdsmall
	rm -f /tmp/cbs_row_meta
	log_test "metadata device full: the write fails, read-only, acked writes kept (T3)"
}

# A commit whose ROW writes fail (dm-flakey error_writes from row_start on,
# so the cache mapping copy is written and the ROW commit is what fails)
# turns the volume read-only and takes the map back to the last commit
# (passthrough: every write provisions a ROW block). Once dm-bufio has
# dropped the nodes whose writes failed (drop_caches), the volume still
# reads: the flushed data, and zeroes where the unflushed writes went.
test_commit_fails()
{
	local mdf=/dev/mapper/cbs_mdf sectors start

	RET=0
	if ! modprobe -q dm-flakey || [ ! -x "$CHECK" ]; then
		RET=$ksft_skip RETVAL="needs dm-flakey and cbs_check"
		log_test "a failed ROW commit"
		return
	fi
	wipe_md
	sectors=$(blockdev --getsz "$MD")
	dm_create cbs_mdf "0 $sectors linear $MD 0" || return
	head -c 8M /dev/urandom > /tmp/cbs_row_cf
	ORIGIN_SECTORS=$((VOL_MB * 2048)) MD=$mdf cbs_create row passthrough
	check_err $? "create a passthrough volume over a linear metadata device"
	start=$("$CHECK" -d "$MD" 2> /dev/null | sed -n 's/.* row_start \([0-9]*\)$/\1/p' |
		head -n 1)
	[ -n "$start" ]
	check_err $? "row_start from cbs_check -d"
	start=$((${start:-0} * 8))
	dd if=/tmp/cbs_row_cf of=$DEV bs=1M count=4 oflag=direct status=none &&
		dmsetup message cbs0 0 flush
	check_err $? "4 MiB written and flushed"
	dmsetup suspend cbs_mdf &&
		dmsetup load cbs_mdf --table "0 $start linear $MD 0
$start $((sectors - start)) flakey $MD $start 0 3600 1 error_writes" &&
		dmsetup resume cbs_mdf
	check_err $? "writes to the ROW area fail"
	# the commit of these fails: the flush's, or the periodic one's
	# (then the rest of the writes fail, read-only)
	dd if=/tmp/cbs_row_cf of=$DEV bs=1M skip=4 seek=4 count=4 oflag=direct \
		status=none 2> /dev/null
	dmsetup message cbs0 0 flush 2> /dev/null
	check_fail $? "a flush whose ROW commit fails"
	check_eq "$(status_named rw)" ro "metadata mode"
	check_eq "$(status_named needs_check)" needs_check "needs_check"
	dmsetup suspend cbs_mdf &&
		dmsetup load cbs_mdf --table "0 $sectors linear $MD 0" &&
		dmsetup resume cbs_mdf
	check_err $? "metadata writes work again"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	cmp -s -n $((4 << 20)) /tmp/cbs_row_cf <(dd if=$DEV bs=1M count=4 iflag=direct \
							status=none)
	check_err $? "the flushed 4 MiB read back"
	cmp -s -n $((4 << 20)) /dev/zero <(dd if=$DEV bs=1M skip=4 count=4 iflag=direct \
						status=none)
	check_err $? "the unflushed 4 MiB read zeroes (the map is back at the last commit)"
	dd if=/tmp/cbs_row_cf of=$DEV bs=4k seek=$((8 * 256)) count=1 oflag=direct \
		status=none 2> /dev/null
	check_fail $? "a write needing a new block after the failure"
	dm_remove cbs0
	"$CHECK" -q $mdf
	check_err $? "cbs_check: the last commit is clean"
	ORIGIN_SECTORS=$((VOL_MB * 2048)) MD=$mdf cbs_create row passthrough
	check_err $? "re-create from the last commit"
	cmp -s -n $((4 << 20)) /tmp/cbs_row_cf $DEV
	check_err $? "the flushed 4 MiB are there"
	dm_remove cbs0
	dm_remove cbs_mdf
	rm -f /tmp/cbs_row_cf
	log_test "a failed ROW commit: read-only, back at the last commit, still readable"
}

test_table_mismatch()
{
	local out

	RET=0
	wipe_md
	row_create && dm_remove cbs0
	out=$(dmsetup create cbs0 --table "$(cbs_table $WB)" 2>&1)
	check_fail $? "ROW metadata under a table without row"
	dmesg | tail -n 5 | grep -q "Metadata has a ROW map: the table must say row"
	check_err $? "the error says why"
	wipe_md
	cbs_create $WB && dm_remove cbs0
	out=$(dmsetup create cbs0 --table "$(ORIGIN_SECTORS=$((VOL_MB * 2048)) cbs_table row $WB)" 2>&1)
	check_fail $? "cache-only metadata under a row table"
	dmesg | tail -n 5 | grep -q "Metadata has no ROW map: the table says row"
	check_err $? "the error says why"
	: "$out"
	log_test "ROW and cache-only metadata refuse the other table"
}

cbs_setup
row_data_setup || exit 1
tests_run
exit "$EXIT_STATUS"
