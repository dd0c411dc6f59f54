#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs origin resize by table reload (Documentation/cbs.rst "Resize"):
# a loop origin grown with `losetup -c` and a dm-linear origin reloaded
# bigger, then the cbs table reloaded with the new length: old data stays,
# the new range is usable (fio verify), the superblock records the new
# length. Shrinking below a dirty block is refused in the constructor
# (and at resume if a block became dirty meanwhile, recoverable by loading
# the old length); once clean, the blocks beyond the end are invalidated.

ALL_TESTS="test_grow_loop test_grow_linear test_shrink"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

CHECK=$TOOLS_DIR/cbs_check/cbs_check
DEV=/dev/mapper/cbs0
FEAT="9 writeback sequential_cutoff 0 promote_threshold 1 dirty_low 100 dirty_high 100"
HALF=$((32 * 2048))		# sectors

# line SECTORS ORIGIN
line()
{
	echo "0 $1 cbs $MD $SSD $2 $BS $FEAT"
}

reload()
{
	dmsetup load cbs0 --table "$(line "$1" "$2")" &&
		dmsetup suspend cbs0 && dmsetup resume cbs0
}

# fio_range OFFSET_MB SEED [fio options]: 2048 random 4k writes in 32 MiB
fio_range()
{
	fio_job $DEV --rw=randwrite --bs=4k --offset="$1M" --size=32M \
		--number_ios=2048 --verify=crc32c --randseed="$2" "${@:3}"
}

md_origin_sectors()
{
	dmsetup suspend cbs0
	"$CHECK" -j $MD | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["superblocks"][0 if d["current"] == "A" else 1]["origin_sectors"], d["errors"])'
	dmsetup resume cbs0
}

# grow ORIGIN GROW_CMD: 32 MiB -> 64 MiB
grow()
{
	local origin=$1 used

	wipe_md
	dm_create cbs0 "$(line $HALF "$origin")"
	check_err $? "create"
	fio_range 0 31
	check_err $? "fio write + verify, first half"
	used=$(status_named cache_used)
	"${@:2}"
	check_err $? "growing the origin"
	check_eq "$(blockdev --getsz "$origin")" $((2 * HALF)) "origin size"
	reload $((2 * HALF)) "$origin"
	check_err $? "reload with the new length"
	check_eq "$(dmsetup table cbs0 | cut -d' ' -f2)" $((2 * HALF)) "table length"
	check_eq "$(blockdev --getsz $DEV)" $((2 * HALF)) "device size"
	check_eq "$(status_named cache_used)" "$used" "cached blocks kept"
	check_eq "$(md_origin_sectors)" "$((2 * HALF)) 0" "superblock origin length, cbs_check"
	fio_range 32 32
	check_err $? "fio write + verify, new half"
	fio_range 0 31 --verify_only=1
	check_err $? "first half after the resize"
	dmsetup message cbs0 0 flush
	ORIGIN_MB=64 ORIGIN=$origin same_as_origin
	check_err $? "origin differs after flush"
	dm_remove cbs0
	dm_create cbs0 "$(line $((2 * HALF)) "$origin")"
	check_err $? "re-create with the new length"
	fio_range 32 32 --verify_only=1
	check_err $? "new half after re-create"
	dm_remove cbs0
}

test_grow_loop()
{
	local img=/tmp/cbs-origin.img loop

	RET=0
	modprobe loop 2> /dev/null
	loop=$(truncate -s 32M $img && losetup -f --show $img)
	if [ -z "$loop" ]; then
		log_test_skip "loop origin" "no loop device"
		return
	fi
	grow "$loop" eval "truncate -s 64M $img && losetup -c $loop"
	losetup -d "$loop"
	rm -f $img
	log_test "loop origin grown (losetup -c), table reloaded bigger: new range usable"
}

test_grow_linear()
{
	RET=0
	dm_create cbs_org "0 $HALF linear $ORIGIN 0"
	grow /dev/mapper/cbs_org eval \
		"dmsetup load cbs_org --table '0 $((2 * HALF)) linear $ORIGIN 0' &&
		 dmsetup suspend cbs_org && dmsetup resume cbs_org"
	dm_remove cbs_org
	log_test "dm-linear origin reloaded bigger, table reloaded bigger: new range usable"
}

test_shrink()
{
	local used beyond err

	RET=0
	wipe_md
	dm_create cbs0 "$(line $((2 * HALF)) $ORIGIN)"
	fio_range 0 41 --do_verify=0
	fio_range 32 42 --do_verify=0
	check_err $? "fio"
	[ "$(status_named dirty)" -gt 1000 ]
	check_err $? "too few dirty blocks"
	err=$(dmsetup load cbs0 --table "$(line $HALF $ORIGIN)" 2>&1)
	check_fail $? "shrink below dirty blocks accepted"
	dmesg | tail -n 5 | grep -q "Cannot shrink the origin below a dirty cache block"
	check_err $? "no clear error: $err"
	# refused at resume too if a block beyond became dirty after the load
	dmsetup message cbs0 0 flush
	dmsetup load cbs0 --table "$(line $HALF $ORIGIN)"
	check_err $? "load of the smaller table once clean"
	fio_range 32 43 --do_verify=0 --number_ios=16
	dmsetup suspend cbs0
	dmsetup resume cbs0 2> /dev/null
	check_fail $? "resume accepted a shrink below a dirty block"
	reload $((2 * HALF)) $ORIGIN
	check_err $? "back to the old length"
	fio_range 32 43 --verify_only=1 --number_ios=16
	check_err $? "dirty data beyond the end lost by the refused shrink"
	# clean now: the shrink invalidates the blocks beyond the end
	fio_range 0 41 --do_verify=0
	dmsetup message cbs0 0 flush
	check_err $? "flush"
	used=$(status_named cache_used)
	beyond=$(dmsetup suspend cbs0 && "$CHECK" --dump $MD |
		 awk -v h=$((HALF / BS)) '$1 == "cblock" && $4 >= h' | wc -l)
	dmsetup resume cbs0
	[ "$beyond" -gt 0 ]
	check_err $? "nothing cached beyond the new end to begin with"
	reload $HALF $ORIGIN
	check_err $? "shrink once clean"
	check_eq "$(status_named cache_used)" $((used - beyond)) "cached blocks after the shrink"
	check_eq "$(md_origin_sectors)" "$HALF 0" "superblock origin length, cbs_check"
	fio_range 0 41 --verify_only=1
	check_err $? "data below the new end"
	# new data beyond the end, behind the target's back: no stale copy
	# of the old data may be served once the origin grows back
	dd if=/dev/urandom of=$ORIGIN bs=1M seek=32 count=32 oflag=direct status=none
	reload $((2 * HALF)) $ORIGIN
	check_err $? "grow back"
	ORIGIN_MB=64 same_as_origin
	check_err $? "stale cached data beyond the old end after growing back"
	dm_remove cbs0
	log_test "shrink: refused below dirty blocks (ctr and resume), clean blocks invalidated"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
