#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cbsctl basics: volume show (text and -j, -j before or after), the cache
# and stats commands, usage errors. The netlink family itself (extack,
# events, dumps, permissions) is cbs_netlink.sh.

ALL_TESTS="test_show test_json test_cache_cmds test_bad_input"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

CBSCTL=$TOOLS_DIR/cbsctl/cbsctl
DEV=/dev/mapper/cbs0

json_get()
{
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]'"$1"')'
}

test_show()
{
	local out

	RET=0
	out=$($CBSCTL volume show cbs0)
	check_err $? "volume show"
	echo "$out" | sed "s/^/# /"
	echo "$out" | grep -q "^cbs0 ($(devno $DEV)): writeback, metadata rw$"
	check_err $? "header line"
	echo "$out" | grep -q "cache       0/$((CACHE_MB * 256)) blocks of 4 KiB"
	check_err $? "cache line"
	[ "$($CBSCTL volume show | grep -c '^cbs0 ')" = 1 ]
	check_err $? "listing all cbs devices"
	$CBSCTL --help | grep -q "cbsctl monitor"
	check_err $? "help"
	log_test "cbsctl volume show"
}

test_json()
{
	local out

	RET=0
	dd if=$DEV of=/dev/null bs=4k count=64 iflag=direct status=none
	out=$($CBSCTL -j volume show cbs0)
	check_err $? "volume show -j"
	check_eq "$(echo "$out" | json_get '["mode"]')" writeback "mode"
	check_eq "$(echo "$out" | json_get '["read_misses"]')" 64 "read misses"
	check_eq "$(echo "$out" | json_get '["cache_blocks"]')" $((CACHE_MB * 256)) "cache blocks"
	check_eq "$(echo "$out" | json_get '["knobs"]["sequential_cutoff"]')" 4096 "policy knob"
	check_eq "$(echo "$out" | json_get '["knobs"]["migration_threshold"]')" 2048 "core knob"
	check_eq "$($CBSCTL volume show cbs0 -j)" "$out" "-j after the command"
	log_test "cbsctl -j volume show"
}

test_cache_cmds()
{
	RET=0
	$CBSCTL cache set cbs0 sequential_cutoff 128 dirty_high 60
	check_err $? "cache set"
	dmsetup status cbs0 | grep -q "sequential_cutoff 128 .* dirty_high 60 "
	check_err $? "knobs not applied"
	$CBSCTL stats clear cbs0
	check_err $? "stats clear"
	check_eq "$(status_named read_misses)" 0 "read misses after stats clear"
	$CBSCTL cache flush cbs0
	check_err $? "flush"
	$CBSCTL cache cleaner cbs0
	check_err $? "cleaner"
	$CBSCTL volume show cbs0 | grep -q "^cbs0 (.*): writeback cleaner,"
	check_err $? "cleaner not shown"
	log_test "cbsctl cache set/flush/cleaner, stats clear"
}

test_bad_input()
{
	RET=0
	$CBSCTL cache set cbs0 promote_threshold 99 2> /dev/null
	check_fail $? "bad knob value accepted"
	$CBSCTL cache set cbs0 promote_threshold 2> /dev/null
	check_fail $? "knob without value accepted"
	$CBSCTL cache frob cbs0 2> /dev/null
	check_fail $? "unknown command accepted"
	$CBSCTL volume show nosuchdev 2> /dev/null
	check_fail $? "unknown device accepted"
	$CBSCTL volume show cbs_ssd 2> /dev/null
	check_fail $? "non-cbs device accepted"
	$CBSCTL -x 2> /dev/null
	check_fail $? "unknown option accepted"
	$CBSCTL 2> /dev/null
	check_fail $? "no command accepted"
	log_test "cbsctl refuses bad input"
}

[ -x "$CBSCTL" ] || ktap_skip_all "cbsctl not built (make tools)"
cbs_setup
wipe_md
cbs_create
tests_run
exit "$EXIT_STATUS"
