#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the test runner itself (selftests/run.sh), on the fixtures in
# fixtures/basic: one passing, one failing, one skipping and one hanging
# test. The kernel-splat case needs a real WARN and runs on the host side
# (selftests/host/harness.sh), since a splat fails the whole VM run.

. "$(dirname "$0")/../lib.sh"

RUN=$SELFTESTS_DIR/run.sh
FIX=$SELFTESTS_DIR/harness/fixtures
OUT=
RC=0

run_fixtures()
{
	local sum

	OUT=$(mktemp)
	sum=$(mktemp)
	defer rm -f "$OUT" "$sum"
	CLOUDPLANE_TIMEOUT_SCALE=1 "$RUN" -d "$FIX" -o "$sum" basic > "$OUT" 2>&1
	RC=$?
	SUMMARY_FILE=$(cat "$sum")
	log_cmd cat "$OUT"
}

test_summary_line()
{
	RET=0
	check_eq "$(tail -n 1 "$OUT")" "1 passed, 2 failed, 1 skipped" "summary line"
	check_eq "$SUMMARY_FILE" "1 2 1" "summary file"
	log_test "summary line counts pass, fail, skip and timeout"
}

test_failing_run_fails()
{
	RET=0
	check_fail "$RC" "run.sh exited 0 with failing tests"
	"$RUN" -d "$FIX" basic/pass.sh > /dev/null 2>&1
	check_err $? "run.sh failed on a passing test"
	log_test "a failing test fails the run"
}

test_timeout_reported()
{
	RET=0
	# 4 s: timeout.hang.sh= in the fixture's settings, not the folder's 120
	grep -q '^not ok [0-9]* selftests: basic: hang.sh # TIMEOUT 4s$' "$OUT"
	check_err $? "no TIMEOUT line with the test's own timeout"
	busywait 3000 sh -c '! pgrep -f "trap \"\" TERM" > /dev/null'
	check_err $? "the hanging test's child survived the timeout"
	grep -q "^# warning: selftests: basic: hang.sh left 1 network namespace(s)" "$OUT"
	check_err $? "no warning for the namespace the hanging test left"
	! ip netns list | grep -qw cp_hang
	check_err $? "the namespace the hanging test left is still there"
	busywait 3000 sh -c '! pgrep -f "sleep 100[1]" > /dev/null'
	check_err $? "the process in that namespace survived"
	grep -q "^# warning: selftests: basic: hang.sh left 1 device-mapper device(s), removed: cp_hang$" "$OUT"
	check_err $? "no warning for the device-mapper device the hanging test left"
	! dmsetup info cp_hang > /dev/null 2>&1
	check_err $? "the device-mapper device the hanging test left is still there"
	log_test "a hanging test is killed at its timeout with its children, namespaces and devices"
}

test_skip_reported()
{
	RET=0
	grep -q '^ok [0-9]* selftests: basic: skip.sh # SKIP' "$OUT"
	check_err $? "no SKIP line"
	grep -q 'not reached' "$OUT"
	check_fail $? "skip.sh ran past require_cmd"
	log_test "a skip is reported as a skip"
}

test_fail_detail()
{
	RET=0
	grep -q "^# not ok 2 fails on purpose" "$OUT"
	check_err $? "subtest result not shown"
	grep -q "values differ (got '1', want '2')" "$OUT"
	check_err $? "check_eq message not shown"
	log_test "subtest results and messages are shown"
}

# The recap above the summary line: each failed test, why, and its
# failed subtests with their messages.
test_recap()
{
	local recap

	RET=0
	recap=$(sed -n '/^# failed:$/,$p' "$OUT")
	grep -qx "# basic/fail.sh: exit=1 ([0-9]*s)" <<< "$recap"
	check_err $? "fail.sh not in the recap"
	grep -qxF "#   # not ok 2 fails on purpose" <<< "$recap"
	check_err $? "fail.sh's failed subtest not in the recap"
	grep -qF "#   # # values differ (got '1', want '2')" <<< "$recap"
	check_err $? "fail.sh's message not in the recap"
	grep -qx "# basic/hang.sh: TIMEOUT 4s" <<< "$recap"
	check_err $? "hang.sh not in the recap"
	grep -q "pass.sh\|skip.sh" <<< "$recap"
	check_fail $? "a passed or skipped test in the recap"
	log_test "failed tests are recapped before the summary line"
}

test_unknown_test()
{
	RET=0
	"$RUN" -d "$FIX" basic/nope.sh > /dev/null 2>&1
	check_eq "$?" 2 "exit status for an unknown test"
	log_test "an unknown test name is a usage error"
}

trap cleanup EXIT
run_fixtures
ALL_TESTS="test_summary_line test_failing_run_fails test_timeout_reported
	   test_skip_reported test_fail_detail test_recap test_unknown_test"
tests_run
exit "$EXIT_STATUS"
