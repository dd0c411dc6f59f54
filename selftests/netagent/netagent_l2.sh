#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# netagent layer-2 checks: Ethernet source (T1, T3, T18), FDB poisoning
# (T2), ethertype allow-list, ARP/RARP sender (T6, T12, T13, T17), VLAN,
# QinQ, 0x9100 and VID-0 tags (T9, T10). Every spoofed frame must be
# dropped, counted under its reason and never reach the neighbour or the
# host; every legitimate variant must get through.

ALL_TESTS="
	test_eth_src
	test_fdb_not_poisoned
	test_ethertype
	test_arp
	test_rarp
	test_vlan_default_drop
	test_vlan_allowed_inner_checked
"

. "$(dirname "$0")/netagent_lib.sh"

test_eth_src()
{
	RET=0
	expect_all_drop eth-src eth_spoof_ipv4 eth_spoof_dhcp eth_spoof_bpdu \
		eth_spoof_lldp eth_spoof_eapol eth_spoof_88b5 eth_spoof_arp
	expect_all_drop eth-src-invalid eth_src_mcast eth_src_bcast eth_src_zero
	expect_pass ipv4_own
	log_test "eth source: spoofed, multicast, broadcast, zero dropped (T1 T3 T18)"
}

test_fdb_not_poisoned()
{
	RET=0
	na_send eth_spoof_ipv4 eth_spoof_eapol eth_spoof_bpdu
	bridge -n "$HV" fdb show br br0 | grep -i "$VIC_MAC" | grep -q "dev p1"
	check_fail $? "victim MAC learned on the VM port"
	log_test "spoofed frames never reach FDB learning (T2)"
}

test_ethertype()
{
	RET=0
	expect_all_drop ethertype bpdu_own raw88b5_own lldp_own
	na_ctl port set p1 allow-ethertype 88b5
	check_err $? "port set allow-ethertype failed"
	expect_pass raw88b5_own
	expect_drop lldp_own ethertype
	expect_pass ipv4_own
	na_ctl port set p1 flush ip "$VM_IP" ip "$VM_IP6"
	check_err $? "port set flush failed"
	expect_drop raw88b5_own ethertype
	log_test "ethertypes other than IP/ARP/RARP dropped unless allowed"
}

test_arp()
{
	RET=0
	expect_all_pass arp_request_own arp_reply_own arp_garp_own \
		arp_garp_reply_own arp_probe arp_probe_gateway
	expect_all_drop arp-sha arp_sha_spoof_request arp_sha_spoof_reply \
		arp_sha_spoof_garp
	expect_all_drop arp-spa arp_spa_spoof_request arp_spa_spoof_reply \
		arp_garp_foreign arp_reply_zero_spa
	expect_all_drop malformed arp_truncated arp_hlen8 arp_plen16
	log_test "ARP sender MAC/IP, GARP own only, RFC 5227 probes (T6 T13 T17)"
}

test_rarp()
{
	RET=0
	expect_pass rarp_own
	expect_drop rarp_sha_spoof arp-sha
	log_test "RARP announce after migration passes, spoofed RARP dropped (T12)"
}

test_vlan_default_drop()
{
	RET=0
	expect_all_drop vlan vlan_spoof_ip vlan_own_ip vlan_spoof_arp \
		vlan_spoof_ip6 vlan_ra ad_spoof_ip qinq_spoof_ip qinq_own_ip \
		q9100_spoof_ip vid0_spoof_ip vid0_own_ip vid0_spoof_arp vlan_llc
	log_test "802.1Q, 802.1ad, QinQ, 0x9100, VID 0 dropped by default (T9 T10)"
}

test_vlan_allowed_inner_checked()
{
	RET=0
	na_ctl port set p1 allow-vlan on
	check_err $? "port set allow-vlan failed"
	expect_all_pass vlan_own_ip qinq_own_ip vid0_own_ip
	expect_all_drop ipv4-src vlan_spoof_ip ad_spoof_ip qinq_spoof_ip \
		q9100_spoof_ip vid0_spoof_ip
	expect_drop vlan_spoof_arp arp-sha
	expect_drop vid0_spoof_arp arp-spa
	expect_drop vlan_spoof_ip6 ipv6-src
	expect_drop vlan_ra ra
	expect_drop vlan_llc ethertype
	expect_drop vlan_deep malformed
	na_ctl port set p1 allow-vlan off
	expect_drop vlan_own_ip vlan
	log_test "allow-vlan: the inner frame of every tag stack is checked"
}

na_require
trap cleanup EXIT
na_topo || ktap_skip_all "cannot build the bridge topology"
na_corpus || ktap_skip_all "cannot build the scapy corpus"
na_protect || ktap_skip_all "cannot protect the VM port"
tests_run
exit "$EXIT_STATUS"
