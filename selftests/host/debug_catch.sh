#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side, for `make check-debug` only: the debug kernel catches each bug
# of the deliberately broken module selftests/harness/broken_mod (KASAN a
# use-after-free, lockdep a lock inversion, kmemleak a leak), and vm-run
# fails the run with that report. scripts/check-debug sets
# CLOUDPLANE_DEBUG_KBUILD and builds the module; elsewhere this skips.

. "$(dirname "$0")/../lib.sh"

KBUILD=${CLOUDPLANE_DEBUG_KBUILD:-}
[ -n "$KBUILD" ] || ktap_skip_all "only with the debug kernel (make check-debug)"
KO=${CLOUDPLANE_BROKEN_KO:-}
[ -f "$KO" ] || ktap_skip_all "cp_broken.ko not built"
REL=$(cat "$KBUILD/include/config/kernel.release")
TMP=$(mktemp -d)
defer rm -rf "$TMP"
trap cleanup EXIT

# catch BUG WANT: trigger BUG in the debug VM; vm-run must fail and report
# a splat line matching WANT.
catch()
{
	local bug=$1 want=$2 extra=

	RET=0
	if [ "$bug" = leak ]; then
		# kmemleak reports objects unreferenced for 5 s, over two scans
		extra="; sleep 6; echo scan > /sys/kernel/debug/kmemleak; \
		       echo scan > /sys/kernel/debug/kmemleak"
	fi
	VM_RUN_QUIET=1 "$REPO_DIR/scripts/vm-run" --kernel "$KBUILD/arch/x86/boot/bzImage" \
		--modules "$KBUILD/modroot/lib/modules/$REL" --mem 2G --out "$TMP/$bug" -- \
		sh -c "insmod $KO && echo 1 > /sys/kernel/debug/cp_broken/$bug $extra; exit 0" \
		> /dev/null 2> "$TMP/$bug.err"
	check_fail $? "vm-run passed although the module's $bug bug ran"
	grep -qE "$want" "$TMP/$bug.err"
	check_err $? "no '$want' report: $(head -c 600 "$TMP/$bug.err")"
	log_test "debug kernel catches a $bug: $want"
}

ALL_TESTS="t_uaf t_abba t_leak"
t_uaf() { catch uaf 'BUG: KASAN: .*use-after-free.*cp_broken_uaf'; }
t_abba() { catch abba 'possible circular locking dependency'; }
t_leak() { catch leak 'kmemleak: [0-9]+ new suspected memory leak'; }
tests_run
exit "$EXIT_STATUS"
