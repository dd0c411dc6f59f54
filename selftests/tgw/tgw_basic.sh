#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# End to end through the VIP (topology in topo.sh): TCP and UDP reach both
# VMs, the client only ever sees vip:vport, the VMs see the real client,
# both tables list the flows, and tunnelled replies without a connection
# are dropped and counted.

ALL_TESTS="test_tcp test_udp test_conn_tables test_unknown_reply
	   test_host_bad_peer test_fragments"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

test_tcp()
{
	local out

	RET=0
	out=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 6)
	check_err $? "tcp client failed"
	log_info "$out"
	check_eq "$(echo "$out" | json errors)" 0 "tcp errors"
	check_eq "$(echo "$out" | json mismatch)" 0 "client saw a peer other than the VIP"
	check_eq "$(echo "$out" | json vm1)" 3 "connections on vm1 (wrr 1:1)"
	check_eq "$(echo "$out" | json vm2)" 3 "connections on vm2 (wrr 1:1)"
	echo "$out" | json peers | tr ' ' '\n' | grep -qv '^10\.0\.1\.2:'
	check_fail $? "a VM saw a client address other than 10.0.1.2"
	log_test "tcp through the VIP: both VMs, client sees only vip:vport"
}

test_udp()
{
	local out

	RET=0
	out=$(nsx "$CLI" "$PY" "$PEER" udp $VIP 53 --count 4)
	check_err $? "udp client failed"
	log_info "$out"
	check_eq "$(echo "$out" | json errors)" 0 "udp errors"
	check_eq "$(echo "$out" | json mismatch)" 0 "reply not from the VIP"
	check_eq "$(( $(echo "$out" | json vm1) + $(echo "$out" | json vm2) ))" 4 \
		"udp answers"
	log_test "udp through the VIP"
}

test_conn_tables()
{
	local n

	RET=0
	n=$(tgwctl "$GW" conn show proto udp | grep -c "vip $VIP:53 ")
	check_eq "$n" 4 "gateway udp conns"
	n=$(tgwctl "$GW" conn show proto tcp vip $VIP:80 | grep -c " vm 10.1.[12].2:8080 ")
	check_eq "$n" 6 "gateway tcp conns"
	n=$(tgwctl "$H1" conn show proto tcp | grep -c "peer $TGWIP ")
	[ "$n" -ge 2 ]
	check_err $? "host 1 tcp conns towards the gateway: $n"
	tgwctl "$GW" -j conn show | "$PY" -c 'import json,sys; c=json.load(sys.stdin); sys.exit(not all(x["vip"] == "10.0.0.100" for x in c))'
	check_err $? "json conn list"
	check_eq "$(stat "$GW" conns)" 10 "connections counted"
	log_cmd tgwctl "$GW" conn show
	log_cmd tgwctl "$H1" conn show
	log_test "connection tables on gateway and host"
}

test_unknown_reply()
{
	local before after

	RET=0
	before=$(stat_drop "$GW" no_conn)
	nsx "$H1" "$PY" "$PEER" ipip $TGWIP 10.1.1.2 10.0.1.2 tcp 8080 4444 \
		--count 3 > /dev/null
	check_err $? "cannot send IPIP"
	busywait 2000 sh -c "[ \$(ip netns exec $GW $TGWCTL -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"stats\"][\"drops\"][\"no_conn\"])') -ge $((before + 3)) ]"
	check_err $? "no_conn drops not counted"
	after=$(stat_drop "$GW" no_conn)
	check_eq "$after" $((before + 3)) "no_conn drops"
	log_test "tunnelled reply without a connection dropped and counted"
}

test_host_bad_peer()
{
	local before

	RET=0
	before=$(stat_drop "$H1" bad_peer)
	# From H2's address space: GW forwards 192.168.2.2 -> 192.168.1.2.
	nsx "$H2" "$PY" "$PEER" ipip 192.168.1.2 10.0.1.2 10.1.1.2 tcp 4444 8080 \
		--flags 2 > /dev/null
	busywait 2000 sh -c "[ \$(ip netns exec $H1 $TGWCTL -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"stats\"][\"drops\"][\"bad_peer\"])') -gt $before ]"
	check_err $? "IPIP from a non-gateway not dropped as bad_peer"
	log_test "host drops IPIP from unknown gateways"
}

test_fragments()
{
	local out

	RET=0
	# 3000 bytes without DF: the client sends fragments; the gateway
	# reassembles, tunnels (the outer packet is fragmented again), the
	# host reassembles and the VM answers.
	out=$(nsx "$CLI" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER: IP_PMTUDISC_DONT
s.settimeout(5)
s.sendto(b"x" * 3000, ("10.0.0.100", 53))
data, addr = s.recvfrom(100)
print(addr[0], addr[1], data.decode().split()[0])')
	check_err $? "no answer to a fragmented datagram"
	echo "$out" | grep -q "^10.0.0.100 53 vm[12]$"
	check_err $? "answer: $out"
	log_test "fragmented datagram to the VIP reassembled and answered"
}

tgw_require
trap cleanup EXIT
tgw_setup || ktap_skip_all "topology setup failed"
serve "$VM1" vm1 8080
serve "$VM2" vm2 8080
vip_service 80 tcp && vip_service 53 udp || exit 1
# a reset flow (rare, under load) must stay listed for the table test
tgwctl "$GW" service set $VIP:80 proto tcp timeout close 120 || exit 1
tests_run
exit "$EXIT_STATUS"
