#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent learn mode (the IP/MAC sniffer) with a real DHCP exchange:
# busybox udhcpd in the neighbour's netns, udhcpc in the VM. Bindings come
# only from DHCPACKs sent to the VM (T14: never from ARP), expire with the
# lease, raise events, and never take an address bound on another port.
# They end early on a DHCPRELEASE (udhcpc -R), a DHCPNAK or a DHCPDECLINE,
# and on DHCPv6 RELEASE/DECLINE, but only the VM's own learned ones.

ALL_TESTS="
	test_no_tofu
	test_learn_from_ack
	test_set_keeps_learned
	test_expiry
	test_release
	test_nak
	test_decline
	test_revoke_only_own
	test_not_bound_elsewhere
	test_learn_dhcpv6
	test_revoke_dhcpv6
"

. "$(dirname "$0")/netagent_lib.sh"

# learned bindings live as long as the lease: longer on slow kernels
LEASE=$((15 * ${CLOUDPLANE_TIMEOUT_SCALE:-1}))
EVENTS=

udhcpc_run()
{
	ip netns exec "$VM" busybox udhcpc -i eth0 -f -q -n -t 6 -T 1 \
		-s /bin/true > /dev/null 2>&1
}

# udhcpc_release: get a lease, configure it, and once bound on p1 stop
# the client, which releases the lease on exit (-R; not with -q)
udhcpc_release()
{
	local pid ret

	ip netns exec "$VM" busybox udhcpc -i eth0 -f -n -t 6 -T 1 -R \
		-s "$UDHCPC_SCRIPT" > /dev/null 2>&1 &
	pid=$!
	busywait 15000 learned
	ret=$?
	kill "$pid"
	wait "$pid"
	return "$ret"
}

# shown PATTERN [DEV]: port show DEV (p1) matches PATTERN
shown()
{
	na_ctl port show "${2:-p1}" | grep -q "$1"
}

not_shown()
{
	! shown "$@"
}

learned()
{
	shown "ip 10.0.0.100/32 learned expires"
}

# event PATTERN: netagentctl monitor printed a line matching PATTERN
event()
{
	busywait 3000 grep -q "$1" "$EVENTS"
}

# lease: udhcpc binds 10.0.0.100 on p1 again
lease()
{
	udhcpc_run && busywait 2000 learned
}

test_no_tofu()
{
	RET=0
	expect_all_drop ipv4-src learned_ip ipv4_own
	expect_all_pass arp_probe_gateway arp_probe
	expect_drop arp_learned arp-spa
	# last: udhcpd answers it with a broadcast ARP check of its pool
	expect_pass dhcp_discover_own
	na_ctl port show p1 | grep -q learned
	check_fail $? "learned from the VM's own frames"
	log_test "learn mode: nothing bound before a DHCPACK, no TOFU from ARP (T14)"
}

test_learn_from_ack()
{
	RET=0
	udhcpc_run
	check_err $? "udhcpc got no lease"
	busywait 2000 learned
	check_err $? "no learned binding: $(na_ctl port show p1)"
	busywait 2000 grep -q "binding p1 learned 10.0.0.100/32" "$EVENTS"
	check_err $? "no binding event: $(cat "$EVENTS")"
	expect_all_pass learned_ip arp_learned
	expect_drop ipv4_spoof ipv4-src
	log_test "learn mode: DHCPACK to the VM binds the address, with an event"
}

test_set_keeps_learned()
{
	RET=0
	na_ctl port set p1 allow-ethertype 88b5
	learned
	check_err $? "port set lost the learned binding"
	expect_pass learned_ip
	log_test "learn mode: port set keeps learned bindings"
}

test_expiry()
{
	RET=0
	busywait $(((LEASE + 4) * 1000)) not_shown learned
	check_err $? "binding did not expire: $(na_ctl port show p1)"
	busywait 2000 grep -q "binding p1 expired 10.0.0.100/32" "$EVENTS"
	check_err $? "no expiry event: $(cat "$EVENTS")"
	expect_drop learned_ip ipv4-src
	log_test "learn mode: bindings expire with the lease"
}

test_not_bound_elsewhere()
{
	RET=0
	# start from no binding on p1
	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp_nak_to_vm]}"
	busywait 3000 not_shown 10.0.0.100
	check_err $? "p1 still has its binding: $(na_ctl port show p1)"
	# monitor: p2 hosts the DHCP server, which enforce mode would block
	na_ctl port add p2 mac "$VIC_MAC" ip "$VIC_IP" ip 10.0.0.100 mode monitor
	check_err $? "port add p2 failed"
	udhcpc_run
	check_err $? "udhcpc got no lease"
	sleep 1
	learned
	check_fail $? "learned an address bound on another port"
	expect_drop learned_ip ipv4-src
	na_ctl port del p2
	log_test "learn mode: an address bound on another port is never taken (T14)"
}

# A crafted DHCPv6 REPLY from the neighbour (no DHCPv6 server in busybox).
test_learn_dhcpv6()
{
	RET=0
	expect_drop learned_ip6 ipv6-src
	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp6_reply_other_mac]}"
	sleep 0.5
	na_ctl port show p1 | grep -q "2001:db8::200"
	check_fail $? "learned from a REPLY to another MAC"
	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp6_reply_to_vm]}"
	busywait 2000 shown "ip 2001:db8::100/128 learned"
	check_err $? "DHCPv6 binding not learned: $(na_ctl port show p1)"
	busywait 2000 grep -q "binding p1 learned 2001:db8::100/128" "$EVENTS"
	check_err $? "no DHCPv6 binding event"
	expect_pass learned_ip6
	busywait 12000 not_shown 2001:db8::100
	check_err $? "DHCPv6 binding did not expire"
	expect_drop learned_ip6 ipv6-src
	log_test "learn mode: DHCPv6 REPLY IA_NA addresses bound for their lifetime"
}

# The busybox client releases its lease on exit (-R): the binding goes at
# once, long before the end of the lease, with a "released" event.
test_release()
{
	RET=0
	udhcpc_release
	check_err $? "udhcpc got no lease: $(na_ctl port show p1)"
	event "binding p1 learned 10.0.0.100/32.*reason dhcp-ack"
	check_err $? "no binding event before the release: $(cat "$EVENTS")"
	busywait 3000 not_shown 10.0.0.100
	check_err $? "DHCPRELEASE did not revoke the binding: $(na_ctl port show p1)"
	event "binding p1 released 10.0.0.100/32.*reason dhcp-release"
	check_err $? "no released event: $(tail -n 3 "$EVENTS")"
	expect_drop learned_ip ipv4-src
	expect_drop arp_learned arp-spa
	log_test "learn mode: a DHCPRELEASE from the VM revokes its binding at once"
}

test_nak()
{
	RET=0
	lease
	check_err $? "no lease: $(na_ctl port show p1)"
	# a NAK to another client leaves the binding alone
	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp_nak_other_mac]}"
	sleep 0.5
	learned
	check_err $? "a NAK to another MAC revoked the binding"
	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp_nak_to_vm]}"
	busywait 3000 not_shown 10.0.0.100
	check_err $? "DHCPNAK did not revoke the binding: $(na_ctl port show p1)"
	event "binding p1 released 10.0.0.100/32.*reason dhcp-nak"
	check_err $? "no released event: $(tail -n 3 "$EVENTS")"
	expect_drop learned_ip ipv4-src
	log_test "learn mode: a DHCPNAK to the VM revokes its IPv4 bindings"
}

test_decline()
{
	RET=0
	lease
	check_err $? "no lease: $(na_ctl port show p1)"
	expect_pass dhcp_decline
	busywait 3000 not_shown 10.0.0.100
	check_err $? "DHCPDECLINE did not revoke the binding: $(na_ctl port show p1)"
	event "binding p1 released 10.0.0.100/32.*reason dhcp-decline"
	check_err $? "no released event: $(tail -n 3 "$EVENTS")"
	expect_drop learned_ip ipv4-src
	# learned again from the next ACK
	lease
	check_err $? "not learned again after the decline"
	expect_pass learned_ip
	log_test "learn mode: a DHCPDECLINE from the VM revokes the declined address"
}

# A VM can give back only its own learned bindings: not another port's,
# not a configured address. (The lease comes first: once the DHCP
# server's port is p2, in learn mode, its replies are dropped.)
test_revoke_only_own()
{
	local n

	RET=0
	lease
	check_err $? "no lease: $(na_ctl port show p1)"
	n=$(wc -l < "$EVENTS")
	na_ctl port add p2 mac "$VIC_MAC" mode learn
	check_err $? "port add p2 failed"
	hv "$NA_PKT" send br0 "${FRAMES[dhcp_ack_to_nb]}"
	busywait 2000 shown "ip 10.0.0.200/32 learned" p2
	check_err $? "p2 did not learn from the host's ACK: $(na_ctl port show p2)"
	na_ctl port set p1 ip "$VM_IP"
	check_err $? "port set p1 failed"
	expect_all_pass dhcp_release_other dhcp_decline_other dhcp_release_cfg
	sleep 0.5
	shown "ip 10.0.0.200/32 learned" p2
	check_err $? "the VM revoked p2's binding: $(na_ctl port show p2)"
	shown "ip $VM_IP/32"
	check_err $? "the VM revoked a configured address: $(na_ctl port show p1)"
	if learned; then
		expect_pass ipv4_own
	else
		# on a loaded host the lease may run out in between: that
		# is an expiry, not a revoke
		tail -n +$((n + 1)) "$EVENTS" | grep -q "binding p1 expired 10.0.0.100/32"
		check_err $? "p1's own binding lost: $(na_ctl port show p1)"
		log_info "p1's ${LEASE} s lease expired during the test"
	fi
	tail -n +$((n + 1)) "$EVENTS" | grep -q "released"
	check_fail $? "a released event: $(tail -n +$((n + 1)) "$EVENTS")"
	na_ctl port del p2
	na_ctl port set p1 flush
	log_test "learn mode: a VM cannot revoke another port's or a configured binding"
}

test_revoke_dhcpv6()
{
	RET=0
	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp6_reply_to_vm]}"
	busywait 2000 shown "ip 2001:db8::100/128 learned"
	check_err $? "DHCPv6 binding not learned: $(na_ctl port show p1)"
	expect_pass dhcp6_release
	busywait 3000 not_shown 2001:db8::100
	check_err $? "DHCPv6 RELEASE did not revoke: $(na_ctl port show p1)"
	event "binding p1 released 2001:db8::100/128.*reason dhcpv6-release"
	check_err $? "no released event (RELEASE)"
	expect_drop learned_ip6 ipv6-src

	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp6_reply_to_vm]}"
	busywait 2000 shown "ip 2001:db8::100/128 learned"
	check_err $? "DHCPv6 binding not learned again"
	expect_pass dhcp6_decline
	busywait 3000 not_shown 2001:db8::100
	check_err $? "DHCPv6 DECLINE did not revoke: $(na_ctl port show p1)"
	event "binding p1 released 2001:db8::100/128.*reason dhcpv6-decline"
	check_err $? "no released event (DECLINE)"

	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp6_reply_to_vm]}"
	busywait 2000 shown "ip 2001:db8::100/128 learned"
	check_err $? "DHCPv6 binding not learned a third time"
	ip netns exec "$NB" "$NA_PKT" send eth0 "${FRAMES[dhcp6_reply_zero]}"
	busywait 3000 not_shown 2001:db8::100
	check_err $? "a REPLY with valid lifetime 0 did not revoke"
	expect_drop learned_ip6 ipv6-src
	log_test "learn mode: DHCPv6 RELEASE/DECLINE from the VM, lifetime 0 revoke"
}

na_require
require_cmd busybox
trap cleanup EXIT
na_topo || ktap_skip_all "cannot build the bridge topology"
na_corpus || ktap_skip_all "cannot build the scapy corpus"
na_ctl port add p1 mac "$VM_MAC" mode learn || ktap_skip_all "cannot protect p1"

ip -n "$NB" addr add "$VIC_IP/24" dev eth0
CONF=$(mktemp)
LEASES=$(mktemp)
EVENTS=$(mktemp)
UDHCPC_SCRIPT=$(mktemp)
defer rm -f "$CONF" "$LEASES" "$EVENTS" "$UDHCPC_SCRIPT"
cat > "$UDHCPC_SCRIPT" << 'EOT'
#!/bin/sh
case $1 in
bound | renew) ip addr add "$ip/24" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" ;;
esac
exit 0
EOT
chmod +x "$UDHCPC_SCRIPT"
cat > "$CONF" << EOT
interface eth0
start 10.0.0.100
end 10.0.0.100
lease_file $LEASES
min_lease 2
decline_time 1
option subnet 255.255.255.0
option lease $LEASE
EOT
ip netns exec "$NB" busybox udhcpd -f "$CONF" > "${UDHCPD_LOG:-/dev/null}" 2>&1 &
defer kill $!
ip netns exec "$HV" "$NACTL" monitor > "$EVENTS" &
defer kill $!
tests_run
exit "$EXIT_STATUS"
