#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent demo (run in the VM by `make demo`): a VM on a bridge tries to
# steal its neighbour's IP address and to change its MAC address; netagent
# blocks it, the counters and a violation event show what happened.

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
export PATH=$ROOT/tools/netagentctl:$PATH
NACTL=netagentctl
VM=na-demo-vm
NB=na-demo-nb
EV=$(mktemp)

run()
{
	echo "# $*"
	"$@" 2>&1 | sed 's/^/  /'
}

cleanup()
{
	[ -n "${MON:-}" ] && kill "$MON" 2> /dev/null
	ip netns del "$VM" 2> /dev/null
	ip netns del "$NB" 2> /dev/null
	ip link del br-demo 2> /dev/null
	rmmod netagent 2> /dev/null
	rm -f "$EV"
}
trap cleanup EXIT

modprobe -a bridge veth || exit 1
insmod "$ROOT/kmod/netagent/netagent.ko" || exit 1
ip netns add "$VM"
ip netns add "$NB"
ip link add br-demo type bridge
ip link add vnet0 type veth peer name eth0 netns "$VM"
ip link add vnet1 type veth peer name eth0 netns "$NB"
for p in vnet0 vnet1; do ip link set "$p" master br-demo up; done
ip link set br-demo up
ip -n "$VM" link set eth0 address 52:54:00:00:00:01 up
ip -n "$VM" addr add 192.0.2.1/24 dev eth0
ip -n "$NB" link set eth0 address 52:54:00:00:00:02 up
ip -n "$NB" addr add 192.0.2.2/24 dev eth0
echo "bridge br-demo: vnet0 = VM 52:54:00:00:00:01 192.0.2.1, vnet1 = neighbour 192.0.2.2"
echo

run "$NACTL" port add vnet0 mac 52:54:00:00:00:01 ip 192.0.2.1 ip 2001:db8::1
run "$NACTL" port show
"$NACTL" monitor > "$EV" &
MON=$!
sleep 0.3

echo "## the VM uses its own address: allowed"
run ip netns exec "$VM" busybox ping -c 1 -W 2 192.0.2.2
echo "## the VM takes 192.0.2.66 and pings from it: its ARP and IP are dropped"
ip -n "$VM" addr add 192.0.2.66/24 dev eth0
ip -n "$VM" neigh flush dev eth0
run ip netns exec "$VM" busybox ping -c 1 -W 2 -I 192.0.2.66 192.0.2.2
echo "## the VM changes its MAC address: everything it sends is dropped"
ip -n "$VM" link set eth0 address 52:54:00:00:00:66
run ip netns exec "$VM" busybox ping -c 1 -W 2 192.0.2.2
ip -n "$VM" link set eth0 address 52:54:00:00:00:01

echo "## counters per drop reason"
run "$NACTL" stats vnet0
echo "## violation events (rate-limited per port)"
sleep 0.5
sort -u "$EV" | sed 's/^/  /'
exit 0
