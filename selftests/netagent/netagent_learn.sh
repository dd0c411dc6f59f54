#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent learn mode (the IP/MAC sniffer) with a real DHCP exchange:
# busybox udhcpd in the neighbour's netns, udhcpc in the VM. Bindings come
# only from DHCPACKs sent to the VM (T14: never from ARP), expire with the
# lease, raise events, and never take an address bound on another port.

ALL_TESTS="
	test_no_tofu
	test_learn_from_ack
	test_set_keeps_learned
	test_expiry
	test_not_bound_elsewhere
	test_learn_dhcpv6
"

. "$(dirname "$0")/netagent_lib.sh"

LEASE=8
EVENTS=

udhcpc_run()
{
	ip netns exec "$VM" busybox udhcpc -i eth0 -f -q -n -t 6 -T 1 \
		-s /bin/true > /dev/null 2>&1
}

learned()
{
	na_ctl port show p1 | grep -q "ip 10.0.0.100/32 learned expires"
}

test_no_tofu()
{
	RET=0
	expect_all_drop ipv4-src learned_ip ipv4_own
	expect_all_pass arp_probe_gateway arp_probe dhcp_discover_own
	expect_drop arp_learned arp-spa
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
	busywait $(((LEASE + 4) * 1000)) sh -c "! $NACTL port show p1 | grep -q learned"
	check_err $? "binding did not expire: $(na_ctl port show p1)"
	busywait 2000 grep -q "binding p1 expired 10.0.0.100/32" "$EVENTS"
	check_err $? "no expiry event: $(cat "$EVENTS")"
	expect_drop learned_ip ipv4-src
	log_test "learn mode: bindings expire with the lease"
}

test_not_bound_elsewhere()
{
	RET=0
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
	busywait 2000 sh -c "$NACTL port show p1 | grep -q 'ip 2001:db8::100/128 learned'"
	check_err $? "DHCPv6 binding not learned: $(na_ctl port show p1)"
	busywait 2000 grep -q "binding p1 learned 2001:db8::100/128" "$EVENTS"
	check_err $? "no DHCPv6 binding event"
	expect_pass learned_ip6
	busywait 12000 sh -c "! $NACTL port show p1 | grep -q 2001:db8::100"
	check_err $? "DHCPv6 binding did not expire"
	expect_drop learned_ip6 ipv6-src
	log_test "learn mode: DHCPv6 REPLY IA_NA addresses bound for their lifetime"
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
defer rm -f "$CONF" "$LEASES" "$EVENTS"
cat > "$CONF" << EOT
interface eth0
start 10.0.0.100
end 10.0.0.100
lease_file $LEASES
min_lease 2
option subnet 255.255.255.0
option lease $LEASE
EOT
ip netns exec "$NB" busybox udhcpd -f "$CONF" > "${UDHCPD_LOG:-/dev/null}" 2>&1 &
defer kill $!
na_ctl monitor > "$EVENTS" &
defer kill $!
tests_run
exit "$EXIT_STATUS"
