#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tgw sync demo (run in the VM by `make demo`): three gateways behind an
# ECMP router share their connection tables; a client keeps 300 TCP flows
# busy with verified data; gateway 2 dies, the router rehashes its flows
# onto the others, which already know them: no flow breaks. Gateway 2
# comes back, gets the whole table (bulk) and takes flows again. The
# topology is the selftests' (selftests/tgw/sync_topo.sh).

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
. "$ROOT/selftests/lib.sh" > /dev/null
. "$ROOT/selftests/tgw/sync_topo.sh"

SCALE=${CLOUDPLANE_TIMEOUT_SCALE:-1}
INTERVAL=1
N=300
TMPD=$(mktemp -d)

log_info()
{
	echo "  $*"
}

# run NAME NS CMD...: show a command and its output
run()
{
	local name=$1 ns=$2

	shift 2
	echo "[$name]# ${*/#$TGWCTL/tgwctl}"
	ip netns exec "$ns" "$@" 2>&1 | sed 's/^/  /'
}

demo_cleanup()
{
	tgw_teardown 2> /dev/null
	cleanup
	rm -rf "$TMPD"
}
trap demo_cleanup EXIT

flows_line()
{
	echo "  client: $(st "$TMPD/demo.st" up) flows up, $(st "$TMPD/demo.st" ok_after_mark) carried data since the event, resets $(st "$TMPD/demo.st" resets), errors $(st "$TMPD/demo.st" errors)"
}

owners()
{
	local i out=""

	for i in $SYNC_ECMP; do
		out+=" gw$i $(tgwctl "$(gwns "$i")" conn show vip $VIP:80 | grep -vc ' synced')"
	done
	echo "  flows each gateway forwards itself:$out"
}

tgw_require > /dev/null
require_module bridge > /dev/null
echo "== client -- router (ECMP, L4 hash) -- gw1 gw2 gw3 -- hosts h1 h2 -- VMs; sync link 172.16.0.0/24"
sync_topo_setup > /dev/null && sync_serve > /dev/null || exit 1
echo "[gw1]# tgwctl sync start syncid $SYNC_ID addr 172.16.0.1 peer 172.16.0.2 peer 172.16.0.3 key ${SYNC_KEY:0:8}..${SYNC_KEY: -4} refresh $SYNC_REFRESH"
echo "  (gw2 and gw3 alike, each with the other two as peers)"
sync_start_all || exit 1
run router "$RTR" ip route show $VIP
busywait $((10000 * SCALE)) sync_in_sync 1
run gw1 "$(gwns 1)" "$TGWCTL" sync show

echo
echo "== $N client flows, a 64-byte record each per second, echoed and checked"
flows_start demo $N > /dev/null || exit 1
owners
echo "  a flow on every gateway: forwarded by one, 'synced' (learned) on the others"
c=$(tgwctl "$GW1" conn show vip $VIP:80 | grep -v synced | head -1 | awk '{ print $2 }')
for i in 1 2 3; do
	run gw$i "$(gwns "$i")" "$TGWCTL" conn show client "$c"
done

echo
echo "== gateway 2 dies (namespace deleted); the router drops it (as on BFD loss)"
sync_gw_del 2
run router "$RTR" ip route show $VIP
flows_mark demo > /dev/null
flows_line
owners
busywait $((8000 * SCALE)) sh -c "ip netns exec $GW1 $TGWCTL sync show | grep -q '172.16.0.2 .*alive no'"
run gw1 "$GW1" "$TGWCTL" sync show

echo
echo "== gateway 2 comes back: new namespace, same config, sync start: it asks for the table"
sync_gw_add 2 && sync_start 2 || exit 1
busywait $((30000 * SCALE)) sync_in_sync 2
run gw2 "$GW2" "$TGWCTL" sync show
echo "  gw2 holds $(nconn "$GW2" vip $VIP:80) connections; back into the ECMP route"
sync_ecmp 1 2 3
flows_mark demo > /dev/null
flows_line
owners

echo
flows_stop demo
echo "== the client at the end: $(jget ok < "$TMPD/demo.out") of $N flows intact," \
	"resets $(jget resets < "$TMPD/demo.out"), records verified $(jget verified < "$TMPD/demo.out")"
run gw1 "$GW1" "$TGWCTL" sync stats
exit 0
