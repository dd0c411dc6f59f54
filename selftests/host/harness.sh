#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of the test harness: scripts/vm-run boots guests here,
# so these run on the host (scripts/check), not in the VM. They show that
# the exit status travels back, that a timeout kills the guest, and that
# a kernel splat fails the run even when the command passed, and is
# pinned on the test that caused it by selftests/run.sh, and that a splat
# while booting makes vm-run boot again instead of running the command.

. "$(dirname "$0")/../lib.sh"

VM_RUN=$REPO_DIR/scripts/vm-run
SPLAT_KO=$SELFTESTS_DIR/harness/splat_mod/cp_splat.ko
TMP=$(mktemp -d)
defer rm -rf "$TMP"

[ -x "$VM_RUN" ] || ktap_skip_all "no scripts/vm-run"
[ -f "$SPLAT_KO" ] || ktap_skip_all "cp_splat.ko not built (make selftests)"

vm()
{
	VM_RUN_QUIET=1 "$VM_RUN" --out "$TMP/out" "$@"
}

test_exit_status()
{
	local out

	RET=0
	out=$(cd "$REPO_DIR/selftests" && vm -- sh -c 'pwd; exit 3' 2> /dev/null)
	check_eq "$?" 3 "exit status of the command"
	check_eq "$out" "$REPO_DIR/selftests" "working directory in the guest"
	grep -q 'vm-init: command exited with status 3' "$TMP/out/dmesg"
	check_err $? "guest kernel log not saved"
	log_test "vm-run: exit status, cwd and kernel log come back"
}

test_timeout()
{
	local start took err

	RET=0
	start=$(date +%s)
	vm --timeout 20 -- sleep 600 2> "$TMP/err"
	check_eq "$?" 124 "exit status after a timeout"
	took=$(($(date +%s) - start))
	[ "$took" -lt 60 ]
	check_err $? "the timeout took ${took}s"
	err=$(cat "$TMP/err")
	[[ "$err" == *TIMEOUT* ]]
	check_err $? "no clear timeout message: $err"
	pgrep -f "vmout,path=$TMP/out" > /dev/null
	check_fail $? "a qemu process was left behind"
	log_test "vm-run: a hung guest is killed at the timeout"
}

test_splat_fails_run()
{
	local err

	RET=0
	vm -- sh -c "insmod $SPLAT_KO && echo 1 > /sys/kernel/debug/cp_splat/warn; \
		     rmmod cp_splat; exit 0" > /dev/null 2> "$TMP/err"
	check_fail $? "vm-run passed although the kernel WARNed"
	err=$(cat "$TMP/err")
	[[ "$err" == *"kernel log shows a splat"*"cp_splat.c"* ]]
	check_err $? "no splat message: $err"
	log_test "vm-run: a kernel WARN fails a run whose command passed"
}

test_boot_splat_reboots()
{
	local err

	RET=0
	# The command line is in the kernel log: a splat pattern on it looks
	# like a splat at boot, on every boot.
	VM_APPEND="cp_harness=WARNING:" vm --timeout 300 -- true > /dev/null 2> "$TMP/err"
	check_fail $? "vm-run passed although every boot splatted"
	err=$(cat "$TMP/err")
	[[ "$err" == *"boot 2: the kernel splatted or died while booting"*"3 boots out of 3"* ]]
	check_err $? "no reboot, or no clear message: $err"
	[ -f "$TMP/out/bootsplat.1" ] && [ -f "$TMP/out/console.log.boot1" ]
	check_err $? "the first boot's logs were not kept"
	[ ! -f "$TMP/out/rc" ]
	check_err $? "the command ran on a kernel that splatted while booting"
	log_test "vm-run: a splat while booting is retried, never blamed on the command"
}

test_splat_pinned_on_test()
{
	local out

	RET=0
	out=$(vm -- "$SELFTESTS_DIR/run.sh" -d "$SELFTESTS_DIR/harness/fixtures" splat 2> /dev/null)
	check_fail $? "run passed although a test made the kernel WARN"
	grep -q '^not ok [0-9]* selftests: splat: warn.sh # kernel splat' <<< "$out"
	check_err $? "warn.sh not failed for its splat"
	grep -q '^ok [0-9]* selftests: splat: pass.sh' <<< "$out"
	check_err $? "pass.sh blamed for warn.sh's splat"
	check_eq "$(tail -n 1 <<< "$out")" "1 passed, 1 failed, 0 skipped" "summary line"
	log_test "run.sh: a splat fails the test that caused it"
}

# Lines of scripts/vm/splat-ignore.re are reported, not failed; a line
# that only looks like one still fails. Written to the kernel log through
# /dev/kmsg.
test_emulator_artifact()
{
	local err at='WARNING: CPU: 0 PID: 1 at arch/x86/kernel/traps.c:1120'

	RET=0
	vm -- sh -c "echo '$at exc_debug_kernel+0xca/0x160' > /dev/kmsg" \
		> /dev/null 2> "$TMP/err"
	check_err $? "vm-run failed on an emulator artifact: $(cat "$TMP/err")"
	err=$(cat "$TMP/err")
	[[ "$err" == *"emulator artifacts"*"exc_debug_kernel"* ]]
	check_err $? "the artifact was not reported: $err"
	vm -- sh -c "echo '$at exc_debug_user+0x1/0x10' > /dev/kmsg" \
		> /dev/null 2> "$TMP/err"
	check_fail $? "vm-run passed a WARN that is not on the ignore list"
	log_test "vm-run: a known emulator artifact is reported, not failed"
}

trap cleanup EXIT
ALL_TESTS="test_exit_status test_timeout test_splat_fails_run test_splat_pinned_on_test
	   test_boot_splat_reboots test_emulator_artifact"
tests_run
exit "$EXIT_STATUS"
