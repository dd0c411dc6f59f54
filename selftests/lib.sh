# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for cloudplane selftests (sourced, not run). Shaped after
# tools/testing/selftests/net/lib.sh and net/forwarding/lib.sh:
#
#	ALL_TESTS="test_a test_b"
#	. "$(dirname "$0")/../lib.sh"
#	test_a() { RET=0; cmd; check_err $? "cmd failed"; log_test "a works"; }
#	trap cleanup EXIT
#	tests_run
#	exit "$EXIT_STATUS"
#
# Output is TAP 13: one "ok N name" / "not ok N name" line per log_test and
# the plan at the end. Exit status: 0 pass, 1 fail, 4 skip (kselftest).

ksft_pass=0
ksft_fail=1
ksft_xfail=2
ksft_skip=4

SELFTESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SELFTESTS_DIR/.." && pwd)
# Where load_module finds our .ko files: a debug-kernel build keeps its own
# (scripts/check-debug sets CLOUDPLANE_KMOD_DIR).
KMOD_DIR=${CLOUDPLANE_KMOD_DIR:-$REPO_DIR/kmod}
TOOLS_DIR=$REPO_DIR/tools

EXIT_STATUS=0
RET=0
RETVAL=
TEST_NUM=0
NUM_PASS=0
NUM_FAIL=0
NUM_SKIP=0
NS_LIST=()
CLEANUP_CMDS=()

echo "TAP version 13"

# ---- diagnostics ---------------------------------------------------------

log_info()
{
	echo "# $*"
}

# Print a command's output as TAP diagnostics.
log_cmd()
{
	"$@" 2>&1 | sed 's/^/# /'
	return "${PIPESTATUS[0]}"
}

# ---- whole-script skips ----------------------------------------------------

ktap_skip_all()
{
	echo "1..0 # SKIP $*"
	exit "$ksft_skip"
}

require_root()
{
	[ "$(id -u)" = 0 ] || ktap_skip_all "needs root"
}

require_cmd()
{
	local cmd

	for cmd in "$@"; do
		command -v "$cmd" > /dev/null 2>&1 ||
			ktap_skip_all "'$cmd' not installed"
	done
}

# require_vm: tests that load modules or touch the kernel run only in the
# test VM (scripts/vm-run sets CLOUDPLANE_IN_VM).
require_vm()
{
	[ -n "${CLOUDPLANE_IN_VM:-}" ] ||
		ktap_skip_all "runs only inside the test VM (scripts/vm-run)"
}

require_module()
{
	local m

	for m in "$@"; do
		modprobe -q "$m" 2> /dev/null ||
			ktap_skip_all "kernel module '$m' not available"
	done
}

# ---- per-test result bookkeeping -------------------------------------------

# check_err ERR MSG: fail the current test if ERR is non-zero.
check_err()
{
	local err=$1
	local msg=$2

	if [ "$RET" -eq 0 ] && [ "$err" -ne 0 ]; then
		RET=$err
		RETVAL=$msg
	fi
}

# check_fail ERR MSG: fail the current test if ERR is zero (the command
# was expected to fail).
check_fail()
{
	local err=$1
	local msg=$2

	if [ "$RET" -eq 0 ] && [ "$err" -eq 0 ]; then
		RET=1
		RETVAL=$msg
	fi
}

# check_eq GOT WANT MSG
check_eq()
{
	if [ "$RET" -eq 0 ] && [ "$1" != "$2" ]; then
		RET=1
		RETVAL="$3 (got '$1', want '$2')"
	fi
}

# log_test NAME: report the current test from RET, then reset RET.
log_test()
{
	local name=$1

	TEST_NUM=$((TEST_NUM + 1))
	if [ "$RET" -eq "$ksft_skip" ]; then
		echo "ok $TEST_NUM $name # SKIP $RETVAL"
		NUM_SKIP=$((NUM_SKIP + 1))
	elif [ "$RET" -ne 0 ]; then
		echo "not ok $TEST_NUM $name"
		[ -n "$RETVAL" ] && echo "# $RETVAL"
		NUM_FAIL=$((NUM_FAIL + 1))
		EXIT_STATUS=$ksft_fail
	else
		echo "ok $TEST_NUM $name"
		NUM_PASS=$((NUM_PASS + 1))
	fi
	RET=0
	RETVAL=
}

# log_test_skip NAME WHY
log_test_skip()
{
	RET=$ksft_skip
	RETVAL=$2
	log_test "$1"
}

# tests_run: run every function named in ALL_TESTS (or TESTS, to pick),
# then print the plan and set EXIT_STATUS (4 when everything skipped).
tests_run()
{
	local t

	for t in ${TESTS:-$ALL_TESTS}; do
		"$t"
	done
	echo "1..$TEST_NUM"
	echo "# $NUM_PASS passed, $NUM_FAIL failed, $NUM_SKIP skipped"
	if [ "$NUM_FAIL" -eq 0 ] && [ "$NUM_PASS" -eq 0 ] && [ "$NUM_SKIP" -gt 0 ]; then
		EXIT_STATUS=$ksft_skip
	fi
}

# ---- waiting --------------------------------------------------------------

# busywait TIMEOUT_MS CMD [ARGS...]: run CMD until it succeeds or the time
# is up; returns CMD's last status. The time is scaled by
# CLOUDPLANE_TIMEOUT_SCALE (the debug kernel runs about 5 times slower).
busywait()
{
	local timeout_ms=$(($1 * ${CLOUDPLANE_TIMEOUT_SCALE:-1}))
	local start now ret

	shift
	start=$(date +%s%3N)
	while :; do
		"$@"
		ret=$?
		[ "$ret" -eq 0 ] && return 0
		now=$(date +%s%3N)
		[ $((now - start)) -ge "$timeout_ms" ] && return "$ret"
		sleep 0.05
	done
}

# ---- network namespaces ----------------------------------------------------

# setup_ns VAR...: create one netns per VAR with a random suffix, store its
# name in VAR, bring lo up. Every namespace is removed by cleanup_all_ns.
setup_ns()
{
	local var name

	for var in "$@"; do
		name=$var-$(mktemp -u XXXXXX)
		ip netns add "$name" || return 1
		ip -n "$name" link set lo up
		NS_LIST+=("$name")
		eval "$var=$name"
	done
}

cleanup_all_ns()
{
	local ns

	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2> /dev/null
	done
	NS_LIST=()
}

# defer CMD...: run CMD at cleanup, last registered first.
defer()
{
	local cmd

	printf -v cmd '%q ' "$@"
	CLEANUP_CMDS+=("$cmd")
}

cleanup()
{
	local i

	for ((i = ${#CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_CMDS[i]}" > /dev/null 2>&1
	done
	CLEANUP_CMDS=()
	cleanup_all_ns
}

# ---- our modules ---------------------------------------------------------

# our_modules: the module names of this tree, one per line (the obj-m of
# each kmod/*/Kbuild).
our_modules()
{
	sed -n 's/^obj-m[[:space:]]*[:+]\?=[[:space:]]*\([A-Za-z0-9_-]*\)\.o.*/\1/p' \
		"$REPO_DIR"/kmod/*/Kbuild 2> /dev/null
}

# load_module NAME [PARAMS...]: insmod kmod/NAME/NAME.ko from this tree
# (reloading it when loaded), remove it at cleanup.
load_module()
{
	local name=$1
	local ko dep

	shift
	ko=$(find "$KMOD_DIR" -name "$name.ko" -print -quit 2> /dev/null)
	[ -n "$ko" ] || ktap_skip_all "$name.ko not built (run make)"
	if grep -q "^${name//-/_} " /proc/modules; then
		rmmod "$name" || return 1
	fi
	# insmod does not load dependencies: modprobe them first.
	for dep in $(modinfo -F depends "$ko" 2> /dev/null | tr , ' '); do
		modprobe -q "$dep" || return 1
	done
	insmod "$ko" "$@" || return 1
	defer rmmod "$name"
}

# ---- fault injection (debug kernel only) ----------------------------------

FAULT_DEBUGFS=/sys/kernel/debug

# fault_inject_setup: make failslab and fail_page_alloc fail only through
# /proc/<tid>/fail-nth, and only for allocations whose call stack passes
# through module code (the debug kernel has everything else built in, so
# the module area holds only our modules). Skips the whole test without
# fault injection support.
fault_inject_setup()
{
	local a start

	for a in failslab fail_page_alloc; do
		[ -d "$FAULT_DEBUGFS/$a" ] ||
			ktap_skip_all "no $a (needs the debug kernel: make check-debug)"
	done
	[ -w /proc/self/fail-nth ] || ktap_skip_all "no /proc/self/fail-nth"
	[ -f "$FAULT_DEBUGFS/failslab/require-start" ] ||
		ktap_skip_all "no stacktrace filter (FAULT_INJECTION_STACKTRACE_FILTER)"
	# Everything above the kernel image up to the fixmap: the module area.
	start=$(awk '$3 == "_end" { print "0x" $1 }' /proc/kallsyms)
	[ -n "$start" ] && [ "$start" != 0x0000000000000000 ] ||
		ktap_skip_all "cannot read _end from /proc/kallsyms"
	for a in failslab fail_page_alloc; do
		echo 0 > "$FAULT_DEBUGFS/$a/probability"
		echo N > "$FAULT_DEBUGFS/$a/task-filter"
		echo -1 > "$FAULT_DEBUGFS/$a/times"
		echo 1 > "$FAULT_DEBUGFS/$a/verbose"
		echo N > "$FAULT_DEBUGFS/$a/ignore-gfp-wait"
		printf '%u\n' "$start" > "$FAULT_DEBUGFS/$a/require-start" || return 1
		printf '%u\n' 0xffffffffff000000 > "$FAULT_DEBUGFS/$a/require-end" || return 1
		echo 10 > "$FAULT_DEBUGFS/$a/stacktrace-depth"
	done
	echo N > "$FAULT_DEBUGFS/failslab/cache-filter"
	echo 0 > "$FAULT_DEBUGFS/fail_page_alloc/min-order"
	echo N > "$FAULT_DEBUGFS/fail_page_alloc/ignore-gfp-highmem"
}

FAULT_NTH_SO=$SELFTESTS_DIR/faultinject/lib/fail_nth.so

# fault_inject_each MAX CMD [ARGS...]: run CMD (a dynamically linked
# program) MAX times at most, the n-th run with the n-th allocation inside
# our modules failing, until a run makes fewer than n such allocations.
# fail_nth.so (LD_PRELOAD) arms fail-nth after exec and reports at exit
# whether the n-th point was reached. After each run, "$FAULT_AFTER" (a
# command that checks state and cleans up) runs with FAULT_RC set to CMD's
# status; a non-zero return ends the loop and fails. Sets FAULT_POINTS to
# the number of points that failed. Returns 0, or 1 (FAULT_AFTER failed),
# or 2 (MAX reached).
fault_inject_each()
{
	local max=$1 nth report left t0

	shift
	[ -f "$FAULT_NTH_SO" ] || { log_info "$FAULT_NTH_SO not built"; return 1; }
	report=$(mktemp)
	FAULT_POINTS=0
	t0=$(date +%s)
	for ((nth = 1; nth <= max; nth++)); do
		# progress, for the slow debug kernel
		[ $((nth % 50)) -eq 0 ] &&
			log_info "fault injection: run $nth of '$1', $(($(date +%s) - t0)) s"
		: > "$report"
		LD_PRELOAD=$FAULT_NTH_SO FAIL_NTH=$nth FAIL_NTH_REPORT=$report \
			"$@" > /dev/null 2>&1
		FAULT_RC=$?
		left=
		read -r left < "$report"
		if [ -n "${FAULT_AFTER:-}" ] && ! $FAULT_AFTER; then
			log_info "fault injection: check failed after failing allocation #$nth of '$*'"
			rm -f "$report"
			return 1
		fi
		# Nothing left to fail: this run made fewer than nth allocations.
		if [ -n "$left" ] && [ "$left" != 0 ]; then
			rm -f "$report"
			return 0
		fi
		FAULT_POINTS=$nth
	done
	rm -f "$report"
	log_info "fault injection: '$*' still reaching injection points after $max runs"
	return 2
}
