#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tear-down with live flows: deleting the gateway's and a host's network
# namespaces while traffic runs, then unloading the module with flows and
# configuration in place, must leave a clean kernel log (checked by the
# runner) and no leaked module references.

ALL_TESTS="test_netns_delete test_unload_busy"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

start_traffic()
{
	serve "$VM1" vm1 8080
	serve "$VM2" vm2 8080
	vip_service 80 tcp && vip_service 53 udp || return 1
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 6 --hold 30 \
		> /dev/null 2>&1 &
	busywait 10000 sh -c "[ \$(ip netns exec $GW $TGWCTL conn show | grep -c established) -ge 6 ]"
}

test_netns_delete()
{
	RET=0
	tgw_setup && start_traffic
	check_err $? "setup with traffic"
	# no process lives in GW or H1: their namespaces go right away
	ip netns del "$GW"
	check_err $? "delete gateway netns"
	ip netns del "$H1"
	check_err $? "delete host netns"
	sleep 2
	tgw_teardown
	setup_ns NS
	tgwctl "$NS" role show > /dev/null
	check_err $? "module unusable after netns deletion"
	cleanup_all_ns
	log_test "netns deletion with live flows"
}

test_unload_busy()
{
	RET=0
	tgw_setup && start_traffic
	check_err $? "setup with traffic"
	nsx "$CLI" "$PY" "$PEER" udp $VIP 53 --count 20 --timeout 0.2 \
		> /dev/null 2>&1 &
	rmmod tgw
	check_err $? "rmmod with live flows"
	wait $!
	tgw_teardown
	load_module tgw
	check_err $? "reload"
	log_test "module unload with live flows and configuration"
}

tgw_require
trap cleanup EXIT
tests_run
exit "$EXIT_STATUS"
