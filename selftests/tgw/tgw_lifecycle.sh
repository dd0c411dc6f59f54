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

SCALE=${CLOUDPLANE_TIMEOUT_SCALE:-1}

# start_traffic: six TCP flows held open through the gateway
start_traffic()
{
	local err

	serve "$VM1" vm1 8080 && serve "$VM2" vm2 8080
	check_err $? "echo servers"
	vip_service 80 tcp && vip_service 53 udp
	check_err $? "services"
	err=$(mktemp)
	defer rm -f "$err"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 6 --hold $((30 * SCALE)) \
		> /dev/null 2> "$err" &
	busywait 10000 sh -c "[ \$(ip netns exec $GW $TGWCTL conn show | grep -c established) -ge 6 ]"
	check_err $? "six flows established: $(head -c 300 "$err" | xargs) $(tgwctl "$GW" conn show | head -n 8 | xargs)"
}

test_netns_delete()
{
	RET=0
	tgw_setup
	check_err $? "setup"
	start_traffic
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
	tgw_setup
	check_err $? "setup"
	start_traffic
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
