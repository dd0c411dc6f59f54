#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tgw demo (run in the VM by `make demo`): a client curls a VIP served by
# two VMs on two hosts behind one gateway; the client only sees the VIP,
# the VMs see the client, and the gateway's connection table shows where
# each flow went.

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
export PATH=$ROOT/tools/tgwctl:$PATH
TGWCTL=tgwctl
PY=/usr/bin/python3
NS="tgwd-cli tgwd-gw tgwd-h1 tgwd-h2 tgwd-vm1 tgwd-vm2"
PIDS=()

run()
{
	local ns=$1

	shift
	echo "[${ns#tgwd-}]# $*"
	ip netns exec "$ns" "$@" 2>&1 | sed 's/^/  /'
}

cleanup()
{
	local p ns

	for p in "${PIDS[@]}"; do
		kill "$p" 2> /dev/null
	done
	for ns in $NS; do
		ip netns del "$ns" 2> /dev/null
	done
	rmmod tgw 2> /dev/null
}
trap cleanup EXIT

veth()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

modprobe -a veth nf_defrag_ipv4 || exit 1
insmod "$ROOT/kmod/tgw/tgw.ko" || exit 1
for ns in $NS; do
	ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
done
veth tgwd-cli eth0 tgwd-gw c0
ip -n tgwd-cli addr add 10.0.1.2/24 dev eth0
ip -n tgwd-cli route add default via 10.0.1.1
ip -n tgwd-gw addr add 10.0.1.1/24 dev c0
ip -n tgwd-gw addr add 10.255.0.1/32 dev lo
for i in 1 2; do
	veth tgwd-gw h$i tgwd-h$i eth0
	ip -n tgwd-gw addr add 192.168.$i.1/24 dev h$i
	ip -n tgwd-h$i addr add 192.168.$i.2/24 dev eth0
	ip -n tgwd-h$i route add 10.255.0.1 via 192.168.$i.1
	veth tgwd-h$i vm tgwd-vm$i eth0
	ip -n tgwd-h$i addr add 10.1.$i.1/24 dev vm
	ip -n tgwd-vm$i addr add 10.1.$i.2/24 dev eth0
	ip -n tgwd-vm$i route add default via 10.1.$i.1
	ip netns exec tgwd-h$i sysctl -qw net.ipv4.ip_forward=1
	mkdir -p "/run/tgwd-vm$i"
	echo "hello from vm$i (10.1.$i.2)" > "/run/tgwd-vm$i/index.html"
	ip netns exec tgwd-vm$i "$PY" -m http.server 8080 --bind 10.1.$i.2 \
		--directory "/run/tgwd-vm$i" > "/run/tgwd-vm$i.log" 2>&1 &
	PIDS+=($!)
done

echo "== topology: client 10.0.1.2 -- gateway (tgwip 10.255.0.1) -- hosts 192.168.{1,2}.2 -- VMs 10.1.{1,2}.2"
run tgwd-gw "$TGWCTL" role gateway addr 10.255.0.1
run tgwd-h1 "$TGWCTL" role host addr 192.168.1.2 gateway 10.255.0.1
run tgwd-h2 "$TGWCTL" role host addr 192.168.2.2 gateway 10.255.0.1
run tgwd-gw "$TGWCTL" service add 10.0.0.100:80 proto tcp sched wrr
run tgwd-gw "$TGWCTL" dest add 10.0.0.100:80 proto tcp host 192.168.1.2 vm 10.1.1.2:8080
run tgwd-gw "$TGWCTL" dest add 10.0.0.100:80 proto tcp host 192.168.2.2 vm 10.1.2.2:8080
for i in 1 2; do
	timeout 20 sh -c "until ip netns exec tgwd-vm$i ss -ltn | grep -q :8080; do sleep 0.2; done"
done

echo
echo "== the client curls the VIP four times"
for i in 1 2 3 4; do
	run tgwd-cli curl -s -w '  (answered by %{remote_ip}:%{remote_port})\n' \
		http://10.0.0.100/ || exit 1
done
echo
echo "== the VMs saw the real client address"
sed 's/^/  /; s/ - - \[.*\] / /' /run/tgwd-vm1.log /run/tgwd-vm2.log | head -4
echo
echo "== configuration (re-applicable) and connection tables"
run tgwd-gw "$TGWCTL" service show -s
run tgwd-gw "$TGWCTL" conn show
run tgwd-h1 "$TGWCTL" conn show
echo
echo "== drain vm2: new flows all go to vm1"
run tgwd-gw "$TGWCTL" dest set 10.0.0.100:80 proto tcp host 192.168.2.2 vm 10.1.2.2:8080 weight 0
for i in 1 2; do
	run tgwd-cli curl -s http://10.0.0.100/ || exit 1
done
run tgwd-gw "$TGWCTL" stats
echo
echo "== connection events of one request (tgwctl monitor conn)"
ip netns exec tgwd-gw "$TGWCTL" monitor conn > /run/tgwd-events.log 2>&1 &
MON=$!
PIDS+=($MON)
sleep 1
ip netns exec tgwd-cli curl -s -o /dev/null http://10.0.0.100/
sleep 1
kill "$MON"
sed 's/^/  /' /run/tgwd-events.log
exit 0
