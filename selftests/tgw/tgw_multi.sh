#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two gateways feed one host at the same time: the host remembers which
# gateway each flow came from and tunnels the replies back to it, so the
# client sees each VIP answer from its own gateway.

ALL_TESTS="test_two_gateways test_flow_moves_gateway"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

VIP2=10.0.0.200

test_two_gateways()
{
	local a b pa pb

	RET=0
	a=$(mktemp)
	b=$(mktemp)
	defer rm -f "$a" "$b"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 4 --hold 4 > "$a" &
	pa=$!
	nsx "$CLI" "$PY" "$PEER" tcp $VIP2 80 --count 4 --hold 4 > "$b" &
	pb=$!
	busywait 10000 sh -c "ip netns exec $H1 $TGWCTL conn show | grep -q 'peer $TGWIP ' && ip netns exec $H1 $TGWCTL conn show | grep -q 'peer $TGWIP2 '"
	check_err $? "host does not hold flows of both gateways"
	log_cmd tgwctl "$H1" conn show
	wait "$pa" "$pb"
	check_eq "$(json errors < "$a")" 0 "flows through gateway 1"
	check_eq "$(json mismatch < "$a")" 0 "peer not VIP 1"
	check_eq "$(json errors < "$b")" 0 "flows through gateway 2"
	check_eq "$(json mismatch < "$b")" 0 "peer not VIP 2"
	check_eq "$(json vm1 < "$b")" 4 "gateway 2 flows on vm1"
	log_test "one host serves flows from two gateways at once"
}

test_flow_moves_gateway()
{
	local udp port

	RET=0
	# The same client flow reaches H1 first via GW2, then via GW (as after
	# an ECMP change): the host follows the flow to the new gateway.
	nsx "$GW2" "$PY" "$PEER" ipip 192.168.1.2 10.0.2.2 10.1.1.2 udp 5000 8080 \
		--src $TGWIP2 > /dev/null
	busywait 3000 sh -c "ip netns exec $H1 $TGWCTL conn show | grep -q 'udp 10.0.2.2:5000 .*peer $TGWIP2 '"
	check_err $? "flow via gateway 2 not tracked"
	nsx "$GW" "$PY" "$PEER" ipip 192.168.1.2 10.0.2.2 10.1.1.2 udp 5000 8080 \
		--src $TGWIP > /dev/null
	busywait 3000 sh -c "ip netns exec $H1 $TGWCTL conn show | grep -q 'udp 10.0.2.2:5000 .*peer $TGWIP '"
	check_err $? "host did not follow the flow to gateway 1"
	log_test "host follows a flow to the gateway it now comes from"
}

tgw_require
trap cleanup EXIT
tgw_setup && tgw_setup2 || ktap_skip_all "topology setup failed"
ip -n "$CLI" route add $VIP2/32 via 10.0.2.1
serve "$VM1" vm1 8080
serve "$VM2" vm2 8080
vip_service 80 tcp || exit 1
tgwctl "$GW2" service add $VIP2:80 proto tcp &&
tgwctl "$GW2" dest add $VIP2:80 proto tcp host 192.168.1.2 vm 10.1.1.2:8080 ||
	exit 1
tests_run
exit "$EXIT_STATUS"
