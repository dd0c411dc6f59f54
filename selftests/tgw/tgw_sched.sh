#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Schedulers: wrr follows the weights exactly, wlc balances open
# connections, maglev spreads flows and, as the fallback for unknown
# mid-stream packets, keeps them on their VM when the gateway loses its
# table (held flows, and a long transfer flushed in the middle). With wrr
# the fallback is the same Maglev table: a flow survives if Maglev agrees
# with the VM wrr picked, the others are reset at once by the VM (never
# left hanging). Weight 0 drains (no new flows, old ones carry on);
# deleting a destination deletes its connections.

ALL_TESTS="test_wrr test_wlc test_maglev_fallback test_maglev_transfer
	   test_wrr_fallback test_drain test_dest_del"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

# held connections outlive the checks on a slow (debug) kernel too
SCALE=${CLOUDPLANE_TIMEOUT_SCALE:-1}

dest_w()
{
	tgwctl "$GW" dest set $VIP:80 proto tcp host 192.168.$1.2 \
		vm 10.1.$1.2:8080 weight "$2"
}

# dest_active PORT VM: active connections of that destination of VIP:PORT
dest_active()
{
	tgwctl "$GW" -j dest show $VIP:"$1" proto tcp | "$PY" -c '
import json, sys
print([d["active"] for d in json.load(sys.stdin) if d["vm"] == sys.argv[1]][0])' "$2"
}

test_wrr()
{
	local out

	RET=0
	tgwctl "$GW" service set $VIP:80 proto tcp sched wrr && dest_w 1 3 &&
	dest_w 2 1
	check_err $? "config"
	out=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 40)
	log_info "$out"
	check_eq "$(echo "$out" | json errors)" 0 "errors"
	check_eq "$(echo "$out" | json vm1)" 30 "vm1 (weight 3)"
	check_eq "$(echo "$out" | json vm2)" 10 "vm2 (weight 1)"
	log_test "wrr: 40 connections split 30:10 for weights 3:1"
}

test_wlc()
{
	local out f pid

	RET=0
	# A service of its own: late packets of earlier flows (picked up as
	# mid-stream flows) cannot skew its counters.
	vip_service 81 tcp wlc
	check_err $? "config"
	f=$(mktemp)
	defer rm -f "$f"
	# 4 held connections: 2 per VM whatever the order
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 81 --count 4 --hold $((6 * SCALE)) > "$f" &
	pid=$!
	busywait 10000 sh -c "[ \$(ip netns exec $GW $TGWCTL conn show vip $VIP:81 | grep -c established) -ge 4 ]"
	check_err $? "held connections not established"
	check_eq "$(dest_active 81 10.1.1.2)" 2 "active on vm1"
	check_eq "$(dest_active 81 10.1.2.2)" 2 "active on vm2"
	wait "$pid"
	log_info "$(cat "$f")"
	check_eq "$(json errors < "$f")" 0 "errors"
	check_eq "$(json vm1 < "$f")" 2 "vm1"
	log_test "wlc: open connections balanced, active counters right"
}

test_maglev_fallback()
{
	local f out pid

	RET=0
	# equal weights: 20 flows all on one VM is a 2^-19 chance (with
	# test_wrr's 3:1 it was 0.75^20, 0.3 %)
	tgwctl "$GW" service set $VIP:80 proto tcp sched maglev && dest_w 1 1 &&
	dest_w 2 1
	check_err $? "config"
	out=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 20)
	check_eq "$(echo "$out" | json errors)" 0 "errors"
	[ "$(echo "$out" | json vm1)" -gt 0 ] && [ "$(echo "$out" | json vm2)" -gt 0 ]
	check_err $? "maglev used one VM only: $out"
	f=$(mktemp)
	defer rm -f "$f"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 6 --hold $((6 * SCALE)) > "$f" &
	pid=$!
	busywait 8000 sh -c "[ \$(ip netns exec $GW $TGWCTL conn show | grep -c established) -ge 6 ]"
	# The gateway forgets every flow (as a gateway taking over would).
	tgwctl "$GW" conn flush > /dev/null
	check_err $? "conn flush"
	busywait 4000 sh -c "ip netns exec $GW $TGWCTL conn show | grep -q fallback"
	check_err $? "no flow picked up mid-stream"
	wait "$pid"
	log_info "$(cat "$f")"
	check_eq "$(json errors < "$f")" 0 "flows broke after the gateway lost them"
	check_eq "$(json held < "$f")" 6 "held flows"
	log_test "maglev spreads flows; unknown mid-stream flows keep their VM"
}

# conn_vm PORT: the VM of the gateway's connection from client port PORT
conn_vm()
{
	tgwctl "$GW" conn show proto tcp client 10.0.1.2:"$1" |
		sed -n 's/.* vm \(10.1.[12].2\):8080 .*/\1/p'
}

# conn_vms PATTERN: "PORT VM" for each TCP connection whose line matches
conn_vms()
{
	tgwctl "$GW" conn show proto tcp | grep "$1" |
		sed -n 's/^tcp 10.0.1.2:\([0-9]*\) .* vm \(10.1.[12].2\):8080 .*/\1 \2/p'
}

test_maglev_transfer()
{
	local f pid port vm_before vm_after start

	RET=0
	tgwctl "$GW" service set $VIP:80 proto tcp sched maglev
	start=$(stat "$GW" bytes_in)
	f=$(mktemp)
	defer rm -f "$f"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 1 --bytes 60000000 \
		> "$f" &
	pid=$!
	busywait 10000 sh -c "[ \$(ip netns exec $GW $TGWCTL -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"stats\"][\"bytes_in\"])') -gt $((start + 3000000)) ]"
	check_err $? "transfer did not start"
	port=$(tgwctl "$GW" conn show proto tcp | grep established |
	       sed -n 's/^tcp 10.0.1.2:\([0-9]*\) .*/\1/p' | head -1)
	vm_before=$(conn_vm "$port")
	tgwctl "$GW" conn flush > /dev/null
	check_err $? "conn flush"
	busywait 5000 sh -c "ip netns exec $GW $TGWCTL conn show proto tcp client 10.0.1.2:$port | grep -q fallback"
	check_err $? "transfer not picked up mid-stream (finished already?)"
	vm_after=$(conn_vm "$port")
	wait "$pid"
	log_info "$(cat "$f") port $port vm $vm_before -> $vm_after"
	check_eq "$(json errors < "$f")" 0 "transfer broke or data differed"
	[ -n "$vm_before" ]
	check_err $? "no connection before the flush"
	check_eq "$vm_after" "$vm_before" "backend after the flush"
	log_test "maglev: 60 MB transfer flushed mid-way completes on its VM"
}

test_wrr_fallback()
{
	local f pid ports p before after moved=0 n=8

	RET=0
	tgwctl "$GW" service set $VIP:80 proto tcp sched wrr && dest_w 1 1 &&
	dest_w 2 1
	check_err $? "config"
	f=$(mktemp)
	defer rm -f "$f"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count $n --hold $((8 * SCALE)) > "$f" &
	pid=$!
	busywait 10000 sh -c "[ \$(ip netns exec $GW $TGWCTL conn show | grep -c 'established.*confirmed') -ge $n ]"
	check_err $? "held flows not established"
	# one table read before and one after (a tgwctl run per flow takes
	# seconds on a debug kernel: the held flows would end meanwhile)
	declare -A was now
	while read -r p v; do
		was[$p]=$v
	done < <(conn_vms established)
	ports=${!was[*]}
	tgwctl "$GW" conn flush > /dev/null
	# every held flow pings every 0.2 s: all come back as fallback entries
	busywait 5000 sh -c "[ \$(ip netns exec $GW $TGWCTL conn show | grep -c fallback) -ge $n ]"
	check_err $? "flows not picked up: $(tgwctl "$GW" conn show)"
	while read -r p v; do
		now[$p]=$v
	done < <(conn_vms fallback)
	for p in $ports; do
		before=${was[$p]}
		after=${now[$p]:-}
		[ "$before" = "$after" ] || moved=$((moved + 1))
	done
	wait "$pid"
	log_info "$(cat "$f") moved $moved of $n"
	# a moved flow reaches a VM that does not know it: reset, not hung
	check_eq "$(json errors < "$f")" "$moved" "flows broken (= flows moved)"
	check_eq "$(json held < "$f")" $((n - moved)) "flows kept"
	log_test "wrr: mid-stream fallback keeps the flows Maglev agrees on, resets the rest"
}

test_drain()
{
	local f out pid

	RET=0
	tgwctl "$GW" service set $VIP:80 proto tcp sched wrr && dest_w 1 1 &&
	dest_w 2 1
	f=$(mktemp)
	defer rm -f "$f"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 2 --hold $((6 * SCALE)) > "$f" &
	pid=$!
	busywait 8000 sh -c "[ \$(ip netns exec $GW $TGWCTL conn show | grep -c established) -ge 2 ]"
	dest_w 2 0
	check_err $? "weight 0"
	out=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 6)
	check_eq "$(echo "$out" | json vm2)" 0 "new connections on the drained VM"
	check_eq "$(echo "$out" | json vm1)" 6 "new connections on vm1"
	wait "$pid"
	check_eq "$(json errors < "$f")" 0 "held flows broke"
	check_eq "$(json vm2 < "$f")" 1 "a held flow on vm2"
	log_test "weight 0 drains: no new flows, existing ones carry on"
}

test_dest_del()
{
	local n

	RET=0
	dest_w 2 1
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 4 > /dev/null
	n=$(tgwctl "$GW" conn show vm 10.1.2.2 | wc -l)
	[ "$n" -gt 0 ]
	check_err $? "no connections to vm2"
	tgwctl "$GW" dest del $VIP:80 proto tcp host 192.168.2.2 \
		vm 10.1.2.2:8080
	check_err $? "dest del"
	check_eq "$(tgwctl "$GW" conn show vm 10.1.2.2 | wc -l)" 0 \
		"connections of the deleted destination"
	n=$(nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 3 | json vm1)
	check_eq "$n" 3 "new connections after delete"
	log_test "deleting a destination deletes its connections"
}

tgw_require
trap cleanup EXIT
tgw_setup || ktap_skip_all "topology setup failed"
serve "$VM1" vm1 8080
serve "$VM2" vm2 8080
vip_service 80 tcp || exit 1
tests_run
exit "$EXIT_STATUS"
