#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fault injection over module load, for every module of ours: the n-th
# allocation made from module code fails (failslab + fail_page_alloc through
# fail-nth, restricted to the module area), for every n until loading
# succeeds untouched. Each failure must end in a clean insmod error or a
# loaded module that unloads; no splat (selftests/run.sh) and no leak
# (kmemleak scan by run.sh -k in `make check-debug`). Needs the debug kernel;
# skips elsewhere. Per-module tests use fault_inject_each the same way for
# netlink configuration and table construction.

. "$(dirname "$0")/../lib.sh"

require_vm
require_root
fault_inject_setup || exit 1

mapfile -t MODS < <(our_modules)
[ ${#MODS[@]} -gt 0 ] || ktap_skip_all "no modules in kmod/ yet"

# After each insmod: either it failed and nothing is left, or it loaded
# and must unload.
after_insmod()
{
	local name=${CUR_MOD//-/_}

	if grep -q "^$name " /proc/modules; then
		rmmod "$CUR_MOD" || return 1
	fi
	return 0
}

test_module_load()
{
	local ko

	RET=0
	ko=$(find "$KMOD_DIR" -name "$CUR_MOD.ko" -print -quit)
	if [ -z "$ko" ]; then
		log_test_skip "$CUR_MOD: load with each allocation failing" "$CUR_MOD.ko not built"
		return
	fi
	grep -q "^${CUR_MOD//-/_} " /proc/modules && rmmod "$CUR_MOD"
	FAULT_AFTER=after_insmod fault_inject_each 2000 insmod "$ko"
	check_err $? "load/unload under fault injection"
	log_info "$CUR_MOD: $FAULT_POINTS injection points on load"
	insmod "$ko"
	check_err $? "$CUR_MOD does not load after the fault runs"
	rmmod "$CUR_MOD"
	check_err $? "$CUR_MOD does not unload"
	log_test "$CUR_MOD: load with each allocation failing in turn"
}

trap cleanup EXIT
for CUR_MOD in "${MODS[@]}"; do
	test_module_load
done
ALL_TESTS=
tests_run
exit "$EXIT_STATUS"
