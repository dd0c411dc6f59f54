#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors about tracked flows are translated both ways: a VM's "port
# unreachable" reaches the client as an error about vip:vport (the client's
# socket sees ECONNREFUSED), and a client's "port unreachable" about a
# reply reaches the VM quoting vmip:vmport.

ALL_TESTS="test_icmp_to_client test_icmp_to_vm"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

test_icmp_to_client()
{
	local out

	RET=0
	# VIP:54 goes to a port nobody listens on
	tgwctl "$GW" service add $VIP:54 proto udp &&
	tgwctl "$GW" dest add $VIP:54 proto udp host 192.168.1.2 vm 10.1.1.2:9999
	check_err $? "config"
	out=$(nsx "$CLI" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.connect(("10.0.0.100", 54))
s.send(b"x")
try:
    s.recv(100)
    print("answer")
except ConnectionRefusedError:
    print("refused")
except OSError as e:
    print(e)')
	check_eq "$out" refused "client socket error"
	log_test "VM port unreachable reaches the client about vip:vport"
}

test_icmp_to_vm()
{
	local cap pid

	RET=0
	cap=$(mktemp)
	defer rm -f "$cap"
	nsx "$VM1" tcpdump -l -n -v -i eth0 -c 1 icmp > "$cap" 2> /dev/null &
	pid=$!
	sleep 1
	# send from a socket closed before the answer: the client's stack
	# answers the VM's reply with port unreachable (to the VIP)
	nsx "$CLI" "$PY" -c '
import socket, time
for i in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"x", ("10.0.0.100", 53))
    s.close()
    time.sleep(0.3)'
	busywait 5000 grep -q unreachable "$cap"
	check_err $? "no ICMP at the VM"
	kill "$pid" 2> /dev/null
	log_cmd cat "$cap"
	grep -q "10.0.1.2 > 10.1.1.2: ICMP 10.0.1.2 udp port [0-9]* unreachable" "$cap"
	check_err $? "outer header not translated"
	grep -q "10.1.1.2.8080 > 10.0.1.2.[0-9]*: \[udp sum ok\]\|10.1.1.2.8080 > 10.0.1.2.[0-9]*: UDP" "$cap"
	check_err $? "quoted packet not translated to vmip:vmport"
	log_test "client port unreachable reaches the VM about vmip:vmport"
}

tgw_require
require_cmd tcpdump
trap cleanup EXIT
tgw_setup || ktap_skip_all "topology setup failed"
serve "$VM1" vm1 8080
tgwctl "$GW" service add $VIP:53 proto udp &&
tgwctl "$GW" dest add $VIP:53 proto udp host 192.168.1.2 vm 10.1.1.2:8080 ||
	exit 1
tests_run
exit "$EXIT_STATUS"
