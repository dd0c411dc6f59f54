#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Big packets through the tunnel: large GSO transfers arrive intact both
# ways (sha256 of an echoed stream), SYNs get their MSS clamped to the
# tunnel MTU by default, and with the clamp raised on purpose a DF packet
# too big for the tunnel earns the client an ICMP fragmentation-needed with
# MTU - 20, after which the transfer succeeds.

ALL_TESTS="test_gso_transfer test_mss_clamp test_pmtu_udp test_pmtu_tcp"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

test_gso_transfer()
{
	local out

	RET=0
	out=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 2 --bytes 4000000)
	log_info "$out"
	check_eq "$(echo "$out" | json errors)" 0 "echo of 4 MB failed or differed"
	log_test "4 MB each way per connection, data verified (GSO on veth)"
}

test_mss_clamp()
{
	local cap pid

	RET=0
	ip -n "$GW" link set h1 mtu 1400 && ip -n "$H1" link set eth0 mtu 1400 &&
	ip -n "$GW" link set h2 mtu 1400 && ip -n "$H2" link set eth0 mtu 1400
	check_err $? "set MTU"
	cap=$(mktemp)
	defer rm -f "$cap"
	nsx "$VM1" tcpdump -l -n -v -i eth0 -c 1 'tcp[tcpflags] == tcp-syn' \
		> "$cap" 2> /dev/null &
	pid=$!
	sleep 1
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 2 > /dev/null
	busywait 5000 grep -q mss "$cap"
	kill "$pid" 2> /dev/null
	log_cmd cat "$cap"
	grep -q "mss 1340" "$cap"
	check_err $? "SYN at the VM not clamped to 1400 - 20 - 40"
	log_test "SYN MSS clamped to the tunnel MTU"
}

test_pmtu_udp()
{
	local before out

	RET=0
	before=$(stat_drop "$GW" too_big)
	out=$(nsx "$CLI" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER, IP_PMTUDISC_DO
s.settimeout(3)
s.connect(("10.0.0.100", 53))
s.send(b"x" * 1450)
try:
    s.recv(100)
except OSError:
    pass
print(s.getsockopt(socket.IPPROTO_IP, 14))')  # IP_MTU
	check_eq "$out" 1380 "client path MTU to the VIP"
	check_eq "$(stat_drop "$GW" too_big)" $((before + 1)) "too_big drops"
	out=$(nsx "$CLI" "$PY" "$PEER" udp $VIP 53 --count 1)
	check_eq "$(echo "$out" | json errors)" 0 "small datagram after PMTU"
	log_test "DF datagram over the tunnel MTU: frag-needed 1380 to the client"
}

test_pmtu_tcp()
{
	local out ns

	RET=0
	# An explicit MSS above the path, full-size links (so the hosts clamp
	# the VMs' SYN-ACKs to 1440) and a 1400-byte route from the gateway
	# to the hosts: the client's DF segments hit the 1380-byte
	# gateway->host tunnel. Not a smaller MTU on the gateway's end of a
	# veth only: the hosts' full-size packets to it would be dropped
	# silently (all but GSO ones), and the VMs' echo with them.
	ip -n "$GW" link set h1 mtu 1500 && ip -n "$GW" link set h2 mtu 1500 &&
	ip -n "$H1" link set eth0 mtu 1500 && ip -n "$H2" link set eth0 mtu 1500 &&
	ip -n "$GW" route replace 192.168.1.0/24 dev h1 src 192.168.1.1 mtu 1400 &&
	ip -n "$GW" route replace 192.168.2.0/24 dev h2 src 192.168.2.1 mtu 1400
	check_err $? "link MTUs, route MTU to the hosts"
	ip -n "$GW" route flush cache
	tgwctl "$GW" service set $VIP:80 proto tcp mss 1460
	check_err $? "mss 1460"
	ip -n "$CLI" route flush cache
	out=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 1 --bytes 200000)
	log_info "$out"
	check_eq "$(echo "$out" | json errors)" 0 "transfer after frag-needed"
	if [ "$RET" -ne 0 ]; then
		# which side stopped: retransmissions, ICMP seen, drops
		for ns in "$CLI" "$VM1" "$VM2"; do
			log_info "$ns: $(nsx "$ns" nstat -az TcpRetransSegs \
				TcpExtTCPTimeouts IcmpInDestUnreachs TcpExtTCPLossProbes \
				2> /dev/null | awk 'NR > 1 { printf "%s=%s ", $1, $2 }')"
		done
		log_cmd tgwctl "$GW" stats
		log_cmd tgwctl "$H1" stats
		log_cmd tgwctl "$H2" stats
		log_cmd ip -n "$CLI" route get $VIP
	fi
	ip -n "$CLI" route get $VIP | grep -q "mtu 1380"
	check_err $? "no PMTU exception on the client: $(ip -n "$CLI" route get $VIP)"
	log_test "TCP with DF over the tunnel MTU: PMTU discovery then success"
}

tgw_require
require_cmd tcpdump
trap cleanup EXIT
tgw_setup || ktap_skip_all "topology setup failed"
serve "$VM1" vm1 8080
serve "$VM2" vm2 8080
vip_service 80 tcp && vip_service 53 udp || exit 1
tests_run
exit "$EXIT_STATUS"
