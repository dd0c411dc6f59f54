#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent layer-3 checks: IPv4 source (T11, T13), DHCPv4 server guard and
# chaddr (T1, T15, T17), IPv6 source incl. link-local and :: (T4, T17),
# ND NS/NA/RS options and targets (T5), RA guard and redirects (T7),
# extension headers and fragments (T8), DHCPv6 server guard, malformed
# headers (T13), non-linear and shared skbs.

ALL_TESTS="
	test_ipv4_src
	test_ipv4_malformed
	test_dhcpv4
	test_ipv6_src
	test_ipv6_malformed
	test_nd
	test_ra_redirect
	test_exthdr_fragments
	test_dhcpv6
	test_nonlinear
	test_shared_skb
"

. "$(dirname "$0")/netagent_lib.sh"

test_ipv4_src()
{
	RET=0
	expect_all_pass ipv4_own ipv4_proto0_own
	expect_all_drop ipv4-src ipv4_spoof ipv4_spoof_host ipv4_spoof_outside \
		ipv4_zero_udp ipv4_proto0_spoof ipv4_frag_spoof
	log_test "IPv4 source: to neighbour, host, outside; proto 0; fragments (T11 T13)"
}

test_ipv4_malformed()
{
	RET=0
	expect_all_drop malformed ipv4_ihl4 ipv4_totlen_big ipv4_truncated \
		ipv4_version6
	log_test "IPv4 malformed: ihl < 5, tot_len beyond frame, truncated (T13)"
}

test_dhcpv4()
{
	RET=0
	expect_all_pass dhcp_discover_own dhcp_request_own
	expect_all_drop dhcp-chaddr dhcp_chaddr_spoof dhcp_chaddr_spoof_renew
	expect_all_drop dhcp-server dhcp_offer_from_vm dhcp_ack_from_vm \
		dhcp_to_client_port dhcp_bootreply_to_server
	expect_drop dhcp_fragment fragment
	expect_drop dhcp_truncated malformed
	log_test "DHCPv4: DISCOVER from 0.0.0.0 ok; chaddr, server, fragments (T15 T17)"
}

test_ipv6_src()
{
	RET=0
	expect_all_pass ip6_own ip6_lla_own mld_report_unspec mld_report_own \
		ns_dad_own ns_dad_lla
	expect_all_drop ipv6-src ip6_spoof ip6_lla_stable ip6_lla_foreign \
		ip6_unspec_udp ip6_unspec_echo mld_report_spoof \
		mld_report_unspec_site rs_unspec
	na_ctl port set p1 ip "$VM_IP" ip "$VM_IP6" ip fe80::1234:5678:9abc:def0
	check_err $? "port set with a stable-privacy LLA failed"
	expect_pass ip6_lla_stable
	na_ctl port set p1 ip "$VM_IP" ip "$VM_IP6"
	expect_drop ip6_lla_stable ipv6-src
	log_test "IPv6 source: EUI-64/allowed LLA, :: only for DAD and MLD (T4 T17)"
}

test_ipv6_malformed()
{
	RET=0
	expect_all_drop malformed ip6_payload_big ip6_truncated \
		ip6_exthdr_chain ns_opt_len0 ns_truncated
	log_test "IPv6 malformed: payload length, truncation, header chains, ND options"
}

test_nd()
{
	RET=0
	expect_all_pass ns_own na_own na_lla_own rs_own
	expect_all_drop nd-target ns_dad_foreign na_foreign_target
	expect_drop ns_dad_slla nd-slla
	expect_all_drop nd-slla ns_slla_spoof rs_slla_spoof
	expect_drop na_tlla_spoof nd-tlla
	expect_all_drop ipv6-src ns_src_spoof ns_lla_src_spoof na_src_spoof
	expect_drop na_eth_spoof eth-src
	log_test "ND: NS SLLA, NA target and TLLA, DAD for own addresses only (T5)"
}

test_ra_redirect()
{
	RET=0
	expect_all_drop ra ra_own ra_spoof_src
	expect_drop redirect_own redirect
	log_test "RA guard and ICMPv6 redirects from the VM (T7)"
}

test_exthdr_fragments()
{
	RET=0
	expect_drop ra_hbh_dst ra
	expect_drop na_hbh_dst_foreign nd-target
	expect_drop na_dst_tlla_spoof nd-tlla
	expect_pass udp6_dst_own
	expect_all_drop fragment ra_frag_first na_frag_atomic ns_frag_first \
		frag_chain_split dhcp6_frag
	expect_all_pass frag_later_own echo_frag_own
	expect_drop frag_later_spoof ipv6-src
	log_test "extension headers walked, ND/RA/DHCPv6 in fragments dropped (T8)"
}

test_dhcpv6()
{
	RET=0
	expect_pass dhcp6_solicit
	expect_drop dhcp6_solicit_spoof ipv6-src
	expect_all_drop dhcpv6-server dhcp6_advertise dhcp6_reply_to_server_port \
		dhcp6_to_client_port
	log_test "DHCPv6 server guard: no ADVERTISE/REPLY from the VM"
}

test_nonlinear()
{
	RET=0
	expect_pass jumbo_own
	expect_drop jumbo_spoof ipv4-src
	expect_drop jumbo_na_foreign nd-target
	expect_drop jumbo_dhcp_chaddr dhcp-chaddr
	log_test "non-linear skbs (>= 4 KiB frames are paged) parsed safely"
}

# A packet tap on the port makes the skbs shared at the netdev hook.
test_shared_skb()
{
	local pid

	RET=0
	hv "$NA_PKT" count p1 4000 > /dev/null &
	pid=$!
	sleep 0.5
	expect_all_drop ipv4-src ipv4_spoof jumbo_spoof
	expect_drop na_foreign_target nd-target
	expect_all_pass ipv4_own jumbo_own
	wait "$pid"
	log_test "shared skbs (packet tap on the port) parsed safely"
}

na_require
trap cleanup EXIT
na_topo || ktap_skip_all "cannot build the bridge topology"
na_corpus || ktap_skip_all "cannot build the scapy corpus"
na_protect || ktap_skip_all "cannot protect the VM port"
tests_run
exit "$EXIT_STATUS"
