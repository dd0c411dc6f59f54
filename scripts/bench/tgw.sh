#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/tgw.sh - tgw against its anchors, in the VM (`make bench-tgw`):
#   plain  routed forwarding client -> router -> host -> VM (the limit)
#   ipvs   IPVS tunnel mode (ipvsadm -i), host decap with an ipip device,
#          VIP on the VM's lo (direct return)
#   tgw    tgw gateway + host roles (DNAT + IPIP both ways)
#
# usage: scripts/bench/tgw.sh [-c COUNT] [-r RUNS] [-n CONNS]
#
# pps: pktgen sends COUNT 64-byte UDP packets of one flow from the client;
#      the rate is what reaches the VM's eth0 over pktgen's run time,
#      best of RUNS.
# cps: the same with a new source port per packet (each packet a new
#      connection for IPVS and tgw).
# B/conn: after CONNS distinct flows, tgw's bytes per connection (object
#      plus both hash indexes) and IPVS's ip_vs_conn object size.
# Under TCG the absolute figures are small; compare the rows.

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
TGWCTL=$ROOT/tools/tgwctl/tgwctl
COUNT=100000
RUNS=3
CONNS=1000000
CLI=tgwb-cli
GW=tgwb-gw
H=tgwb-h
VM=tgwb-vm
VIP=10.0.0.100

while getopts "c:r:n:" o; do
	case $o in
	c) COUNT=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	n) CONNS=$OPTARG ;;
	*) sed -n '11p' "$0" >&2; exit 2 ;;
	esac
done

ns_cleanup()
{
	local ns

	for ns in $CLI $GW $H $VM; do
		ip netns del "$ns" 2> /dev/null
	done
}

cleanup()
{
	ns_cleanup
	sleep 1
	rmmod tgw 2> /dev/null
}
trap cleanup EXIT

nsx()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

veth()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# topo MODE: client 10.0.1.2 -- 10.0.1.1 gw 192.168.1.1 -- 192.168.1.2 host
# 10.1.1.1 -- 10.1.1.2 VM
topo()
{
	local ns

	ns_cleanup
	for ns in $CLI $GW $H $VM; do
		ip netns add $ns && ip -n $ns link set lo up || return 1
		nsx $ns sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
	veth $CLI eth0 $GW c0 && veth $GW h0 $H eth0 && veth $H vm $VM eth0 ||
		return 1
	ip -n $CLI addr add 10.0.1.2/24 dev eth0
	ip -n $CLI route add default via 10.0.1.1
	ip -n $GW addr add 10.0.1.1/24 dev c0
	ip -n $GW addr add 192.168.1.1/24 dev h0
	ip -n $GW addr add 10.255.0.1/32 dev lo
	ip -n $H addr add 192.168.1.2/24 dev eth0
	ip -n $H addr add 10.1.1.1/24 dev vm
	ip -n $H route add default via 192.168.1.1
	ip -n $VM addr add 10.1.1.2/24 dev eth0
	ip -n $VM route add default via 10.1.1.1
	# the VM drops the test traffic quietly
	nsx $VM sysctl -qw net.ipv4.icmp_ratelimit=100000
	case $1 in
	plain)
		ip -n $GW route add $VIP/32 via 192.168.1.2
		ip -n $H route add $VIP/32 via 10.1.1.2
		ip -n $VM addr add $VIP/32 dev lo
		;;
	ipvs)
		ip -n $GW addr add $VIP/32 dev lo
		nsx $GW ipvsadm -A -u $VIP:53 -s rr &&
		nsx $GW ipvsadm -a -u $VIP:53 -r 192.168.1.2:53 -i || return 1
		ip -n $H link add tunl0 type ipip 2> /dev/null
		ip -n $H link set tunl0 up
		nsx $H sysctl -qw net.ipv4.conf.tunl0.rp_filter=0
		ip -n $H route add $VIP/32 via 10.1.1.2
		ip -n $VM addr add $VIP/32 dev lo
		;;
	tgw)
		nsx $GW "$TGWCTL" role gateway addr 10.255.0.1 &&
		nsx $H "$TGWCTL" role host addr 192.168.1.2 gateway 10.255.0.1 &&
		nsx $GW "$TGWCTL" service add $VIP:53 proto udp sched wrr &&
		nsx $GW "$TGWCTL" dest add $VIP:53 proto udp host 192.168.1.2 \
			vm 10.1.1.2:53 || return 1
		;;
	esac
	return 0
}

pg()
{
	nsx $CLI sh -c "echo '$2' > /proc/net/pktgen/$1"
}

# pktgen_setup COUNT PORTS SRCS: UDP to VIP:53, PORTS source ports (1:
# one flow) from SRCS source addresses, both stepped per packet (so with
# PORTS and SRCS coprime, PORTS * SRCS packets are all distinct flows)
pktgen_setup()
{
	local mac

	mac=$(ip -n $GW link show c0 | sed -n 's/.*ether \([0-9a-f:]*\).*/\1/p')
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device eth0"
	pg eth0 "count $1"
	pg eth0 "clone_skb 0"
	pg eth0 "pkt_size 64"
	pg eth0 "delay 0"
	pg eth0 "dst $VIP"
	pg eth0 "udp_dst_min 53"
	pg eth0 "udp_dst_max 53"
	pg eth0 "src_min 10.0.1.2"
	pg eth0 "src_max 10.0.$((1 + ($3 - 1) / 250)).$((2 + ($3 - 1) % 250))"
	pg eth0 "udp_src_min 1024"
	pg eth0 "udp_src_max $((1024 + $2 - 1))"
	pg eth0 "dst_mac $mac"
}

# best packets/s reaching the VM over RUNS runs
measure()
{
	local best=0 r rx0 rx1 usec pps

	for ((r = 0; r < RUNS; r++)); do
		rx0=$(nsx $VM cat /sys/class/net/eth0/statistics/rx_packets)
		pg pgctrl start
		rx1=$(nsx $VM cat /sys/class/net/eth0/statistics/rx_packets)
		usec=$(nsx $CLI sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' \
		       /proc/net/pktgen/eth0)
		[ -n "$usec" ] && [ "$usec" -gt 0 ] || continue
		pps=$(((rx1 - rx0) * 1000000 / usec))
		[ "$pps" -gt "$best" ] && best=$pps
	done
	echo "$best"
}

modprobe -a veth pktgen ipip ip_vs ip_vs_rr nf_defrag_ipv4 || exit 1
insmod "$ROOT/kmod/tgw/tgw.ko" || exit 1

declare -A PPS CPS
for mode in plain ipvs tgw; do
	topo $mode || { echo "setup $mode failed" >&2; exit 1; }
	pktgen_setup "$COUNT" 1 1
	PPS[$mode]=$(measure)
	# one run: a second one would replay the same flows
	pktgen_setup "$COUNT" 60000 7
	CPS[$mode]=$(RUNS=1 measure)
done

# bytes per connection with CONNS flows in the table
topo tgw
pktgen_setup "$CONNS" 60000 $((CONNS / 60000 | 1))
pg pgctrl start
sleep 2
TGW_B=$(nsx $GW "$TGWCTL" -j role show | /usr/bin/python3 -c \
	'import json,sys; r=json.load(sys.stdin); print(r["conn_bytes"], r["conns"])')
IPVS_B=$(awk '$1 == "ip_vs_conn" { print $4 }' /proc/slabinfo)

printf '%-8s %12s %12s %10s %10s\n' path "pps(64B)" "new conn/s" "vs plain" "vs ipvs"
for mode in plain ipvs tgw; do
	printf '%-8s %12s %12s %9s%% %9s%%\n' $mode "${PPS[$mode]}" "${CPS[$mode]}" \
		$((PPS[$mode] * 100 / (PPS[plain] > 0 ? PPS[plain] : 1))) \
		$((PPS[$mode] * 100 / (PPS[ipvs] > 0 ? PPS[ipvs] : 1)))
done
echo "tgw bytes/conn (object + hash index) and conns in table: $TGW_B"
echo "ipvs ip_vs_conn object size: ${IPVS_B:-unknown (slab merged)} bytes (+ hash bucket)"
