#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs constructor, table and status contract: the table line round-trips
# exactly, every bad argument is refused with its own message (seen in the
# kernel log), the status line has dm-cache's layout plus our counters, and
# messages are checked.

ALL_TESTS="test_roundtrip test_bad_args test_status_layout test_messages
	   test_shared_metadata test_unload_busy"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

test_roundtrip()
{
	local want got feats

	RET=0
	wipe_md
	for feats in "" "1 writethrough" "1 passthrough" \
		"8 writeback sequential_cutoff 1024 promote_threshold 3 no_discard_passdown dirty_low 5" \
		"10 writethrough cleaner migration_threshold 512 dirty_low 0 dirty_high 100 promote_threshold 1"; do
		# shellcheck disable=SC2086
		cbs_create ${feats#* }
		check_err $? "create with '$feats'"
		want="$(devno $MD) $(devno $SSD) $(devno $ORIGIN) $BS ${feats:-0}"
		got=$(dmsetup table cbs0 | cut -d' ' -f4-)
		check_eq "$got" "$want" "table line"
		dm_remove cbs0
	done
	log_test "STATUSTYPE_TABLE reproduces the constructor line"
}

# expect_bad "ERROR TEXT" TABLE...: creation fails and the log names it
expect_bad()
{
	local err=$1 out

	shift
	dmesg -C
	out=$(dmsetup create cbsbad --table "$*" 2>&1)
	if [ $? -eq 0 ]; then
		dmsetup remove cbsbad
		check_err 1 "accepted: $*"
		return
	fi
	dmesg | grep -q "cbs: $err"
	check_err $? "no '$err' in the kernel log for: $* ($(dmesg | tail -n 2 | tr '\n' ' '))"
}

test_bad_args()
{
	local dev="$MD $SSD $ORIGIN" len=$((ORIGIN_MB * 2048))

	RET=0
	wipe_md
	expect_bad "Invalid argument count" "0 $len cbs $MD $SSD $ORIGIN 8"
	expect_bad "Error opening metadata device" "0 $len cbs /dev/nonexistent $SSD $ORIGIN 8 0"
	expect_bad "Error opening cache device" "0 $len cbs $MD /dev/nonexistent $ORIGIN 8 0"
	expect_bad "Error opening origin device" "0 $len cbs $MD $SSD /dev/nonexistent 8 0"
	expect_bad "Metadata, cache and origin must be different devices" \
		"0 $len cbs $MD $MD $ORIGIN 8 0"
	expect_bad "Invalid block size" "0 $len cbs $dev 12 0"
	expect_bad "Invalid block size" "0 $len cbs $dev 4 0"
	expect_bad "Invalid block size" "0 $len cbs $dev 8x 0"
	expect_bad "Invalid block size" "0 $len cbs $dev 4194304 0"
	expect_bad "Invalid number of feature args" "0 $len cbs $dev 8 x"
	expect_bad "Invalid number of feature args" "0 $len cbs $dev 8 33"
	expect_bad "Invalid number of feature args" "0 $len cbs $dev 8 2 writeback"
	expect_bad "Unknown feature argument" "0 $len cbs $dev 8 1 writefront"
	expect_bad "Duplicate io mode" "0 $len cbs $dev 8 2 writeback writethrough"
	expect_bad "Duplicate no_discard_passdown" "0 $len cbs $dev 8 2 no_discard_passdown no_discard_passdown"
	expect_bad "Duplicate feature argument" "0 $len cbs $dev 8 4 dirty_low 1 dirty_low 2"
	expect_bad "Missing value for a feature argument" "0 $len cbs $dev 8 1 dirty_low"
	expect_bad "Invalid sequential_cutoff" "0 $len cbs $dev 8 2 sequential_cutoff -1"
	expect_bad "Invalid promote_threshold" "0 $len cbs $dev 8 2 promote_threshold 0"
	expect_bad "Invalid promote_threshold" "0 $len cbs $dev 8 2 promote_threshold 8"
	expect_bad "Invalid migration_threshold" "0 $len cbs $dev 8 2 migration_threshold 0"
	expect_bad "Invalid dirty_low" "0 $len cbs $dev 8 2 dirty_low 101"
	expect_bad "Invalid dirty_high" "0 $len cbs $dev 8 2 dirty_high 5%"
	expect_bad "dirty_low above dirty_high" "0 $len cbs $dev 8 4 dirty_low 60 dirty_high 50"
	expect_bad "Too many arguments" "0 $len cbs $dev 8 0 extra"
	expect_bad "Origin device is smaller than the target" "0 $((len + 8)) cbs $dev 8 0"
	expect_bad "Cache device too small" "0 $len cbs $dev 65536 0"
	dm_create cbs_tinymd "0 8 linear /dev/ram0 0"
	expect_bad "Metadata device too small" "0 $len cbs /dev/mapper/cbs_tinymd $SSD $ORIGIN 8 0"
	dm_remove cbs_tinymd
	# nothing of the failed attempts is left behind
	[ "$(dd if=$MD bs=4096 count=2 status=none | tr -d '\0' | wc -c)" = 0 ]
	check_err $? "a refused table wrote to the metadata device"
	log_test "every bad table line is refused with a precise error"
}

test_status_layout()
{
	local n st

	RET=0
	wipe_md
	cbs_create
	st=$(dmsetup status cbs0)
	log_info "$st"
	n=$(echo "$st" | wc -w)
	check_eq "$n" 37 "number of status words"
	check_eq "$(status_field 1)" 8 "metadata block size"
	check_eq "$(status_field 3)" "$BS" "cache block size"
	check_eq "$(status_named cache_total)" $((CACHE_MB * 256)) "cache blocks"
	check_eq "$(status_named mode)" writeback "io mode"
	check_eq "$(status_named rw)" rw "metadata mode"
	check_eq "$(status_named needs_check)" - "needs_check"
	echo "$st" | grep -q " 1 writeback 2 migration_threshold 2048 slru 8 sequential_cutoff 4096 promote_threshold 2 dirty_low 10 dirty_high 50 rw - "
	check_err $? "dm-cache style middle part"
	# 14-byte entry, a flag byte, half a byte each of buckets and filter
	check_eq "$(status_named ram)" 16 "RAM bytes per cache block"
	dm_remove cbs0
	log_test "status: dm-cache field order plus our counters"
}

test_messages()
{
	RET=0
	wipe_md
	cbs_create
	dmsetup message cbs0 0 sequential_cutoff 64
	check_err $? "knob message"
	dmsetup status cbs0 | grep -q "sequential_cutoff 64 "
	check_err $? "knob not applied"
	dmsetup message cbs0 0 dirty_high 100 && dmsetup message cbs0 0 dirty_low 100
	check_err $? "dirty_low/high messages"
	dmesg -C
	dmsetup message cbs0 0 dirty_low 101 2> /dev/null
	check_fail $? "dirty_low 101 accepted"
	dmsetup message cbs0 0 dirty_high 50 2> /dev/null
	check_fail $? "dirty_high below dirty_low accepted"
	dmsetup message cbs0 0 frobnicate 2> /dev/null
	check_fail $? "unknown message accepted"
	dmesg | grep -q "cbs: unrecognised message 'frobnicate'"
	check_err $? "unknown message not named in the log"
	dmsetup message cbs0 0 promote_threshold 2> /dev/null
	check_fail $? "knob without value accepted"
	dmsetup message cbs0 0 clear_stats && dmsetup message cbs0 0 flush
	check_err $? "clear_stats/flush"
	dmsetup message cbs0 0 cleaner
	check_err $? "cleaner"
	check_eq "$(dmsetup status cbs0 | grep -c ' writeback cleaner ')" 1 "cleaner in status"
	dm_remove cbs0
	log_test "messages: knobs, flush, cleaner, clear_stats; bad ones refused"
}

test_shared_metadata()
{
	local len=$((ORIGIN_MB * 2048))

	RET=0
	wipe_md
	cbs_create
	dmsetup load cbs0 --table "$(cbs_table writethrough)"
	check_err $? "reload with another mode"
	dmsetup resume cbs0
	check_err $? "resume"
	check_eq "$(status_named mode)" writethrough "mode after reload"
	dmsetup create cbs1 --table "0 $len cbs $MD /dev/ram1 $ORIGIN 8 0" 2> /dev/null
	check_fail $? "a second cache on the same metadata with another cache device"
	dm_remove cbs0
	log_test "table reload shares the metadata object; conflicting use refused"
}

test_unload_busy()
{
	RET=0
	wipe_md
	cbs_create
	rmmod dm-cbs 2> /dev/null
	check_fail $? "module unloaded while in use"
	dm_remove cbs0
	log_test "module unload refused while a cbs device exists"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
