# SPDX-License-Identifier: GPL-2.0
#
# Topology for the tgw selftests (sourced, not run):
#
#  CLI 10.0.1.2 --- 10.0.1.1 GW (tgwip 10.255.0.1 on lo)
#                    |-- 192.168.1.1 --- 192.168.1.2 H1 10.1.1.1 --- 10.1.1.2 VM1
#                    `-- 192.168.2.1 --- 192.168.2.2 H2 10.1.2.1 --- 10.1.2.2 VM2
#
# VIP 10.0.0.100 is not configured anywhere: the client routes it to GW.
# tgw_setup2 adds a second gateway GW2 (tgwip 10.255.0.2) between the
# client (10.0.2.2 on a second link) and H1, so H1 serves two gateways.

TGWCTL=$TOOLS_DIR/tgwctl/tgwctl
PY=/usr/bin/python3
PEER=$SELFTESTS_DIR/tgw/tgw_peer.py
VIP=10.0.0.100
TGWIP=10.255.0.1
TGWIP2=10.255.0.2

tgw_require()
{
	require_root
	require_vm
	require_cmd ip ss "$PY"
	require_module veth nf_defrag_ipv4
	[ -x "$TGWCTL" ] || ktap_skip_all "tgwctl not built (run make tools)"
	load_module tgw || ktap_skip_all "cannot load tgw.ko"
}

# nsx NS CMD...: run in a namespace
nsx()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

tgwctl()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$TGWCTL" "$@"
}

veth()
{
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" link set "$2" up &&
	ip -n "$3" link set "$4" up
}

router()
{
	nsx "$1" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

tgw_setup()
{
	setup_ns CLI GW H1 H2 VM1 VM2 || return 1
	veth "$CLI" eth0 "$GW" c0 &&
	ip -n "$CLI" addr add 10.0.1.2/24 dev eth0 &&
	ip -n "$CLI" route add default via 10.0.1.1 &&
	ip -n "$GW" addr add 10.0.1.1/24 dev c0 &&
	ip -n "$GW" addr add $TGWIP/32 dev lo || return 1
	router "$GW"
	local i
	for i in 1 2; do
		local h vm
		eval "h=\$H$i; vm=\$VM$i"
		veth "$GW" h$i "$h" eth0 &&
		ip -n "$GW" addr add 192.168.$i.1/24 dev h$i &&
		ip -n "$h" addr add 192.168.$i.2/24 dev eth0 &&
		ip -n "$h" route add 10.255.0.0/24 via 192.168.$i.1 &&
		ip -n "$h" route add 192.168.0.0/16 via 192.168.$i.1 &&
		veth "$h" vm "$vm" eth0 &&
		ip -n "$h" addr add 10.1.$i.1/24 dev vm &&
		ip -n "$vm" addr add 10.1.$i.2/24 dev eth0 &&
		ip -n "$vm" route add default via 10.1.$i.1 || return 1
		router "$h"
		tgwctl "$h" role host addr 192.168.$i.2 gateway $TGWIP || return 1
	done
	tgwctl "$GW" role gateway addr $TGWIP
}

# Second gateway GW2 between CLI (second link) and H1.
tgw_setup2()
{
	setup_ns GW2 || return 1
	veth "$CLI" eth1 "$GW2" c0 &&
	ip -n "$CLI" addr add 10.0.2.2/24 dev eth1 &&
	ip -n "$GW2" addr add 10.0.2.1/24 dev c0 &&
	ip -n "$GW2" addr add $TGWIP2/32 dev lo &&
	veth "$GW2" h1 "$H1" eth1 &&
	ip -n "$GW2" addr add 192.168.11.1/24 dev h1 &&
	ip -n "$H1" addr add 192.168.11.2/24 dev eth1 &&
	ip -n "$H1" route add $TGWIP2/32 via 192.168.11.1 &&
	ip -n "$GW2" route add 192.168.1.2/32 via 192.168.11.2 || return 1
	router "$GW2"
	tgwctl "$H1" role host addr 192.168.1.2 gateway $TGWIP \
		gateway $TGWIP2 &&
	tgwctl "$GW2" role gateway addr $TGWIP2
}

# tgw_teardown: stop every process in our namespaces and delete them,
# keeping the module loaded (cleanup would unload it).
tgw_teardown()
{
	local ns

	for ns in "${NS_LIST[@]}"; do
		ip netns pids "$ns" 2> /dev/null | xargs -r kill 2> /dev/null
	done
	sleep 0.5
	cleanup_all_ns
}

# serve NS NAME PORT: start the echo server, wait until it listens.
serve()
{
	nsx "$1" "$PY" "$PEER" serve --name "$2" --port "$3" &
	defer kill $!
	# 30 s: a python start on a loaded TCG host can take over 10
	busywait 30000 sh -c "ip netns exec $1 ss -ltn | grep -q ':$3 '"
}

# vip_service PORT PROTO [SCHED]: service on VIP:PORT with vm1 and vm2.
vip_service()
{
	tgwctl "$GW" service add $VIP:$1 proto "$2" ${3:+sched $3} &&
	tgwctl "$GW" dest add $VIP:$1 proto "$2" host 192.168.1.2 \
		vm 10.1.1.2:8080 &&
	tgwctl "$GW" dest add $VIP:$1 proto "$2" host 192.168.2.2 \
		vm 10.1.2.2:8080
}

# json FIELD: read one JSON object on stdin, print FIELD (0 if absent).
json()
{
	"$PY" -c 'import json,sys; v=json.load(sys.stdin).get(sys.argv[1], 0); print(v if not isinstance(v, list) else " ".join(v))' "$1"
}

# stat_drop NS REASON: the namespace's drop counter for REASON.
stat_drop()
{
	tgwctl "$1" -j stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["stats"]["drops"][sys.argv[1]])' "$2"
}

# stat NS NAME: a top-level namespace counter (pkts_in, conns, ...).
stat()
{
	tgwctl "$1" -j stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["stats"][sys.argv[1]])' "$2"
}
