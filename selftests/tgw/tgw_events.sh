#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection events on the "conn" multicast group: a TCP flow through the
# VIP is seen created, through each state change and closed, on the
# gateway and on the host (text and JSON); nothing is recorded while
# nobody listens; a SYN flood against a low events_rate is cut down to
# the rate and the rest counted as suppressed, both in the stream and in
# the stats.

ALL_TESTS="test_flow_events test_host_events_json test_no_listener
	   test_rate_limit"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/topo.sh"

RATE=/sys/module/tgw/parameters/events_rate

# monitor NS FILE [ARGS...]: start "tgwctl [ARGS] monitor", wait until it
# receives (a config change it can see), leave its pid in MON_PID.
monitor()
{
	local ns=$1 out=$2

	shift 2
	# not through a function: $! must be tgwctl itself (ip and stdbuf exec)
	ip netns exec "$ns" stdbuf -oL "$TGWCTL" "$@" monitor all > "$out" &
	MON_PID=$!
	defer kill "$MON_PID"
	busywait 5000 sh -c "ip netns exec $ns $TGWCTL service add 10.9.9.9:9 proto udp 2> /dev/null; ip netns exec $ns $TGWCTL service del 10.9.9.9:9 proto udp; grep -q service-del $out"
}

stop_monitor()
{
	kill "$MON_PID" 2> /dev/null
	wait "$MON_PID" 2> /dev/null
}

test_flow_events()
{
	local out port st

	RET=0
	out=$(mktemp)
	defer rm -f "$out"
	tgwctl "$GW" service set $VIP:80 proto tcp timeout time_wait 2 \
		timeout close 2
	monitor "$GW" "$out"
	check_err $? "monitor did not start"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 1 > /dev/null
	check_err $? "tcp flow"
	busywait 8000 grep -q "^conn-end closed" "$out"
	check_err $? "no conn-end closed event"
	stop_monitor
	log_cmd cat "$out"
	port=$(sed -n 's/^conn-new tcp 10.0.1.2:\([0-9]*\) vip .*/\1/p' "$out" | head -1)
	[ -n "$port" ]
	check_err $? "no conn-new event"
	for st in "conn-new tcp 10.0.1.2:$port vip $VIP:80 vm 10.1.[12].2:8080 peer 192.168.[12].2 syn_sent" \
		  "conn-state from syn_sent tcp 10.0.1.2:$port .* syn_recv" \
		  "conn-state from syn_recv tcp 10.0.1.2:$port .* established" \
		  "conn-state from established tcp 10.0.1.2:$port .* fin_wait" \
		  "conn-state from fin_wait tcp 10.0.1.2:$port .* time_wait" \
		  "conn-end closed tcp 10.0.1.2:$port .* time_wait"; do
		grep -q "^$st" "$out"
		check_err $? "missing event: $st"
	done
	# in order: created first, closed last
	check_eq "$(grep "10.0.1.2:$port " "$out" | head -1 | cut -d' ' -f1)" \
		conn-new "first event of the flow"
	check_eq "$(grep "10.0.1.2:$port " "$out" | tail -1 | cut -d' ' -f1-2)" \
		"conn-end closed" "last event of the flow"
	log_test "gateway: a flow's creation, state changes and close are notified"
}

test_host_events_json()
{
	local out

	RET=0
	out=$(mktemp)
	defer rm -f "$out"
	monitor "$H1" "$out" -j
	check_err $? "monitor did not start"
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 2 > /dev/null
	tgwctl "$H1" conn flush > /dev/null
	busywait 5000 grep -q '"reason":"deleted"' "$out"
	check_err $? "no deleted event on the host"
	stop_monitor
	"$PY" -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
conn = [e for e in ev if e["event"].startswith("conn-")]
new = [e for e in conn if e["event"] == "conn-new"]
assert new and all(e["vm"] == "10.1.1.2" and e["peer"] == "10.255.0.1" and
                   "vip" not in e for e in new), new
assert any(e["event"] == "conn-state" and e["from"] == "syn_sent" for e in conn)
assert any(e["event"] == "conn-end" and e["reason"] == "deleted" for e in conn)
' "$out"
	check_err $? "host JSON events: $(cat "$out")"
	log_test "host: events of its flows, JSON"
}

test_no_listener()
{
	local before after

	RET=0
	before=$(tgwctl "$GW" -j stats | json events_sent)
	nsx "$CLI" "$PY" "$PEER" tcp $VIP 80 --count 4 > /dev/null
	after=$(tgwctl "$GW" -j stats | json events_sent)
	check_eq "$after" "$before" "events sent without a listener"
	log_test "no listener: no events recorded"
}

test_rate_limit()
{
	local out n supp reported t0 t1

	RET=0
	out=$(mktemp)
	defer rm -f "$out"
	echo 50 > $RATE
	defer sh -c "echo 10000 > $RATE"
	tgwctl "$GW" service set $VIP:80 proto tcp timeout syn_sent 60 \
		timeout syn_recv 60
	t0=$(date +%s)
	monitor "$GW" "$out"
	check_err $? "monitor did not start"
	# 1000 SYNs in about 2 s: thousands of events
	nsx "$CLI" hping3 -q -S -p 80 -i u2000 -c 1000 $VIP > /dev/null 2>&1
	busywait 5000 grep -q "^conn-suppressed" "$out"
	check_err $? "no conn-suppressed report"
	sleep 1
	stop_monitor
	t1=$(date +%s)
	n=$(grep "^conn-" "$out" | grep -vc "^conn-suppressed")
	supp=$(tgwctl "$GW" -j stats | json events_suppressed)
	reported=$(awk '/^conn-suppressed/ { s += $2 } END { print s + 0 }' "$out")
	log_info "events received $n in $((t1 - t0)) s, suppressed $supp, reported $reported"
	[ "$supp" -gt 1000 ]
	check_err $? "suppressed events not counted: $supp"
	[ "$reported" -gt 0 ] && [ "$reported" -le "$supp" ]
	check_err $? "suppressed events reported to the listener: $reported"
	# at most 50 per second window
	[ "$n" -le $(( 50 * (t1 - t0 + 2) )) ]
	check_err $? "rate limit not applied: $n events"
	log_test "SYN flood: events rate-limited, the rest counted"
}

tgw_require
require_cmd hping3 stdbuf
trap cleanup EXIT
tgw_setup || ktap_skip_all "topology setup failed"
serve "$VM1" vm1 8080
serve "$VM2" vm2 8080
vip_service 80 tcp || exit 1
tests_run
exit "$EXIT_STATUS"
