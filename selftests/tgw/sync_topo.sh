# SPDX-License-Identifier: GPL-2.0
#
# Topology for the tgw sync selftests (sourced after lib.sh, not run):
#
#                     ECMP VIP 10.0.0.100 (L4 hash)
#  CLI 10.0.1.2-9 -- RTR --- 10.0.1I.1 -- 10.0.1I.2 GW1 GW2 GW3 (I = 1..3)
#                    |                      tgwip 10.255.0.I on lo
#                    |                      f0 192.168.0.I  s0 172.16.0.I
#                    |                         |              |
#                    '-- 192.168.0.254 ---- FAB (br0) ------- | ---- H1 H2
#                                                             |
#                                          SYN (br0, sync only: netem)
#
#  Hj eth0 192.168.0.1j, gateways 10.255.0.1-3; vm 10.1.j.1 -- VMj eth0
#  10.1.j.2 and 10.1.j.3 (two destinations per VM, one server process).
#
# Every gateway has the same services (VIP:80 and VIP:81 tcp, four
# destinations) and, after sync_start, sync with the other two over SYN
# (unicast peers, syncid $SYNC_ID, key $SYNC_KEY). FAB and SYN are plain
# bridges in their own namespaces so a test can put netem on the sync
# link alone. A gateway's interfaces have fixed MAC addresses: one brought
# back in a new namespace is reachable at once (no stale neighbours).
#
# Functions: sync_topo_setup, sync_serve, sync_gw_add I, sync_gw_del I,
# sync_start I, sync_start_all, sync_ecmp I..., sync_netem SPEC, gwns I,
# sync_stat I KEY, sync_show I KEY, nconn NS, jget, and the flows_*
# helpers around sync_flows.py. SYNC_NOTGW=1: the same network with no
# tgw configuration (for the IPVS comparison of the benchmark).

. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"

FLOWS=$SELFTESTS_DIR/tgw/sync_flows.py
SYNC_ID=${SYNC_ID:-7}
SYNC_KEY=${SYNC_KEY:-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}
SYNC_PORT=8850
SYNC_REFRESH=${SYNC_REFRESH:-10}
SYNC_SCHED=${SYNC_SCHED:-wrr}
SYNC_NGW=3
SYNC_NHOST=2
CLI_SRCS=10.0.1.2,10.0.1.3,10.0.1.4,10.0.1.5,10.0.1.6,10.0.1.7,10.0.1.8,10.0.1.9
SYNC_ECMP=""		# gateways in the router's ECMP route

# gwns I: the namespace of gateway I
gwns()
{
	local v=GW$1

	echo "${!v}"
}

# ipb [NS]: ip commands on stdin, one batch (in NS)
ipb()
{
	ip ${1:+-n "$1"} -b -
}

# veth_line NS1 DEV1 NS2 DEV2 [MAC1]: a batch line creating a veth pair
veth_line()
{
	echo "link add $2 netns $1 ${5:+address $5} type veth peer name $4 netns $3"
}

# sync_ecmp I...: the router's route to the VIP goes via these gateways
# (what the router does when BFD or BGP to a gateway comes or goes).
sync_ecmp()
{
	local nh=() i

	for i in "$@"; do
		nh+=(nexthop via 10.0.1$i.2 dev g$i weight 1)
	done
	SYNC_ECMP="$*"
	if [ ${#nh[@]} -eq 0 ]; then
		ip -n "$RTR" route del $VIP/32 2> /dev/null
		return 0
	fi
	ip -n "$RTR" route replace $VIP/32 proto static "${nh[@]}"
}

# sync_gw_config I: role, services and destinations of gateway I
sync_gw_config()
{
	local port j

	[ -n "${SYNC_NOTGW:-}" ] && return 0
	{
		echo "role gateway addr 10.255.0.$1"
		for port in 80 81; do
			echo "service add $VIP:$port proto tcp sched $SYNC_SCHED"
			for ((j = 1; j <= SYNC_NHOST; j++)); do
				echo "dest add $VIP:$port proto tcp host 192.168.0.1$j vm 10.1.$j.2:8080"
				echo "dest add $VIP:$port proto tcp host 192.168.0.1$j vm 10.1.$j.3:8080"
			done
		done
	} > "$TMPD/gw$1.conf"
	tgwctl "$(gwns "$1")" -b "$TMPD/gw$1.conf"
}

# sync_gw_add I: (re)create gateway I in a new namespace, configured but
# neither synced nor in the ECMP route.
sync_gw_add()
{
	local i=$1 ns

	setup_ns "GW$i" || return 1
	ns=$(gwns "$i")
	{
		veth_line "$ns" u0 "$RTR" g$i 02:00:00:00:0$i:01
		veth_line "$ns" f0 "$FAB" gw$i 02:00:00:00:0$i:02
		veth_line "$ns" s0 "$SYN" gw$i 02:00:00:00:0$i:03
	} | ipb || return 1
	printf 'link set gw%s master br0 up\n' "$i" | ipb "$FAB" &&
	printf 'link set gw%s master br0 up\n' "$i" | ipb "$SYN" &&
	ipb "$RTR" <<- EOF || return 1
		link set g$i up
		addr add 10.0.1$i.1/24 dev g$i
	EOF
	ipb "$ns" <<- EOF || return 1
		link set u0 up
		link set f0 up
		link set s0 up
		addr add 10.0.1$i.2/24 dev u0
		addr add 192.168.0.$i/24 dev f0
		addr add 172.16.0.$i/24 dev s0
		addr add 10.255.0.$i/32 dev lo
		route add default via 10.0.1$i.1
	EOF
	router "$ns"
	sync_gw_config "$i"
}

# sync_gw_del I: gateway I dies (its namespace goes away with everything
# in it, sync included); the router drops it from the ECMP route, as it
# would on BFD loss.
sync_gw_del()
{
	local i=$1 g keep=()

	ip netns del "$(gwns "$i")"
	for g in $SYNC_ECMP; do
		[ "$g" != "$i" ] && keep+=("$g")
	done
	sync_ecmp "${keep[@]}"
}

# sync_start I [ARGS...]: start sync on gateway I, peers the others
sync_start()
{
	local i=$1 j peers=()

	shift
	for ((j = 1; j <= SYNC_NGW; j++)); do
		[ "$j" != "$i" ] && peers+=(peer 172.16.0.$j)
	done
	tgwctl "$(gwns "$i")" sync start syncid $SYNC_ID addr 172.16.0.$i \
		port $SYNC_PORT "${peers[@]}" key $SYNC_KEY \
		refresh "$SYNC_REFRESH" "$@"
}

# sync_netem [SPEC]: netem SPEC (e.g. "loss 8%") on every sync port of
# the SYN bridge, i.e. on every datagram to every gateway; no SPEC: none.
sync_netem()
{
	local i

	for ((i = 1; i <= SYNC_NGW; i++)); do
		if [ $# -gt 0 ]; then
			tc -n "$SYN" qdisc replace dev gw$i root netem "$@" ||
				return 1
		else
			tc -n "$SYN" qdisc del dev gw$i root 2> /dev/null
		fi
	done
	return 0
}

sync_topo_setup()
{
	local i j h vm ns

	modprobe -q -a bridge sch_netem 2> /dev/null
	setup_ns CLI RTR FAB SYN || return 1
	for ((j = 1; j <= SYNC_NHOST; j++)); do
		setup_ns "H$j" "VM$j" || return 1
	done
	{
		veth_line "$CLI" eth0 "$RTR" c0
		veth_line "$RTR" f0 "$FAB" rtr
		for ((j = 1; j <= SYNC_NHOST; j++)); do
			eval "h=\$H$j; vm=\$VM$j"
			veth_line "$h" eth0 "$FAB" h$j
			veth_line "$h" vm "$vm" eth0
		done
	} | ipb || return 1
	for ns in "$FAB" "$SYN"; do
		ipb "$ns" <<- EOF || return 1
			link add br0 type bridge mcast_snooping 0 forward_delay 0
			link set br0 up
		EOF
	done
	{
		echo "link set rtr master br0 up"
		for ((j = 1; j <= SYNC_NHOST; j++)); do
			echo "link set h$j master br0 up"
		done
	} | ipb "$FAB" || return 1
	{
		echo "link set eth0 up"
		for i in ${CLI_SRCS//,/ }; do
			echo "addr add $i/24 dev eth0"
		done
		echo "route add default via 10.0.1.1"
	} | ipb "$CLI" || return 1
	ipb "$RTR" <<- EOF || return 1
		link set c0 up
		link set f0 up
		addr add 10.0.1.1/24 dev c0
		addr add 192.168.0.254/24 dev f0
	EOF
	router "$RTR"
	nsx "$RTR" sysctl -qw net.ipv4.fib_multipath_hash_policy=1
	# The router hashes a forwarded packet that carries an L4 hash from
	# its socket (same kernel) with that hash; TCP draws a new one on
	# every retransmission timeout, which would move flows between
	# gateways with no failover at all. A real router hashes headers.
	nsx "$CLI" sysctl -qw net.core.txrehash=0
	for ((j = 1; j <= SYNC_NHOST; j++)); do
		eval "h=\$H$j; vm=\$VM$j"
		{
			echo "link set eth0 up"
			echo "link set vm up"
			echo "addr add 192.168.0.1$j/24 dev eth0"
			echo "addr add 10.1.$j.1/24 dev vm"
			for ((i = 1; i <= SYNC_NGW; i++)); do
				echo "route add 10.255.0.$i/32 via 192.168.0.$i"
			done
			echo "route add 10.0.1.0/24 via 192.168.0.254"
		} | ipb "$h" || return 1
		ipb "$vm" <<- EOF || return 1
			link set eth0 up
			addr add 10.1.$j.2/24 dev eth0
			addr add 10.1.$j.3/24 dev eth0
			route add default via 10.1.$j.1
		EOF
		router "$h"
		[ -n "${SYNC_NOTGW:-}" ] && continue
		tgwctl "$h" role host addr 192.168.0.1$j gateway 10.255.0.1 \
			gateway 10.255.0.2 gateway 10.255.0.3 || return 1
	done
	for ((i = 1; i <= SYNC_NGW; i++)); do
		sync_gw_add "$i" || return 1
	done
	sync_ecmp 1 2 3
}

# sync_serve [PORT]: the flow server on PORT (8080) in every VM, its
# counters in $TMPD/vmJ[-PORT].json
sync_serve()
{
	local port=${1:-8080} j vm sfx

	[ "$port" = 8080 ] || sfx=-$port
	for ((j = 1; j <= SYNC_NHOST; j++)); do
		eval "vm=\$VM$j"
		ip netns exec "$vm" "$PY" "$FLOWS" serve --port "$port" \
			--stats "$TMPD/vm$j${sfx:-}.json" &
		defer kill $!
	done
	for ((j = 1; j <= SYNC_NHOST; j++)); do
		eval "vm=\$VM$j"
		busywait 20000 sh -c \
			"ip netns exec $vm ss -ltn | grep -q ':$port '" || return 1
	done
}

# sync_start_all: sync on every gateway
sync_start_all()
{
	local i

	for ((i = 1; i <= SYNC_NGW; i++)); do
		sync_start "$i" || return 1
	done
}

# jget KEY[.KEY...]: read JSON on stdin, print the value at the path (a
# list index may be a number); 0 if absent. Several paths: one per line.
jget()
{
	"$PY" -c '
import json, sys
d = json.load(sys.stdin)
if isinstance(d, dict) and "stats" in d and isinstance(d["stats"], dict):
	d = dict(d, **d["stats"])
for path in sys.argv[1:]:
	v = d
	for k in path.split("."):
		try:
			v = v[int(k)] if isinstance(v, list) else v[k]
		except (KeyError, IndexError, ValueError, TypeError):
			v = 0
			break
	if isinstance(v, bool):
		v = int(v)
	print(json.dumps(v) if isinstance(v, (dict, list)) else v)
' "$@"
}

# sync_stat I KEY...: sync counters of gateway I (drops.auth, gaps, ...)
sync_stat()
{
	local ns

	ns=$(gwns "$1")
	shift
	tgwctl "$ns" sync stats -j | jget "$@"
}

# sync_show I KEY...: sync state of gateway I (in_sync, epoch, ...)
sync_show()
{
	local ns

	ns=$(gwns "$1")
	shift
	tgwctl "$ns" sync show -j | jget "$@"
}

# nconn NS [FILTER...]: connections in NS's table (conn show FILTER)
nconn()
{
	local ns=$1

	shift
	tgwctl "$ns" conn show "$@" | wc -l
}

# sync_in_sync I: gateway I reports in_sync
sync_in_sync()
{
	tgwctl "$(gwns "$1")" sync show | grep -q ' in-sync yes'
}

# sync_wait_in_sync I MS: wait until gateway I is in sync; its sync state
# and its peers' bulk counters are logged every 5 s meanwhile
sync_wait_in_sync()
{
	local i=$1 t0 next j

	t0=$(now_ms)
	next=$((t0 + 5000))
	while ! sync_in_sync "$i"; do
		[ $(($(now_ms) - t0)) -ge "$2" ] && return 1
		if [ "$(now_ms)" -ge "$next" ]; then
			next=$((next + 5000))
			log_info "gw$i not in sync after $(($(now_ms) - t0)) ms:"
			log_cmd tgwctl "$(gwns "$i")" sync show
			for j in $SYNC_ECMP; do
				[ "$j" = "$i" ] && continue
				log_info "gw$j: $(tgwctl "$(gwns "$j")" sync stats | grep bulk_req)"
			done
		fi
		sleep 0.2
	done
}

# ---- flows (needs TMPD, SCALE, INTERVAL) ---------------------------------

now_ms()
{
	date +%s%3N
}

# st FILE KEY: a number from a sync_flows.py status file
st()
{
	sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$1" 2> /dev/null
}

# flows_start NAME N [ARGS...]: N flows (sync_flows.py client) from the
# client to VIP:80 in the background, one record every $INTERVAL s each;
# waits until they are connected; sets ${NAME}_PID. Files in $TMPD:
# NAME.st (live status), NAME.out (summary), NAME.err.
flows_start()
{
	local name=$1 n=$2 pid

	shift 2
	rm -f "$TMPD/$name.st"
	ip netns exec "$CLI" "$PY" "$FLOWS" client $VIP 80 --flows "$n" \
		--src "$CLI_SRCS" --interval "$INTERVAL" \
		--status "$TMPD/$name.st" --stall $((10 * SCALE)) \
		--drain $((30 * SCALE)) "$@" \
		> "$TMPD/$name.out" 2> "$TMPD/$name.err" &
	pid=$!
	defer kill "$pid"
	eval "${name}_PID=$pid"
	if ! busywait $(((60 + n / 50) * 1000)) sh -c \
		"grep -qsE '\"phase\": \"(data|drain|done)\"' $TMPD/$name.st"; then
		log_info "$name: $(cat "$TMPD/$name.st" 2> /dev/null)"
		log_info "$name: $(tail -5 "$TMPD/$name.err")"
		return 1
	fi
	log_info "$name: $(st "$TMPD/$name.st" up) of $n flows up after $(st "$TMPD/$name.st" connect_ms) ms"
}

# flows_all_ok NAME: every live flow got data back since the last mark
# (true as well when none is alive any more: nothing left to wait for)
flows_all_ok()
{
	local f=$TMPD/$1.st up ok

	up=$(st "$f" up)
	ok=$(st "$f" ok_after_mark)
	[ -n "$up" ] && [ "$ok" = "$up" ]
}

# flows_mark NAME: mark "now" in the client, wait (bounded) until every
# live flow has carried data since; prints how long that took
flows_mark()
{
	local pid t0 marks

	eval "pid=\$${1}_PID"
	marks=$(st "$TMPD/$1.st" marks)
	kill -USR1 "$pid"
	t0=$(now_ms)
	busywait 5000 sh -c \
		"grep -qs '\"marks\": $((marks + 1))' $TMPD/$1.st"
	busywait 60000 flows_all_ok "$1"
	local rc=$?
	log_info "$1: $(st "$TMPD/$1.st" ok_after_mark) of $(st "$TMPD/$1.st" up) flows carried data $(($(now_ms) - t0)) ms after the mark, resets $(st "$TMPD/$1.st" resets), errors $(st "$TMPD/$1.st" errors)"
	return $rc
}

# flows_stop NAME: end the flows (not in a subshell: it waits for them),
# their summary JSON is in $TMPD/NAME.out
flows_stop()
{
	local pid

	eval "pid=\$${1}_PID"
	kill -USR2 "$pid" 2> /dev/null
	wait "$pid"
	[ -s "$TMPD/$1.out" ] || sed 's/^/# /' "$TMPD/$1.err"
}
