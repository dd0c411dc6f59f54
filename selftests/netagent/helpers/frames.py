# SPDX-License-Identifier: GPL-2.0
#
# frames.py - the netagent spoofing corpus (bypasses T1-T18 of the
# research notes), built with scapy once per test script and printed as
# "NAME HEX" lines; na_pkt sends them.
#
#   python3 frames.py VM_MAC VM_IP VM_IP6 VICTIM_MAC VICTIM_IP VICTIM_IP6 HOST_MAC

import os
import sys

from scapy.all import (ARP, BOOTP, DHCP, Dot1AD, Dot1Q, Ether, ICMPv6EchoRequest,
                       ICMPv6MLReport2, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6ND_Redirect, ICMPv6ND_RS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IP, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, LLC, STP, UDP,
                       Raw, in6_getnsma, in6_getnsmac, inet_pton, socket)
from scapy.layers.dhcp6 import (DHCP6_Advertise, DHCP6_Decline, DHCP6_Release,
                                DHCP6_Reply, DHCP6_Solicit, DHCP6OptIA_NA,
                                DHCP6OptIAAddress)

VM, VM_IP, VM_IP6, VIC, VIC_IP, VIC_IP6, HOST = sys.argv[1:8]
BC = "ff:ff:ff:ff:ff:ff"


def eui64(mac):
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 2
    return "fe80::%02x%02x:%02xff:fe%02x:%02x%02x" % tuple(b)


LLA = eui64(VM)


def nsma(ip6):
    return socket.inet_ntop(socket.AF_INET6, in6_getnsma(inet_pton(socket.AF_INET6, ip6)))


def e(src=VM, dst=BC, **kw):
    return Ether(src=src, dst=dst, **kw)


def v6(src=VM_IP6, dst="ff02::1", **kw):
    return e(dst="33:33:00:00:00:01")/IPv6(src=src, dst=dst, hlim=255, **kw)


def dhcp(src_mac=VM, chaddr=VM, sip="0.0.0.0", op=1, sport=68, dport=67, mtype="discover"):
    return (e(src=src_mac)/IP(src=sip, dst="255.255.255.255")/UDP(sport=sport, dport=dport) /
            BOOTP(op=op, chaddr=bytes.fromhex(chaddr.replace(":", "")))/DHCP(options=[("message-type", mtype), "end"]))


def arp(op=1, hwsrc=VM, psrc=VM_IP, pdst=VIC_IP, **kw):
    return e()/ARP(op=op, hwsrc=hwsrc, psrc=psrc, pdst=pdst, **kw)


def udp4(src=VM_IP, **kw):
    return e()/IP(src=src, dst="10.255.255.255", **kw)/UDP(sport=1234, dport=5678)/Raw(b"x" * 16)


F = {}
# --- Ethernet source (T1, T3, T18) -----------------------------------------
F["eth_spoof_ipv4"] = e(src=VIC)/IP(src=VM_IP, dst="10.255.255.255")/UDP()
F["eth_spoof_dhcp"] = dhcp(src_mac=VIC, chaddr=VIC)
F["eth_spoof_bpdu"] = Ether(src=VIC, dst="01:80:c2:00:00:00")/LLC()/STP()
F["eth_spoof_lldp"] = Ether(src=VIC, dst="01:80:c2:00:00:0e", type=0x88cc)/Raw(b"\x02\x07\x04" + b"\0" * 40)
F["eth_spoof_eapol"] = Ether(src=VIC, dst="01:80:c2:00:00:03", type=0x888e)/Raw(b"\x01\x01\x00\x00" + b"\0" * 40)
F["eth_spoof_88b5"] = Ether(src=VIC, dst=BC, type=0x88b5)/Raw(b"\0" * 46)
F["eth_spoof_arp"] = e(src=VIC)/ARP(hwsrc=VM, psrc=VM_IP, pdst=VIC_IP)
F["eth_src_mcast"] = e(src="01:00:5e:00:00:01")/IP(src=VM_IP, dst="10.255.255.255")/UDP()
F["eth_src_bcast"] = e(src=BC)/IP(src=VM_IP, dst="10.255.255.255")/UDP()
F["eth_src_zero"] = e(src="00:00:00:00:00:00")/IP(src=VM_IP, dst="10.255.255.255")/UDP()
# --- ethertypes -------------------------------------------------------------
F["bpdu_own"] = Ether(src=VM, dst="01:80:c2:00:00:00")/LLC()/STP()
F["raw88b5_own"] = Ether(src=VM, dst=BC, type=0x88b5)/Raw(b"\0" * 46)
F["lldp_own"] = Ether(src=VM, dst="01:80:c2:00:00:0e", type=0x88cc)/Raw(b"\x02\x07\x04" + b"\0" * 40)
# --- IPv4 (T11, T13, T16, T17) ------------------------------------------------
F["ipv4_own"] = udp4()
F["ipv4_spoof"] = udp4(src=VIC_IP)
F["ipv4_spoof_host"] = Ether(src=VM, dst=HOST)/IP(src=VIC_IP, dst="10.0.0.254")/UDP(sport=1, dport=9)
F["ipv4_spoof_outside"] = udp4(src="192.0.2.1")
F["ipv4_zero_udp"] = udp4(src="0.0.0.0")
F["ipv4_proto0_own"] = e()/IP(src=VM_IP, dst="10.255.255.255", proto=0)/Raw(b"x" * 20)
F["ipv4_proto0_spoof"] = e()/IP(src=VIC_IP, dst="10.255.255.255", proto=0)/Raw(b"x" * 20)
F["ipv4_frag_spoof"] = udp4(src=VIC_IP, frag=100)
F["ipv4_ihl4"] = e(type=0x0800)/Raw(bytes(IP(src=VM_IP, dst="10.255.255.255")/UDP())[:0] +
                         bytes([0x44]) + bytes(IP(src=VM_IP, dst="10.255.255.255")/UDP())[1:])
F["ipv4_totlen_big"] = e()/IP(src=VM_IP, dst="10.255.255.255", len=1000)/UDP()
F["ipv4_truncated"] = e(type=0x0800)/Raw(bytes(IP(src=VM_IP))[:12])
F["ipv4_version6"] = e(type=0x0800)/Raw(bytes(IPv6(src=VM_IP6)/UDP()))
# --- DHCPv4 (T15, T17) ------------------------------------------------------
F["dhcp_discover_own"] = dhcp()
F["dhcp_request_own"] = dhcp(sip=VM_IP, mtype="request")
F["dhcp_chaddr_spoof"] = dhcp(chaddr=VIC)
F["dhcp_chaddr_spoof_renew"] = dhcp(chaddr=VIC, sip=VM_IP, mtype="request")
F["dhcp_offer_from_vm"] = dhcp(sip=VM_IP, op=2, sport=67, dport=68, mtype="offer")
F["dhcp_ack_from_vm"] = dhcp(sip=VM_IP, op=2, sport=67, dport=68, mtype="ack")
F["dhcp_to_client_port"] = dhcp(sip=VM_IP, op=2, sport=4000, dport=68, mtype="ack")
F["dhcp_bootreply_to_server"] = dhcp(sip=VM_IP, op=2, mtype="ack")
F["dhcp_fragment"] = e()/IP(src=VM_IP, dst="255.255.255.255", flags="MF")/UDP(sport=68, dport=67)/Raw(b"\x01" * 40)
F["dhcp_truncated"] = e()/IP(src="0.0.0.0", dst="255.255.255.255")/UDP(sport=68, dport=67)/Raw(b"\x01\x01\x06")
# --- ARP (T6, T12, T13, T14, T16, T17) -------------------------------------------
F["arp_request_own"] = arp()
F["arp_reply_own"] = arp(op=2, hwdst=VIC)
F["arp_garp_own"] = arp(pdst=VM_IP)
F["arp_garp_reply_own"] = arp(op=2, pdst=VM_IP, hwdst=BC)
F["arp_probe"] = arp(psrc="0.0.0.0", pdst=VM_IP)
F["arp_probe_gateway"] = arp(psrc="0.0.0.0", pdst=VIC_IP)
F["arp_sha_spoof_request"] = arp(hwsrc=VIC)
F["arp_sha_spoof_reply"] = arp(op=2, hwsrc=VIC, hwdst=VIC)
F["arp_sha_spoof_garp"] = arp(hwsrc=VIC, pdst=VM_IP)
F["arp_spa_spoof_request"] = arp(psrc=VIC_IP, pdst="10.0.0.254")
F["arp_spa_spoof_reply"] = arp(op=2, psrc=VIC_IP, hwdst=VIC)
F["arp_garp_foreign"] = arp(psrc=VIC_IP, pdst=VIC_IP)
F["arp_reply_zero_spa"] = arp(op=2, psrc="0.0.0.0")
F["arp_truncated"] = e(type=0x0806)/Raw(bytes(ARP(hwsrc=VM, psrc=VM_IP))[:20])
F["arp_hlen8"] = e(type=0x0806)/ARP(hwlen=8, plen=4, hwsrc=VM + ":00:00", hwdst="00:00:00:00:00:00:00:00", psrc=VM_IP)
F["arp_plen16"] = e(type=0x0806)/Raw(bytes.fromhex("0001080006100001") + b"\0" * 44)
F["rarp_own"] = Ether(src=VM, dst=BC, type=0x8035)/ARP(op=3, hwsrc=VM, hwdst=VM, psrc="0.0.0.0", pdst="0.0.0.0")
F["rarp_sha_spoof"] = Ether(src=VM, dst=BC, type=0x8035)/ARP(op=3, hwsrc=VIC, hwdst=VIC, psrc="0.0.0.0", pdst="0.0.0.0")
# --- IPv6 source (T4, T17) ------------------------------------------------------
F["ip6_own"] = v6()/UDP(sport=1234, dport=5678)/Raw(b"x" * 16)
F["ip6_spoof"] = v6(src=VIC_IP6)/UDP(sport=1234, dport=5678)
F["ip6_lla_own"] = v6(src=LLA)/UDP(sport=1234, dport=5678)
F["ip6_lla_stable"] = v6(src="fe80::1234:5678:9abc:def0")/UDP(sport=1234, dport=5678)
F["ip6_lla_foreign"] = v6(src=eui64(VIC))/ICMPv6EchoRequest()
F["ip6_unspec_udp"] = v6(src="::")/UDP(sport=1234, dport=5678)
F["ip6_unspec_echo"] = v6(src="::")/ICMPv6EchoRequest()
F["mld_report_unspec"] = v6(src="::", dst="ff02::16")/ICMPv6MLReport2()
F["mld_report_own"] = v6(src=LLA, dst="ff02::16")/ICMPv6MLReport2()
F["mld_report_spoof"] = v6(src=eui64(VIC), dst="ff02::16")/ICMPv6MLReport2()
F["mld_report_unspec_site"] = v6(src="::", dst="ff05::16")/ICMPv6MLReport2()
F["ip6_payload_big"] = v6(plen=1000)/UDP(sport=1234, dport=5678)
F["ip6_truncated"] = e(dst="33:33:00:00:00:01", type=0x86dd)/Raw(bytes(IPv6(src=VM_IP6))[:30])
F["ip6_exthdr_chain"] = v6()/(IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                              IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                              IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                              IPv6ExtHdrDestOpt())/UDP()
# --- ND (T4, T5, T17) ----------------------------------------------------------
DAD = dict(src="::", dst=nsma(VM_IP6))
F["ns_dad_own"] = v6(**DAD)/ICMPv6ND_NS(tgt=VM_IP6)
F["ns_dad_lla"] = v6(src="::", dst=nsma(LLA))/ICMPv6ND_NS(tgt=LLA)
F["ns_dad_foreign"] = v6(src="::", dst=nsma(VIC_IP6))/ICMPv6ND_NS(tgt=VIC_IP6)
F["ns_dad_slla"] = v6(**DAD)/ICMPv6ND_NS(tgt=VM_IP6)/ICMPv6NDOptSrcLLAddr(lladdr=VM)
F["ns_own"] = v6(dst=nsma(VIC_IP6))/ICMPv6ND_NS(tgt=VIC_IP6)/ICMPv6NDOptSrcLLAddr(lladdr=VM)
F["ns_slla_spoof"] = v6(dst=nsma(VIC_IP6))/ICMPv6ND_NS(tgt=VIC_IP6)/ICMPv6NDOptSrcLLAddr(lladdr=VIC)
F["ns_src_spoof"] = v6(src=VIC_IP6, dst=nsma(VM_IP6))/ICMPv6ND_NS(tgt=VM_IP6)
F["ns_lla_src_spoof"] = v6(src=eui64(VIC), dst=nsma(VM_IP6))/ICMPv6ND_NS(tgt=VM_IP6)
F["ns_opt_len0"] = v6(dst=nsma(VIC_IP6))/ICMPv6ND_NS(tgt=VIC_IP6)/Raw(b"\x01\x00" + b"\0" * 6)
F["ns_truncated"] = v6(dst=nsma(VIC_IP6), nh=58)/Raw(bytes(ICMPv6ND_NS(tgt=VIC_IP6))[:12])
F["na_own"] = v6()/ICMPv6ND_NA(tgt=VM_IP6, R=0, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr=VM)
F["na_lla_own"] = v6(src=LLA)/ICMPv6ND_NA(tgt=LLA, R=0, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr=VM)
F["na_foreign_target"] = v6()/ICMPv6ND_NA(tgt=VIC_IP6, R=0, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr=VM)
F["na_tlla_spoof"] = v6()/ICMPv6ND_NA(tgt=VM_IP6, R=0, S=0, O=1)/ICMPv6NDOptDstLLAddr(lladdr=VIC)
F["na_src_spoof"] = v6(src=VIC_IP6)/ICMPv6ND_NA(tgt=VIC_IP6, R=0, S=0, O=1)
F["na_eth_spoof"] = Ether(src=VIC, dst="33:33:00:00:00:01")/IPv6(src=VM_IP6, dst="ff02::1", hlim=255)/ICMPv6ND_NA(tgt=VM_IP6)
F["rs_own"] = v6(src=LLA, dst="ff02::2")/ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr=VM)
F["rs_slla_spoof"] = v6(src=LLA, dst="ff02::2")/ICMPv6ND_RS()/ICMPv6NDOptSrcLLAddr(lladdr=VIC)
F["rs_unspec"] = v6(src="::", dst="ff02::2")/ICMPv6ND_RS()
# --- RA guard, redirect (T7) ----------------------------------------------------
F["ra_own"] = v6(src=LLA)/ICMPv6ND_RA()/ICMPv6NDOptSrcLLAddr(lladdr=VM)
F["ra_spoof_src"] = v6(src=eui64(VIC))/ICMPv6ND_RA()
F["redirect_own"] = v6(src=LLA)/ICMPv6ND_Redirect(tgt="fe80::1", dst=VIC_IP6)
# --- extension headers and fragments (T8) ----------------------------------------
F["ra_hbh_dst"] = v6(src=LLA)/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/ICMPv6ND_RA()
F["na_hbh_dst_foreign"] = v6()/IPv6ExtHdrHopByHop()/IPv6ExtHdrDestOpt()/ICMPv6ND_NA(tgt=VIC_IP6)
F["na_dst_tlla_spoof"] = v6()/IPv6ExtHdrDestOpt()/ICMPv6ND_NA(tgt=VM_IP6)/ICMPv6NDOptDstLLAddr(lladdr=VIC)
F["udp6_dst_own"] = v6()/IPv6ExtHdrDestOpt()/UDP(sport=1234, dport=5678)
F["ra_frag_first"] = v6(src=LLA)/IPv6ExtHdrFragment(m=1, offset=0, id=1)/ICMPv6ND_RA()
F["na_frag_atomic"] = v6()/IPv6ExtHdrFragment(m=0, offset=0, id=2)/ICMPv6ND_NA(tgt=VM_IP6)
F["ns_frag_first"] = v6()/IPv6ExtHdrFragment(m=1, offset=0, id=3)/ICMPv6ND_NS(tgt=VIC_IP6)
F["frag_chain_split"] = v6(src=LLA)/IPv6ExtHdrFragment(m=1, offset=0, id=4, nh=60)/Raw(b"\x3a\x0a" + b"\0" * 6)
F["frag_later_own"] = v6()/IPv6ExtHdrFragment(m=0, offset=8, id=5, nh=58)/Raw(b"\x88" + b"\0" * 23)
F["frag_later_spoof"] = v6(src=VIC_IP6)/IPv6ExtHdrFragment(m=0, offset=8, id=6, nh=58)/Raw(b"\x88" + b"\0" * 23)
F["echo_frag_own"] = v6()/IPv6ExtHdrFragment(m=1, offset=0, id=7)/ICMPv6EchoRequest(data=b"x" * 16)
# --- DHCPv6 (T4, T8) -------------------------------------------------------
F["dhcp6_solicit"] = v6(src=LLA, dst="ff02::1:2")/UDP(sport=546, dport=547)/DHCP6_Solicit()
F["dhcp6_solicit_spoof"] = v6(src=eui64(VIC), dst="ff02::1:2")/UDP(sport=546, dport=547)/DHCP6_Solicit()
F["dhcp6_advertise"] = v6(src=LLA)/UDP(sport=547, dport=546)/DHCP6_Advertise()
F["dhcp6_reply_to_server_port"] = v6(src=LLA, dst="ff02::1:2")/UDP(sport=546, dport=547)/DHCP6_Reply()
F["dhcp6_to_client_port"] = v6(src=LLA)/UDP(sport=4000, dport=546)/DHCP6_Reply()
F["dhcp6_frag"] = v6(src=LLA, dst="ff02::1:2")/IPv6ExtHdrFragment(m=1, offset=0, id=8)/UDP(sport=546, dport=547)/DHCP6_Solicit()
# --- VLAN (T9, T10) -----------------------------------------------------------
IPS = IP(src=VIC_IP, dst="10.255.255.255")/UDP(sport=1, dport=9)
IPO = IP(src=VM_IP, dst="10.255.255.255")/UDP(sport=1, dport=9)
F["vlan_spoof_ip"] = e()/Dot1Q(vlan=10)/IPS
F["vlan_own_ip"] = e()/Dot1Q(vlan=10)/IPO
F["vlan_spoof_arp"] = e()/Dot1Q(vlan=10)/ARP(hwsrc=VIC, psrc=VM_IP, pdst=VIC_IP)
F["vlan_spoof_ip6"] = e(dst="33:33:00:00:00:01")/Dot1Q(vlan=10)/IPv6(src=VIC_IP6, dst="ff02::1")/UDP()
F["vlan_ra"] = e(dst="33:33:00:00:00:01")/Dot1Q(vlan=10)/IPv6(src=LLA, dst="ff02::1")/ICMPv6ND_RA()
F["ad_spoof_ip"] = e(type=0x88a8)/Dot1AD(vlan=10)/IPS
F["qinq_spoof_ip"] = e(type=0x88a8)/Dot1AD(vlan=10)/Dot1Q(vlan=20)/IPS
F["qinq_own_ip"] = e(type=0x88a8)/Dot1AD(vlan=10)/Dot1Q(vlan=20)/IPO
F["q9100_spoof_ip"] = e(type=0x9100)/Dot1Q(vlan=10)/IPS
F["vid0_spoof_ip"] = e()/Dot1Q(vlan=0, prio=5)/IPS
F["vid0_own_ip"] = e()/Dot1Q(vlan=0, prio=5)/IPO
F["vid0_spoof_arp"] = e()/Dot1Q(vlan=0)/ARP(hwsrc=VM, psrc=VIC_IP, pdst=VIC_IP)
F["vlan_deep"] = e()/Dot1Q(vlan=1)/Dot1Q(vlan=2)/Dot1Q(vlan=3)/Dot1Q(vlan=4)/Dot1Q(vlan=5)/IPO
F["vlan_llc"] = e()/Dot1Q(vlan=10, type=0x26)/LLC()/STP()
# --- learning (10.0.0.100 is the first address of the test DHCP pool) ----------
F["learned_ip"] = udp4(src="10.0.0.100")
F["arp_learned"] = arp(psrc="10.0.0.100", pdst="10.0.0.100")
F["learned_ip6"] = v6(src="2001:db8::100")/UDP(sport=1234, dport=5678)
# DHCPv6 REPLYs from the neighbour (the trusted side) to the VM / to another MAC
# lifetimes of 8 s, longer on slow kernels, like the tests' waits
S = int(os.environ.get("CLOUDPLANE_TIMEOUT_SCALE", "1"))
IA = DHCP6OptIA_NA(iaid=1, T1=4 * S, T2=6 * S,
                   ianaopts=[DHCP6OptIAAddress(addr="2001:db8::100", preflft=8 * S, validlft=8 * S)])
F["dhcp6_reply_to_vm"] = (Ether(src=VIC, dst=VM)/IPv6(src="fe80::2", dst=LLA)/UDP(sport=547, dport=546) /
                          DHCP6_Reply(trid=1)/IA)
IA2 = DHCP6OptIA_NA(iaid=2, ianaopts=[DHCP6OptIAAddress(addr="2001:db8::200", preflft=8 * S, validlft=8 * S)])
F["dhcp6_reply_other_mac"] = (Ether(src=VIC, dst="02:00:00:00:00:99")/IPv6(src="fe80::2", dst="fe80::99") /
                              UDP(sport=547, dport=546)/DHCP6_Reply(trid=2)/IA2)
# revoking learned bindings: DHCPNAK from the trusted side, DHCPRELEASE and
# DHCPDECLINE from the VM, for its own binding, another port's (10.0.0.200,
# bound on p2 by dhcp_ack_to_nb sent from the host) and a configured one
LEARNED = "10.0.0.100"
OTHER = "10.0.0.200"


def bootp(mac, **kw):
    return BOOTP(chaddr=bytes.fromhex(mac.replace(":", "")), **kw)


def nak(chaddr):
    return (Ether(src=VIC, dst=BC)/IP(src=VIC_IP, dst="255.255.255.255")/UDP(sport=67, dport=68) /
            bootp(chaddr, op=2)/DHCP(options=[("message-type", "nak"), ("server_id", VIC_IP), "end"]))


def from_client(opts, sip="0.0.0.0", ciaddr="0.0.0.0"):
    return (e()/IP(src=sip, dst="255.255.255.255")/UDP(sport=68, dport=67) /
            bootp(VM, ciaddr=ciaddr)/DHCP(options=opts + [("server_id", VIC_IP), "end"]))


F["dhcp_nak_to_vm"] = nak(VM)
F["dhcp_nak_other_mac"] = nak("02:00:00:00:00:99")
F["dhcp_decline"] = from_client([("message-type", "decline"), ("requested_addr", LEARNED)])
F["dhcp_release_other"] = from_client([("message-type", "release")], ciaddr=OTHER)
F["dhcp_decline_other"] = from_client([("message-type", "decline"), ("requested_addr", OTHER)])
F["dhcp_release_cfg"] = from_client([("message-type", "release")], sip=VM_IP, ciaddr=VM_IP)
F["dhcp_ack_to_nb"] = (Ether(src=HOST, dst=VIC)/IP(src="10.0.0.254", dst=OTHER)/UDP(sport=67, dport=68) /
                       bootp(VIC, op=2, yiaddr=OTHER) /
                       DHCP(options=[("message-type", "ack"), ("lease_time", 60), "end"]))
F["dhcp_ack_to_vm"] = (Ether(src=HOST, dst=VM)/IP(src="10.0.0.254", dst=LEARNED)/UDP(sport=67, dport=68) /
                       bootp(VM, op=2, yiaddr=LEARNED) /
                       DHCP(options=[("message-type", "ack"), ("lease_time", 3600), "end"]))
IA_REL = DHCP6OptIA_NA(iaid=1, ianaopts=[DHCP6OptIAAddress(addr="2001:db8::100")])
F["dhcp6_release"] = v6(src=LLA, dst="ff02::1:2")/UDP(sport=546, dport=547)/DHCP6_Release(trid=3)/IA_REL
F["dhcp6_decline"] = v6(src=LLA, dst="ff02::1:2")/UDP(sport=546, dport=547)/DHCP6_Decline(trid=4)/IA_REL
IA0 = DHCP6OptIA_NA(iaid=1, ianaopts=[DHCP6OptIAAddress(addr="2001:db8::100", preflft=0, validlft=0)])
F["dhcp6_reply_zero"] = (Ether(src=VIC, dst=VM)/IPv6(src="fe80::2", dst=LLA)/UDP(sport=547, dport=546) /
                         DHCP6_Reply(trid=5)/IA0)
# --- non-linear skbs (AF_PACKET makes frames >= 4 KiB paged) ----------------
F["jumbo_own"] = e()/IP(src=VM_IP, dst="10.255.255.255")/UDP(sport=1, dport=9)/Raw(b"j" * 5000)
F["jumbo_spoof"] = e()/IP(src=VIC_IP, dst="10.255.255.255")/UDP(sport=1, dport=9)/Raw(b"j" * 5000)
F["jumbo_na_foreign"] = v6()/IPv6ExtHdrDestOpt()/ICMPv6ND_NA(tgt=VIC_IP6)/Raw(b"\0" * 5000)
F["jumbo_dhcp_chaddr"] = dhcp(chaddr=VIC)/Raw(b"\0" * 5000)

for name, pkt in F.items():
    print(name, bytes(pkt).hex())
