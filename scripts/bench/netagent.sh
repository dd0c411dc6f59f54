#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/netagent.sh - frames from a VM port through a bridge, in the VM
# (`make bench-netagent`): bare bridge, netagent with 1/256/4096 protected
# ports, and the equivalent nftables bridge rulesets (linear per-port rules,
# and one set lookup per check) at the same port counts.
#
# usage: scripts/bench/netagent.sh [-c COUNT] [-r RUNS] [-p "1 256 4096"]
#
# pktgen in the VM's netns sends COUNT 60-byte UDP frames (own MAC and IP)
# to the neighbour; a rate is what crosses the bridge (p2 tx) divided by
# pktgen's run time. Each configuration is measured RUNS times, each time
# paired with a run without the filter (netagent: p1 released, the other
# ports kept; nftables: before the table is loaded); the table shows the
# medians and the median of the paired ratios, which keeps a busy host's
# drift out of the comparison. The extra ports are dummy devices: a
# protected port costs nothing on the others' data path, which is the point.

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
NACTL=$ROOT/tools/netagentctl/netagentctl
COUNT=100000
RUNS=3
PORTS="1 256 4096"
VM=nabench-vm
NB=nabench-nb
VM_MAC=02:00:00:00:00:01
NB_MAC=02:00:00:00:00:02

while getopts "c:r:p:" o; do
	case $o in
	c) COUNT=$OPTARG ;;
	r) RUNS=$OPTARG ;;
	p) PORTS=$OPTARG ;;
	*) sed -n '9p' "$0" >&2; exit 2 ;;
	esac
done

cleanup()
{
	nft delete table bridge nabench 2> /dev/null
	ip netns del "$VM" 2> /dev/null
	ip netns del "$NB" 2> /dev/null
	ip link del br0 2> /dev/null
	del_dummies
	rmmod netagent 2> /dev/null
}
trap cleanup EXIT

NDUMMY=0
add_dummies()
{
	local want=$1 i

	[ "$want" -le "$NDUMMY" ] && return
	for ((i = NDUMMY; i < want; i++)); do
		echo "link add nad$i type dummy"
	done | ip -batch - || exit 1
	NDUMMY=$want
}

del_dummies()
{
	local i

	for ((i = 0; i < NDUMMY; i++)); do
		echo "link del nad$i"
	done | ip -batch - 2> /dev/null
	NDUMMY=0
}

setup()
{
	modprobe -a bridge veth pktgen dummy nf_tables nft_meta_bridge || exit 1
	ip netns add "$VM"
	ip netns add "$NB"
	sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$VM" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$NB" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip link add br0 type bridge mcast_snooping 0
	ip link add p1 type veth peer name eth0 netns "$VM"
	ip link add p2 type veth peer name eth0 netns "$NB"
	ip link set p1 master br0 up
	ip link set p2 master br0 up
	ip link set br0 up
	ip -n "$VM" link set eth0 address "$VM_MAC" up
	ip -n "$NB" link set eth0 address "$NB_MAC" up
	ip -n "$NB" addr add 10.0.0.2/24 dev eth0
	bridge fdb replace "$NB_MAC" dev p2 master static
}

pg()
{
	ip netns exec "$VM" sh -c "echo '$2' > /proc/net/pktgen/$1"
}

pktgen_setup()
{
	pg kpktgend_0 rem_device_all
	pg kpktgend_0 "add_device eth0"
	pg eth0 "count $COUNT"
	pg eth0 "clone_skb 0"
	pg eth0 "pkt_size 60"
	pg eth0 "delay 0"
	pg eth0 "dst 10.0.0.2"
	pg eth0 "src_min 10.0.0.1"
	pg eth0 "src_max 10.0.0.1"
	pg eth0 "dst_mac $NB_MAC"
}

# once [COUNT]: frames/s that crossed the bridge in one pktgen run
once()
{
	local tx0 tx1 usec

	pg eth0 "count ${1:-$COUNT}"
	read -r tx0 < /sys/class/net/p2/statistics/tx_packets
	pg pgctrl start
	read -r tx1 < /sys/class/net/p2/statistics/tx_packets
	usec=$(ip netns exec "$VM" sed -n 's/^Result: OK: \([0-9]*\)(.*/\1/p' \
	       /proc/net/pktgen/eth0)
	[ -n "$usec" ] && [ "$usec" -gt 0 ] || { echo 0; return; }
	echo $(((tx1 - tx0) * 1000000 / usec))
}

median()
{
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# row NAME PPS... BARE...: medians and the median of the paired ratios
row()
{
	local name=$1 n=$(( ($# - 1) / 2 )) i ratios=() pps bare

	shift
	for ((i = 1; i <= n; i++)); do
		pps=${!i}
		bare=${*:$((i + n)):1}
		ratios+=("$(awk -v a="$pps" -v b="$bare" 'BEGIN { printf "%.3f", b ? a / b : 0 }')")
	done
	printf '%-28s %10d %10d %8.2f\n' "$name" "$(median "${@:1:n}")" \
		"$(median "${@:n+1}")" "$(median "${ratios[@]}")"
}

netagent_ports()
{
	local n=$1 i dev mac ip

	rmmod netagent 2> /dev/null
	insmod "$ROOT/kmod/netagent/netagent.ko" || exit 1
	add_dummies $((n - 1))
	{
		for ((i = 0; i < n - 1; i++)); do
			port_of "$i" "$n"
			echo "port add $dev mac $mac ip $ip"
		done
		echo "port add p1 mac $VM_MAC ip 10.0.0.1 ip 2001:db8::1"
	} | "$NACTL" -batch - || exit 1
}

# port_of I N: set dev, mac, ip of port I of N (the measured p1 is the
# last); no subshell: it runs 3 x 4096 times under TCG
port_of()
{
	if [ "$1" -eq $(($2 - 1)) ]; then
		dev=p1 mac=$VM_MAC ip=10.0.0.1
	else
		dev=nad$1
		printf -v mac '02:01:00:00:%02x:%02x' $(($1 / 256)) $(($1 % 256))
		printf -v ip '10.%d.%d.1' $(($1 / 256 + 1)) $(($1 % 256))
	fi
}

# set_of NAME TYPE N ELEMENT: a set with one ELEMENT (eval'd) per port
set_of()
{
	local i dev mac ip sep=

	echo "  set $1 { type $2; elements = {"
	for ((i = 0; i < $3; i++)); do
		port_of "$i" "$3"
		eval "echo \"$sep$4\""
		sep=", "
	done
	echo "  }; }"
}

# nft_rules N linear|set: the same checks as netagent for the Ethernet,
# ARP and IPv4 sources and the ethertype; linear: five rules per port,
# set: five rules in all, with per-port set elements.
nft_rules()
{
	local n=$1 form=$2 i dev mac ip

	rmmod netagent 2> /dev/null
	add_dummies $((n - 1))
	{
		echo "table bridge nabench {"
		if [ "$form" = set ]; then
			set_of ports "ifname" "$n" '"$dev"'
			set_of mac "ifname . ether_addr" "$n" '"$dev" . $mac'
			set_of ip4 "ifname . ipv4_addr" "$n" '"$dev" . $ip'
		fi
		echo "  chain pre {"
		echo "    type filter hook prerouting priority -300; policy accept;"
		if [ "$form" = set ]; then
			echo "    iifname @ports iifname . ether saddr != @mac drop"
			echo "    iifname @ports ether type != { ip, arp, ip6 } drop"
			echo "    iifname @ports ether type arp iifname . arp saddr ether != @mac drop"
			echo "    iifname @ports ether type arp iifname . arp saddr ip != @ip4 drop"
			echo "    iifname @ports ether type ip iifname . ip saddr != @ip4 drop"
		else
			for ((i = 0; i < n; i++)); do
				port_of "$i" "$n"
				echo "    iifname \"$dev\" ether saddr != $mac drop"
				echo "    iifname \"$dev\" ether type != { ip, arp, ip6 } drop"
				echo "    iifname \"$dev\" ether type arp arp saddr ether != $mac drop"
				echo "    iifname \"$dev\" ether type arp arp saddr ip != $ip drop"
				echo "    iifname \"$dev\" ether type ip ip saddr != $ip drop"
			done
		fi
		echo "  }"
		echo "}"
	} > /tmp/nabench.nft
	nft delete table bridge nabench 2> /dev/null
	nft -f /tmp/nabench.nft || exit 1
}

setup
pktgen_setup
once > /dev/null	# warm up
printf '%-28s %10s %10s %8s\n' "configuration" "pps" "bare pps" "ratio"
for n in $PORTS; do
	netagent_ports "$n"
	x=()
	b=()
	# pairs: p1 unprotected (the other ports stay) / p1 protected
	for ((r = 0; r < RUNS; r++)); do
		"$NACTL" port del p1
		b+=("$(once)")
		"$NACTL" port add p1 mac "$VM_MAC" ip 10.0.0.1 ip 2001:db8::1
		x+=("$(once)")
	done
	row "netagent, $n ports" "${x[@]}" "${b[@]}"
	[ "$("$NACTL" stats p1 | awk 'NR == 1 { print $5 }')" = 0 ] ||
		echo "  (violations on p1: the benchmark traffic was dropped?)"
done
rmmod netagent
command -v nft > /dev/null || { echo "nft not installed: no nftables rows"; exit 0; }
for n in $PORTS; do
	for form in linear sets; do
		# linear rules get slow: fewer frames keep the run short
		c=$COUNT
		[ "$form" = linear ] && c=$((COUNT * 16 / n > 2000 ? COUNT * 16 / n : 2000))
		x=()
		b=()
		for ((r = 0; r < RUNS; r++)); do
			b+=("$(once "$c")")
		done
		nft_rules "$n" "${form%s}"
		for ((r = 0; r < RUNS; r++)); do
			x+=("$(once "$c")")
		done
		nft delete table bridge nabench
		row "nft bridge $form, $n ports" "${x[@]}" "${b[@]}"
	done
done
