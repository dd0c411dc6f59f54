/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * netagent - per-VM anti-spoofing on the ports of a host's virtual switch.
 *
 * Generic netlink family "netagent" (version 1), described by
 * Documentation/netlink/specs/netagent.yaml. All commands need
 * CAP_NET_ADMIN and act on the caller's network namespace.
 *
 * NETAGENT_CMD_PORT_ADD	put a device under protection
 *   in:  IFINDEX | IFNAME, MAC, [MODE], [ALLOW_VLAN], [ADDR]..., [ETHERTYPE]...
 * NETAGENT_CMD_PORT_SET	replace the policy of a protected device
 *   in:  IFINDEX | IFNAME, then only the attributes to change; ADDR or
 *        ETHERTYPE given at all replace the whole configured list
 *        (NETAGENT_A_PORT_FLUSH with no ADDR/ETHERTYPE empties both).
 * NETAGENT_CMD_PORT_DEL	release a device
 *   in:  IFINDEX | IFNAME
 * NETAGENT_CMD_PORT_GET	do: one port, dump: all ports of the netns
 *   out: IFINDEX, IFNAME, MAC, MODE, ALLOW_VLAN, ADDR..., ETHERTYPE...
 * NETAGENT_CMD_STATS_GET	do: one port, dump: all ports
 *   out: IFINDEX, IFNAME, STATS
 * NETAGENT_CMD_VIOLATION_NTF	"events" group: a frame failed a check
 *   out: IFINDEX, IFNAME, MODE, REASON, SRC_MAC
 * NETAGENT_CMD_BINDING_NTF	"events" group: a learned binding was added,
 *   refreshed or removed (lease expired, or revoked early by DHCP)
 *   out: IFINDEX, IFNAME, BINDING_EVENT, BINDING_REASON, ADDR
 */
#ifndef _UAPI_LINUX_NETAGENT_H
#define _UAPI_LINUX_NETAGENT_H

#define NETAGENT_FAMILY_NAME		"netagent"
#define NETAGENT_FAMILY_VERSION		1
#define NETAGENT_MCGRP_EVENTS		"events"

#define NETAGENT_MAX_ADDRS		64	/* configured + learned */
#define NETAGENT_MAX_ETHERTYPES		16

enum netagent_mode {
	NETAGENT_MODE_ENFORCE,		/* drop frames failing a check */
	NETAGENT_MODE_LEARN,		/* enforce; bind addresses from DHCP */
	NETAGENT_MODE_MONITOR,		/* count and report, never drop */

	__NETAGENT_MODE_CNT,
	NETAGENT_MODE_MAX = __NETAGENT_MODE_CNT - 1
};

/* Why a frame failed; one per-CPU counter per port and reason. */
enum netagent_reason {
	NETAGENT_REASON_NONE,		/* passed */
	NETAGENT_REASON_ETH_SRC,	/* eth source != port MAC */
	NETAGENT_REASON_ETH_SRC_INVALID, /* multicast, broadcast, zero */
	NETAGENT_REASON_ETHERTYPE,	/* ethertype not allowed */
	NETAGENT_REASON_VLAN,		/* tagged frame, VLAN not allowed */
	NETAGENT_REASON_MALFORMED,	/* truncated or inconsistent header */
	NETAGENT_REASON_IPV4_SRC,	/* IPv4 source not bound */
	NETAGENT_REASON_IPV6_SRC,	/* IPv6 source not bound */
	NETAGENT_REASON_ARP_SHA,	/* ARP/RARP sender MAC != port MAC */
	NETAGENT_REASON_ARP_SPA,	/* ARP sender IP not bound */
	NETAGENT_REASON_ND_SLLA,	/* NS/RS source link-layer option */
	NETAGENT_REASON_ND_TARGET,	/* NA (or DAD NS) target not bound */
	NETAGENT_REASON_ND_TLLA,	/* NA target link-layer option */
	NETAGENT_REASON_RA,		/* router advertisement from a VM */
	NETAGENT_REASON_REDIRECT,	/* ICMPv6 redirect from a VM */
	NETAGENT_REASON_DHCP_SERVER,	/* DHCPv4 server/relay message */
	NETAGENT_REASON_DHCP_CHADDR,	/* DHCPv4 chaddr != port MAC */
	NETAGENT_REASON_DHCPV6_SERVER,	/* DHCPv6 server/relay message */
	NETAGENT_REASON_FRAGMENT,	/* ND/RA/DHCP in a fragment (RFC 6980) */

	__NETAGENT_REASON_CNT,
	NETAGENT_REASON_MAX = __NETAGENT_REASON_CNT - 1
};

enum netagent_binding_event {
	NETAGENT_BINDING_LEARNED,
	NETAGENT_BINDING_REFRESHED,
	NETAGENT_BINDING_EXPIRED,	/* the lease ended */
	NETAGENT_BINDING_RELEASED,	/* revoked before the end of the lease */
};

/* What caused a binding event (NETAGENT_A_PORT_BINDING_REASON). */
enum netagent_binding_reason {
	NETAGENT_BINDING_REASON_DHCP_ACK,	/* DHCPACK to the VM */
	NETAGENT_BINDING_REASON_DHCPV6_REPLY,	/* DHCPv6 REPLY to the VM */
	NETAGENT_BINDING_REASON_LEASE_END,	/* lease or valid lifetime over */
	NETAGENT_BINDING_REASON_DHCP_NAK,	/* DHCPNAK to the VM: all IPv4 */
	NETAGENT_BINDING_REASON_DHCP_RELEASE,	/* DHCPRELEASE from the VM */
	NETAGENT_BINDING_REASON_DHCP_DECLINE,	/* DHCPDECLINE from the VM */
	NETAGENT_BINDING_REASON_DHCPV6_RELEASE,	/* DHCPv6 RELEASE from the VM */
	NETAGENT_BINDING_REASON_DHCPV6_DECLINE,	/* DHCPv6 DECLINE from the VM */

	__NETAGENT_BINDING_REASON_CNT,
	NETAGENT_BINDING_REASON_MAX = __NETAGENT_BINDING_REASON_CNT - 1
};

enum {
	NETAGENT_A_PORT_IFINDEX = 1,	/* u32 */
	NETAGENT_A_PORT_IFNAME,		/* string */
	NETAGENT_A_PORT_MAC,		/* binary, 6 bytes */
	NETAGENT_A_PORT_MODE,		/* u32, enum netagent_mode */
	NETAGENT_A_PORT_ALLOW_VLAN,	/* u8, 0 or 1 */
	NETAGENT_A_PORT_ADDR,		/* nest NETAGENT_A_ADDR_*, multi */
	NETAGENT_A_PORT_ETHERTYPE,	/* u16 (host order), multi */
	NETAGENT_A_PORT_FLUSH,		/* flag: set: empty ADDR/ETHERTYPE */
	NETAGENT_A_PORT_STATS,		/* nest NETAGENT_A_STATS_* */
	NETAGENT_A_PORT_REASON,		/* u32, enum netagent_reason */
	NETAGENT_A_PORT_SRC_MAC,	/* binary, 6: offending frame's src */
	NETAGENT_A_PORT_BINDING_EVENT,	/* u32, enum netagent_binding_event */
	NETAGENT_A_PORT_BINDING_REASON,	/* u32, enum netagent_binding_reason */

	__NETAGENT_A_PORT_CNT,
	NETAGENT_A_PORT_MAX = __NETAGENT_A_PORT_CNT - 1
};

enum {
	NETAGENT_A_ADDR_IPV4 = 1,	/* be32 */
	NETAGENT_A_ADDR_IPV6,		/* binary, 16 bytes */
	NETAGENT_A_ADDR_PREFIXLEN,	/* u8; default 32 / 128 */
	NETAGENT_A_ADDR_LEARNED,	/* flag (output only) */
	NETAGENT_A_ADDR_EXPIRES,	/* u32 seconds left (output only) */

	__NETAGENT_A_ADDR_CNT,
	NETAGENT_A_ADDR_MAX = __NETAGENT_A_ADDR_CNT - 1
};

enum {
	NETAGENT_A_STATS_PASSED = 1,	/* uint: frames that passed */
	NETAGENT_A_STATS_REASON,	/* nest NETAGENT_A_REASON_*, multi */

	__NETAGENT_A_STATS_CNT,
	NETAGENT_A_STATS_MAX = __NETAGENT_A_STATS_CNT - 1
};

enum {
	NETAGENT_A_REASON_ID = 1,	/* u32, enum netagent_reason */
	NETAGENT_A_REASON_NAME,		/* string, e.g. "arp-sha" */
	NETAGENT_A_REASON_PACKETS,	/* uint */

	__NETAGENT_A_REASON_CNT,
	NETAGENT_A_REASON_MAX = __NETAGENT_A_REASON_CNT - 1
};

enum {
	NETAGENT_CMD_PORT_ADD = 1,
	NETAGENT_CMD_PORT_SET,
	NETAGENT_CMD_PORT_DEL,
	NETAGENT_CMD_PORT_GET,
	NETAGENT_CMD_STATS_GET,
	NETAGENT_CMD_VIOLATION_NTF,
	NETAGENT_CMD_BINDING_NTF,

	__NETAGENT_CMD_CNT,
	NETAGENT_CMD_MAX = __NETAGENT_CMD_CNT - 1
};

#endif /* _UAPI_LINUX_NETAGENT_H */
