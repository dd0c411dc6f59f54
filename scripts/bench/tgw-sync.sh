#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/tgw-sync.sh - tgw connection sync figures, in the VM
# (`make bench-tgw-sync`), on the selftests' topology
# (selftests/tgw/sync_topo.sh: client, ECMP router, 3 gateways, 2 hosts):
#
#   bytes    sync bytes per new connection: K connections opened at once
#            (sync_flows.py), then closed; tgw's tx_bytes / tx_conns /
#            tx_dgrams deltas summed over the gateways (every copy to
#            every peer), the idle HELLO traffic subtracted
#   latency  time for a new connection to be on every peer: P connections
#            one at a time; "tgwctl monitor conn" on each gateway, lines
#            stamped with CLOCK_MONOTONIC; from the first gateway's event
#            (the owner, at the SYN) to the last peer's, and from connect()
#   failover N flows with verified data (sync_flows.py, one record each
#            per INTERVAL s); one gateway's namespace is deleted and the
#            router drops it from the ECMP route; flows broken (reset, bad
#            data, no echo by the end) out of N, and flows slowed down
#            (one echo waited > 2 s or > 10 s), with and without sync; then the
#            same with IPVS (tunnel mode, 2 directors, ipvsadm
#            --start-daemon master/backup over multicast, the router's
#            route moves from the master to the backup), with and without
#            its sync daemon
#
# usage: scripts/bench/tgw-sync.sh [-n FLOWS] [-k CONNS] [-p PROBES]
#                                  [-m MODES]
#   defaults: -n 10000 -k 1000 -p 200 -m "tgw-sync tgw-nosync ipvs-sync
#   ipvs-nosync". Under TCG 10,000 flows take minutes per mode (their
#   records go every FLOWS/2000 s); compare the rows, not absolute values.

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
NFLOWS=10000
K=1000
PROBES=200
MODES="tgw-sync tgw-nosync ipvs-sync ipvs-nosync"

while getopts "n:k:p:m:" o; do
	case $o in
	n) NFLOWS=$OPTARG ;;
	k) K=$OPTARG ;;
	p) PROBES=$OPTARG ;;
	m) MODES=$OPTARG ;;
	*) sed -n '26,30p' "$0" >&2; exit 2 ;;
	esac
done

. "$ROOT/selftests/lib.sh" > /dev/null
. "$ROOT/selftests/tgw/sync_topo.sh"

SCALE=${CLOUDPLANE_TIMEOUT_SCALE:-1}
INTERVAL=$(awk -v n="$NFLOWS" 'BEGIN { v = n / 2000; print v < 0.5 ? 0.5 : v }')
TMPD=$(mktemp -d)
declare -A RES

log_info()
{
	echo "  $*" >&2
}

bench_cleanup()
{
	tgw_teardown 2> /dev/null
	cleanup
	rm -rf "$TMPD"
}
trap bench_cleanup EXIT

tgw_require > /dev/null
require_module bridge sch_netem ip_vs ip_vs_rr ipip > /dev/null
require_cmd ipvsadm > /dev/null

# topo [notgw]: a fresh topology (namespaces of a previous one removed)
topo()
{
	tgw_teardown 2> /dev/null
	SYNC_NOTGW=${1:-} sync_topo_setup || { echo "setup failed" >&2; exit 1; }
	sync_serve || { echo "servers failed" >&2; exit 1; }
}

# gw_sum KEY...: a sync counter summed over the gateways alive
gw_sum()
{
	local i ns tot=0 v

	for ((i = 1; i <= SYNC_NGW; i++)); do
		ns=$(gwns "$i")
		ip netns list | grep -q "^$ns" || continue
		v=$(sync_stat "$i" "$1")
		tot=$((tot + v))
	done
	echo "$tot"
}

all_in_sync()
{
	local i

	for ((i = 1; i <= SYNC_NGW; i++)); do
		sync_in_sync "$i" || return 1
	done
}

# every gateway alive holds at least N conns to VIP:80
tables_have()
{
	local n=$1 i

	for i in $SYNC_ECMP; do
		[ "$(nconn "$(gwns "$i")" vip $VIP:80)" -ge "$n" ] || return 1
	done
}

bench_bytes()
{
	local b0 e0 d0 b1 e1 d1 b2 e2 d2 t0 t1 t2 idle

	echo "== sync bytes per new connection ($K connections at once)" >&2
	topo
	SYNC_REFRESH=3600 sync_start_all || exit 1
	busywait $((30000 * SCALE)) all_in_sync
	# idle: HELLOs only
	b0=$(gw_sum tx_bytes)
	t0=$(now_ms)
	sleep 3
	idle=$(awk -v b="$(($(gw_sum tx_bytes) - b0))" -v t="$(($(now_ms) - t0))" \
		'BEGIN { print b / t }')
	b0=$(gw_sum tx_bytes); e0=$(gw_sum tx_conns); d0=$(gw_sum tx_dgrams)
	t0=$(now_ms)
	# a record only every hour: the flows just connect
	flows_start bytes "$K" --interval 3600 --drain 1
	busywait $((30000 * SCALE)) tables_have "$K"
	sleep 1
	b1=$(gw_sum tx_bytes); e1=$(gw_sum tx_conns); d1=$(gw_sum tx_dgrams)
	t1=$(now_ms)
	flows_stop bytes
	sleep 3
	b2=$(gw_sum tx_bytes); e2=$(gw_sum tx_conns); d2=$(gw_sum tx_dgrams)
	t2=$(now_ms)
	RES[open]=$(awk -v b="$((b1 - b0))" -v e="$((e1 - e0))" -v d="$((d1 - d0))" \
		-v i="$idle" -v t="$((t1 - t0))" -v k="$K" \
		'BEGIN { printf "%.0f B, %.1f entries, %.2f datagrams", (b - i * t) / k, e / k, d / k }')
	RES[close]=$(awk -v b="$((b2 - b1))" -v e="$((e2 - e1))" -v d="$((d2 - d1))" \
		-v i="$idle" -v t="$((t2 - t1))" -v k="$K" \
		'BEGIN { printf "%.0f B, %.1f entries, %.2f datagrams", (b - i * t) / k, e / k, d / k }')
	RES[idle]=$(awk -v i="$idle" 'BEGIN { printf "%.0f B/s", i * 1000 }')
}

bench_latency()
{
	local i ns

	echo "== time for a new connection to reach every peer ($PROBES, one at a time)" >&2
	topo
	sync_start_all || exit 1
	busywait $((30000 * SCALE)) all_in_sync
	for ((i = 1; i <= SYNC_NGW; i++)); do
		ns=$(gwns "$i")
		ip netns exec "$ns" "$TGWCTL" monitor conn 2> /dev/null |
			"$PY" "$FLOWS" stamp > "$TMPD/mon$i" &
		defer kill $!
	done
	sleep 1
	ip netns exec "$CLI" "$PY" "$FLOWS" probe $VIP 80 --count "$PROBES" \
		--gap 0.1 --src 10.0.1.2 --hold 2 > "$TMPD/probe"
	sleep 1
	RES[latency]=$("$PY" - "$TMPD/probe" "$TMPD"/mon[1-3] << 'PY'
import sys
probe = [l.split() for l in open(sys.argv[1]) if not l.startswith("#")]
mons = []
for f in sys.argv[2:]:
    first = {}
    for line in open(f):
        w = line.split()
        for tok in w:
            if ":" in tok and tok.count(".") == 3 and tok not in first:
                first[tok] = (float(w[0]), " synced" in line)
                break
    mons.append(first)
own, prop, e2e, missing = [], [], [], 0
for t0, c in probe:
    seen = [m.get(c) for m in mons]
    if None in seen:
        missing += 1
        continue
    times = sorted(s[0] for s in seen)
    own.append((times[0] - float(t0)) * 1000)
    prop.append((times[-1] - times[0]) * 1000)
    e2e.append((times[-1] - float(t0)) * 1000)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")


def line(name, v):
    print("  %-29s p50 %6.1f  p90 %6.1f  p99 %6.1f  max %6.1f ms"
          "  (>100 ms: %d)" % (name, pct(v, .5), pct(v, .9), pct(v, .99),
                               max(v or [0]), sum(1 for x in v if x > 100)))


print("%d of %d connections seen on every gateway" % (len(prop),
                                                      len(probe)))
line("connect() -> owner's table", own)
line("owner -> every peer", prop)
line("connect() -> every gateway", e2e)
PY
)
}

# failover_tgw sync|nosync
failover_tgw()
{
	local mode=$1 out b0 b1

	echo "== failover, tgw $mode: $NFLOWS flows over 3 gateways, gateway 2 dies" >&2
	topo
	if [ "$mode" = sync ]; then
		sync_start_all || exit 1
		busywait $((30000 * SCALE)) all_in_sync
	fi
	[ "$mode" = sync ] && b0=$(gw_sum tx_bytes)
	flows_start fo "$NFLOWS" || { echo "flows did not connect" >&2; return; }
	if [ "$mode" = sync ]; then
		busywait $(((60 + NFLOWS / 100) * 1000 * SCALE)) tables_have "$NFLOWS" ||
			log_info "tables not complete before the failover"
		b1=$(gw_sum tx_bytes)
		RES[fo_bytes_tgw]=$(((b1 - b0) / NFLOWS))
	fi
	sync_gw_del 2
	flows_mark fo
	flows_stop fo
	out=$(cat "$TMPD/fo.out")
	RES[tgw-$mode]=$(echo "$out" | jget broken resets slow_flows stalled_flows rtt_max_ms | xargs)
	log_info "$out"
}

# ipvs_director I: IPVS on gateway I's namespace, tunnel mode to the hosts
ipvs_director()
{
	local ns j

	ns=$(gwns "$1")
	ip -n "$ns" addr add $VIP/32 dev lo &&
	nsx "$ns" ipvsadm -A -t $VIP:80 -s rr || return 1
	for ((j = 1; j <= SYNC_NHOST; j++)); do
		nsx "$ns" ipvsadm -a -t $VIP:80 -r 192.168.0.1$j:80 -i || return 1
	done
}

ipvs_conns()
{
	nsx "$(gwns "$1")" ipvsadm -Lnc | grep -c ESTABLISHED
}

# failover_ipvs sync|nosync
failover_ipvs()
{
	local mode=$1 out j h vm pb0 pp0 pb1 pp1

	echo "== failover, ipvs $mode: $NFLOWS flows, master director dies, backup takes over" >&2
	topo notgw
	sync_serve 80 || exit 1
	for ((j = 1; j <= SYNC_NHOST; j++)); do
		eval "h=\$H$j; vm=\$VM$j"
		# the host decapsulates, the VM answers the client directly
		ip -n "$h" link set tunl0 up &&
		nsx "$h" sysctl -qw net.ipv4.conf.tunl0.rp_filter=0 &&
		ip -n "$h" route add $VIP/32 via 10.1.$j.2 &&
		ip -n "$vm" addr add $VIP/32 dev lo || exit 1
	done
	ipvs_director 1 && ipvs_director 2 || exit 1
	if [ "$mode" = sync ]; then
		nsx "$GW1" ipvsadm --start-daemon master --mcast-interface s0 \
			--syncid $SYNC_ID &&
		nsx "$GW2" ipvsadm --start-daemon backup --mcast-interface s0 \
			--syncid $SYNC_ID || exit 1
	fi
	sync_ecmp 1
	pb0=$(nsx "$GW1" cat /sys/class/net/s0/statistics/tx_bytes)
	pp0=$(nsx "$GW1" cat /sys/class/net/s0/statistics/tx_packets)
	flows_start fo "$NFLOWS" || { echo "flows did not connect" >&2; return; }
	if [ "$mode" = sync ]; then
		# IPVS sends a conn on its third packet: wait for the records
		busywait $(((60 + NFLOWS / 100) * 1000 * SCALE)) sh -c \
			"[ \$(ip netns exec $GW2 ipvsadm -Lnc | grep -c ESTABLISHED) -ge $NFLOWS ]" ||
			log_info "backup has $(ipvs_conns 2) of $NFLOWS conns before the failover"
		pb1=$(nsx "$GW1" cat /sys/class/net/s0/statistics/tx_bytes)
		pp1=$(nsx "$GW1" cat /sys/class/net/s0/statistics/tx_packets)
		RES[fo_bytes_ipvs]=$(((pb1 - pb0 - 42 * (pp1 - pp0)) / NFLOWS))
	fi
	ip netns del "$GW1"
	sync_ecmp 2
	flows_mark fo
	flows_stop fo
	out=$(cat "$TMPD/fo.out")
	RES[ipvs-$mode]=$(echo "$out" | jget broken resets slow_flows stalled_flows rtt_max_ms | xargs)
	log_info "$out"
}

start=$(date +%s)
bench_bytes
bench_latency
for m in $MODES; do
	case $m in
	tgw-sync) failover_tgw sync ;;
	tgw-nosync) failover_tgw nosync ;;
	ipvs-sync) failover_ipvs sync ;;
	ipvs-nosync) failover_ipvs nosync ;;
	esac
done

echo
echo "tgw sync, 3 gateways, unicast peers, HMAC on; TCG guest: compare rows"
echo "sync bytes per new connection, $K opened at once (all peer copies, UDP payload):"
echo "  open (until established)  ${RES[open]:-}"
echo "  close                     ${RES[close]:-}"
echo "  idle (HELLOs, 3 gateways) ${RES[idle]:-}"
echo "  during the failover run:  tgw ${RES[fo_bytes_tgw]:--} B/conn (2 peers each, refresh included)," \
	"ipvs ${RES[fo_bytes_ipvs]:--} B/conn (one multicast copy)"
echo "new connection on every gateway (monitor events, CLOCK_MONOTONIC):"
echo "${RES[latency]:-}"
echo
printf 'failover of %s flows (one record every %s s each)\n' "$NFLOWS" "$INTERVAL"
printf '%-12s %-18s %7s %7s %9s %9s %9s\n' mode gateways broken resets \
	"echo >2s" "echo >10s" "max ms"
for m in $MODES; do
	read -r br rs slow stl rtt <<< "${RES[$m]:-- - - - -}"
	case $m in
	tgw-*) g="3 -> 2 (ECMP)" ;;
	ipvs-*) g="master -> backup" ;;
	*) continue ;;
	esac
	printf '%-12s %-18s %7s %7s %9s %9s %9s\n' "$m" "$g" "$br" "$rs" \
		"$slow" "$stl" "$rtt"
done
echo "broken: reset, bad data or no echo by the end; echo >2s/>10s: flows"
echo "that waited that long for one echo and carried on (TCP retransmission"
echo "after the failover; tgw hosts tunnel answers to a flow's last gateway"
echo "until a client packet comes through another)"
echo "($(($(date +%s) - start)) s)"
