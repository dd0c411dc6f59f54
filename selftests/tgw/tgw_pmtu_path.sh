#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A router between gateway and host with a smaller MTU: it answers the
# gateway's DF tunnel packets with frag-needed; the gateway learns the
# tunnel's path MTU and tells the client (MTU - 20), whose next datagrams
# fit and get answered.
#
#  CLI 10.0.1.2 -- 10.0.1.1 GW 192.168.1.1 -- 192.168.1.254 R 192.168.9.254
#      -- (mtu 1300) -- 192.168.9.2 H 10.1.1.1 -- 10.1.1.2 VM

ALL_TESTS="test_tunnel_pmtu"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

setup()
{
	setup_ns CLI GW R H VM || return 1
	veth "$CLI" eth0 "$GW" c0 && veth "$GW" r0 "$R" g0 &&
	veth "$R" h0 "$H" eth0 && veth "$H" vm "$VM" eth0 || return 1
	ip -n "$CLI" addr add 10.0.1.2/24 dev eth0
	ip -n "$CLI" route add default via 10.0.1.1
	ip -n "$GW" addr add 10.0.1.1/24 dev c0
	ip -n "$GW" addr add 192.168.1.1/24 dev r0
	ip -n "$GW" addr add $TGWIP/32 dev lo
	ip -n "$GW" route add 192.168.9.0/24 via 192.168.1.254
	ip -n "$R" addr add 192.168.1.254/24 dev g0
	ip -n "$R" addr add 192.168.9.254/24 dev h0
	ip -n "$R" route add $TGWIP/32 via 192.168.1.1
	ip -n "$R" link set h0 mtu 1300
	ip -n "$H" link set eth0 mtu 1300
	ip -n "$H" addr add 192.168.9.2/24 dev eth0
	ip -n "$H" addr add 10.1.1.1/24 dev vm
	ip -n "$H" route add default via 192.168.9.254
	ip -n "$VM" addr add 10.1.1.2/24 dev eth0
	ip -n "$VM" route add default via 10.1.1.1
	router "$GW"
	router "$R"
	router "$H"
	tgwctl "$GW" role gateway addr $TGWIP &&
	tgwctl "$H" role host addr 192.168.9.2 gateway $TGWIP &&
	tgwctl "$GW" service add $VIP:53 proto udp &&
	tgwctl "$GW" dest add $VIP:53 proto udp host 192.168.9.2 \
		vm 10.1.1.2:8080
}

test_tunnel_pmtu()
{
	local out

	RET=0
	out=$(nsx "$CLI" "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER: IP_PMTUDISC_DO
s.settimeout(2)
s.connect(("10.0.0.100", 53))
got = None
for size in (1400, 1400, 1400, 1200):
    try:
        s.send(b"x" * size)
        got = s.recv(100).decode().split()[0]
    except OSError:
        pass
    time.sleep(0.3)
print(s.getsockopt(socket.IPPROTO_IP, 14), got)')
	log_info "client: $out"
	check_eq "$out" "1280 vm1" "client path MTU and answer"
	tgwctl "$GW" -j stats | "$PY" -c 'import json,sys; sys.exit(json.load(sys.stdin)["stats"]["drops"]["too_big"] < 1)'
	check_err $? "no too_big drop on the gateway"
	log_test "router frag-needed on the tunnel path reaches the client as MTU - 20"
}

tgw_require
trap cleanup EXIT
setup || ktap_skip_all "topology setup failed"
serve "$VM" vm1 8080
tests_run
exit "$EXIT_STATUS"
