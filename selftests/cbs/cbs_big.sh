#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs on a cache device larger than 2 TiB (research C1: dm-cache once
# truncated cblock * block_size to 32 bits). A sparse 3 TiB file on a loop
# device; the first blocks allocated are the highest ones, beyond 2^32
# sectors. Data is verified, written back and compared with the origin.

ALL_TESTS="test_big_cache"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0
TMPD=
IMG=

test_big_cache()
{
	local loop

	RET=0
	# our own tmpfs: sparse, and not a share of the host
	TMPD=$(mktemp -d /run/cbs-big.XXXXXX) &&
		mount -t tmpfs -o size=256M cbs-big "$TMPD" ||
		{ log_test_skip "cache > 2 TiB" "no tmpfs"; return; }
	defer rmdir "$TMPD"
	defer umount "$TMPD"
	IMG=$TMPD/cache.img
	truncate -s 3T $IMG || { log_test_skip "cache > 2 TiB" "no sparse 3T file"; return; }
	defer rm -f $IMG
	modprobe loop 2> /dev/null
	loop=$(losetup -f --show $IMG) || { log_test_skip "cache > 2 TiB" "no loop device"; return; }
	defer losetup -d "$loop"
	wipe_md
	SSD=$loop BS=2048 cbs_create writeback sequential_cutoff 0 dirty_low 100 dirty_high 100
	check_err $? "create with a 3 TiB cache"
	check_eq "$(status_named cache_total)" $((3 << 20)) "cache blocks"
	fio_job $DEV --rw=randwrite --bs=1M --size=32M --verify=crc32c --randseed=31 \
		--do_verify=0
	fio_job $DEV --rw=randwrite --bs=1M --size=32M --verify=crc32c --randseed=31 \
		--do_verify=1
	check_err $? "fio verify through blocks beyond 2 TiB"
	check_eq "$(status_named cache_used)" 32 "blocks cached"
	[ "$(stat -c %b $IMG)" -gt 0 ]
	check_err $? "nothing reached the cache file"
	# the data sits at the end of the file, past 2 TiB
	[ "$(dd if=$IMG bs=1M skip=$(((3 << 20) - 32)) count=32 status=none |
	     tr -d '\0' | head -c 16 | wc -c)" -gt 0 ]
	check_err $? "no data in the last 32 MiB of the cache (offset truncated?)"
	dmsetup message cbs0 0 flush
	check_err $? "flush"
	same_as_origin
	check_err $? "origin differs after writeback from beyond 2 TiB"
	dm_remove cbs0
	log_test "cache device > 2 TiB: data beyond 2^32 sectors is placed and written back"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
