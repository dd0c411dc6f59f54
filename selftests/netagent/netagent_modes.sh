#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent modes and lifecycle under traffic: default-deny from the first
# frame, atomic policy updates while a VM floods spoofed frames (T12),
# monitor mode, /0 and /1 allowed prefixes (T16), violation events and
# their rate limit (netagentctl monitor), port deletion, device deletion
# and module unload while frames are flowing.

ALL_TESTS="
	test_default_deny_from_first_frame
	test_update_under_traffic
	test_monitor_mode
	test_wide_prefixes
	test_events
	test_event_rate_knob
	test_del_under_traffic
	test_unregister_under_traffic
	test_unload_under_traffic
"

. "$(dirname "$0")/netagent_lib.sh"

FLOOD_PID=

# flood MS NAME...: the VM sends the frames round-robin in the background
# for MS (longer on slow kernels: it must outlast the steps it covers)
flood()
{
	local ms=$(($1 * ${CLOUDPLANE_TIMEOUT_SCALE:-1})) n hex=()

	shift
	for n in "$@"; do
		hex+=("${FRAMES[$n]}")
	done
	ip netns exec "$VM" "$NA_PKT" flood eth0 "$ms" "${hex[@]}" > /dev/null 2>&1 &
	FLOOD_PID=$!
}

test_default_deny_from_first_frame()
{
	local n0 n1

	RET=0
	na_ctl port del p1 2> /dev/null
	flood 4000 ipv4_spoof arp_sha_spoof_reply na_foreign_target
	busywait 2000 nb_rx_ge $(($(nb_rx) + 10))
	check_err $? "spoofed frames do not flow before protection"
	na_protect
	check_err $? "port add failed"
	kill -0 "$FLOOD_PID" 2> /dev/null
	check_err $? "the flood ended before the port was added: the test cannot tell"
	sleep 0.2	# frames already past the hook drain
	n0=$(nb_rx)
	sleep 1
	n1=$(nb_rx)
	wait "$FLOOD_PID"
	check_eq "$n1" "$n0" "spoofed frames leaked after port add"
	[ "$(na_reason ipv4-src)" -gt 0 ] && [ "$(na_reason arp-sha)" -gt 0 ]
	check_err $? "the flood was not counted"
	log_test "default-deny from the first frame after port add (T12)"
}

test_update_under_traffic()
{
	local n0 i

	RET=0
	flood 6000 ipv4_spoof arp_sha_spoof_reply arp_spa_spoof_reply \
		na_foreign_target ip6_spoof
	sleep 0.2
	n0=$(nb_rx)
	for i in $(seq 1 40); do
		na_ctl port set p1 ip "$VM_IP" ip "$VM_IP6" ip "10.1.$i.0/24" \
			allow-ethertype 88b5 mode $( ((i % 2)) && echo learn || echo enforce)
	done
	check_err $? "port set failed"
	wait "$FLOOD_PID"
	check_eq "$(nb_rx)" "$n0" "spoofed frames leaked during policy updates"
	na_ctl port set p1 flush ip "$VM_IP" ip "$VM_IP6" mode enforce
	expect_pass ipv4_own
	log_test "policy updates under traffic are atomic (T12)"
}

test_monitor_mode()
{
	RET=0
	na_ctl port set p1 mode monitor
	check_err $? "port set mode monitor failed"
	local r0 n0

	r0=$(na_reason ipv4-src)
	expect_reach ipv4_spoof
	check_eq "$(na_reason ipv4-src)" $((r0 + 1)) "monitor did not count"
	na_ctl port set p1 mode enforce
	expect_drop ipv4_spoof ipv4-src
	log_test "monitor mode counts and reports, drops nothing"
}

test_wide_prefixes()
{
	RET=0
	na_ctl port set p1 ip 0.0.0.0/0 ip ::/0
	check_err $? "port set /0 failed"
	expect_all_pass ipv4_spoof arp_spa_spoof_reply ip6_spoof
	expect_drop arp_sha_spoof_reply arp-sha
	expect_drop eth_spoof_ipv4 eth-src
	expect_drop ra_own ra
	expect_drop dhcp_offer_from_vm dhcp-server
	na_ctl port set p1 ip 0.0.0.0/1
	expect_pass ipv4_spoof
	expect_drop arp_sha_spoof_garp arp-sha
	na_ctl port set p1 ip 128.0.0.0/1
	expect_drop ipv4_spoof ipv4-src
	na_ctl port set p1 ip "$VM_IP" ip "$VM_IP6"
	log_test "/0 and /1 prefixes keep the MAC, ARP SHA, RA, DHCP checks (T16)"
}

test_events()
{
	local out pid n i frames=()

	RET=0
	out=$(mktemp)
	defer rm -f "$out"
	ip netns exec "$HV" "$NACTL" monitor > "$out" &
	pid=$!
	sleep 0.5
	na_send ipv4_spoof
	busywait 3000 grep -q "violation p1 reason ipv4-src mode enforce src $VM_MAC" "$out"
	check_err $? "no violation event: $(cat "$out")"
	for i in $(seq 1 60); do
		frames+=(arp_sha_spoof_reply)
	done
	na_send "${frames[@]}"
	sleep 0.5
	kill "$pid"
	wait "$pid" 2> /dev/null
	n=$(grep -c "reason arp-sha" "$out")
	[ "$n" -ge 1 ] && [ "$n" -le 20 ]
	check_err $? "60 violations gave $n events (rate limit 10/s)"

	ip netns exec "$HV" "$NACTL" -j monitor > "$out" &
	pid=$!
	sleep 0.5
	na_send eth_spoof_ipv4
	busywait 3000 grep -q '"reason":"eth-src"' "$out"
	check_err $? "no JSON event"
	kill "$pid"
	wait "$pid" 2> /dev/null
	head -n 1 "$out" | "$PYTHON" -c 'import json, sys; e = json.load(sys.stdin); assert e["event"] == "violation" and e["ifname"] == "p1"'
	check_err $? "bad JSON event: $(head -n 1 "$out")"
	log_test "violation events on the mcast group, rate-limited per port"
}

# probe_event FILE: a violation, seen by the monitor writing FILE
probe_event()
{
	na_send eth_spoof_ipv4 > /dev/null
	grep -q "reason eth-src" "$1"
}

# events_for RATE N: N spoofed frames with event_rate RATE; prints how many
# violation events the (existing) port p1 sent
events_for()
{
	local out pid i frames=()

	out=$(mktemp)
	for i in $(seq 1 "$2"); do
		frames+=(arp_sha_spoof_reply)
	done
	echo 10 > /sys/module/netagent/parameters/event_rate
	ip netns exec "$HV" "$NACTL" monitor > "$out" &
	pid=$!
	busywait 10000 probe_event "$out" || echo "# monitor not listening" >&2
	sleep 1.1	# a fresh ratelimit window
	echo "$1" > /sys/module/netagent/parameters/event_rate
	na_send "${frames[@]}"
	sleep 0.5
	kill "$pid"
	wait "$pid" 2> /dev/null
	grep -c "reason arp-sha" "$out"
	rm -f "$out"
}

test_event_rate_knob()
{
	local n rate0

	RET=0
	rate0=$(cat /sys/module/netagent/parameters/event_rate)
	defer sh -c "echo $rate0 > /sys/module/netagent/parameters/event_rate"
	na_ctl port show p1 > /dev/null
	check_err $? "p1 is not protected"
	n=$(events_for 2 40)
	[ "$n" -ge 1 ] && [ "$n" -le 4 ]
	check_err $? "event_rate 2 on an existing port: 40 violations gave $n events"
	n=$(events_for 0 20)
	check_eq "$n" 0 "event_rate 0 on an existing port"
	n=$(events_for 30 40)
	[ "$n" -ge 20 ]
	check_err $? "event_rate 30 on an existing port: 40 violations gave $n events"
	echo -1 > /sys/module/netagent/parameters/event_rate 2> /dev/null
	check_fail $? "event_rate accepted -1"
	echo 2147483648 > /sys/module/netagent/parameters/event_rate 2> /dev/null
	check_fail $? "event_rate accepted 2^31"
	echo "$rate0" > /sys/module/netagent/parameters/event_rate
	log_test "event_rate knob applies at once to existing ports"
}

test_del_under_traffic()
{
	RET=0
	flood 3000 ipv4_spoof ipv4_own jumbo_spoof na_foreign_target
	sleep 0.5
	na_ctl port del p1
	check_err $? "port del under traffic failed"
	wait "$FLOOD_PID"
	expect_reach ipv4_spoof
	na_protect
	check_err $? "port re-add failed"
	expect_drop ipv4_spoof ipv4-src
	log_test "port deletion under traffic"
}

test_unregister_under_traffic()
{
	RET=0
	flood 3000 ipv4_spoof ipv4_own
	sleep 0.5
	ip -n "$HV" link del p1
	check_err $? "device deletion under traffic failed"
	wait "$FLOOD_PID"
	na_ctl port show | grep -q p1
	check_fail $? "port survived its device"
	na_veth p1 "$VM" eth0 "$VM_MAC"
	ip -n "$HV" link set p1 master br0 up
	na_protect
	check_err $? "port add on the new device failed"
	expect_drop ipv4_spoof ipv4-src
	log_test "device unregister under traffic releases the port"
}

test_unload_under_traffic()
{
	RET=0
	flood 3000 ipv4_spoof ipv4_own jumbo_spoof arp_sha_spoof_reply
	sleep 0.5
	rmmod netagent
	check_err $? "rmmod under traffic failed"
	wait "$FLOOD_PID"
	expect_reach ipv4_spoof
	log_test "module unload under traffic"
}

na_require
trap cleanup EXIT
na_topo || ktap_skip_all "cannot build the bridge topology"
na_corpus || ktap_skip_all "cannot build the scapy corpus"
tests_run
exit "$EXIT_STATUS"
