// SPDX-License-Identifier: GPL-2.0
/*
 * Port policies: allocation, copies and the address/ethertype lookups the
 * checks use. A policy is immutable once published (see netagent.h).
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "netagent.h"

static const char * const netagent_reason_names[__NETAGENT_REASON_CNT] = {
	[NETAGENT_REASON_NONE]			= "none",
	[NETAGENT_REASON_ETH_SRC]		= "eth-src",
	[NETAGENT_REASON_ETH_SRC_INVALID]	= "eth-src-invalid",
	[NETAGENT_REASON_ETHERTYPE]		= "ethertype",
	[NETAGENT_REASON_VLAN]			= "vlan",
	[NETAGENT_REASON_MALFORMED]		= "malformed",
	[NETAGENT_REASON_IPV4_SRC]		= "ipv4-src",
	[NETAGENT_REASON_IPV6_SRC]		= "ipv6-src",
	[NETAGENT_REASON_ARP_SHA]		= "arp-sha",
	[NETAGENT_REASON_ARP_SPA]		= "arp-spa",
	[NETAGENT_REASON_ND_SLLA]		= "nd-slla",
	[NETAGENT_REASON_ND_TARGET]		= "nd-target",
	[NETAGENT_REASON_ND_TLLA]		= "nd-tlla",
	[NETAGENT_REASON_RA]			= "ra",
	[NETAGENT_REASON_REDIRECT]		= "redirect",
	[NETAGENT_REASON_DHCP_SERVER]		= "dhcp-server",
	[NETAGENT_REASON_DHCP_CHADDR]		= "dhcp-chaddr",
	[NETAGENT_REASON_DHCPV6_SERVER]		= "dhcpv6-server",
	[NETAGENT_REASON_FRAGMENT]		= "fragment",
};

const char *netagent_reason_name(unsigned int reason)
{
	return reason < __NETAGENT_REASON_CNT ? netagent_reason_names[reason] : "?";
}

struct netagent_policy *netagent_policy_alloc(unsigned int n_addrs, gfp_t gfp)
{
	struct netagent_policy *pol;

	pol = kzalloc(struct_size(pol, addrs, n_addrs), gfp);
	if (pol)
		pol->n_addrs = n_addrs;
	return pol;
}

/* Copy @old with room for @n_addrs addresses (the first ones copied). */
struct netagent_policy *netagent_policy_dup(const struct netagent_policy *old,
					    unsigned int n_addrs, gfp_t gfp)
{
	struct netagent_policy *pol;

	pol = netagent_policy_alloc(n_addrs, gfp);
	if (!pol)
		return NULL;
	memcpy(pol, old, offsetof(struct netagent_policy, n_addrs));
	memcpy(pol->addrs, old->addrs,
	       sizeof(old->addrs[0]) * min(n_addrs, (unsigned int)old->n_addrs));
	return pol;
}

/* Set the port MAC and its modified EUI-64 link-local address. */
void netagent_policy_set_mac(struct netagent_policy *pol, const u8 *mac)
{
	u8 *ll = pol->lla.s6_addr;

	ether_addr_copy(pol->mac, mac);
	memset(ll, 0, sizeof(pol->lla));
	ll[0] = 0xfe;
	ll[1] = 0x80;
	ll[8] = mac[0] ^ 0x02;
	ll[9] = mac[1];
	ll[10] = mac[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	ll[13] = mac[3];
	ll[14] = mac[4];
	ll[15] = mac[5];
}

unsigned int netagent_policy_n_learned(const struct netagent_policy *pol)
{
	unsigned int i, n = 0;

	for (i = 0; i < pol->n_addrs; i++)
		n += pol->addrs[i].learned;
	return n;
}

/* Configured, or learned and neither expired nor revoked. */
bool netagent_addr_live(const struct netagent_addr *a)
{
	return !a->learned || time_before(jiffies, READ_ONCE(a->expires));
}

bool netagent_policy_has_v4(const struct netagent_policy *pol, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < pol->n_addrs; i++) {
		const struct netagent_addr *a = &pol->addrs[i];

		if (a->family == AF_INET && (addr & a->v4.mask) == a->v4.addr &&
		    netagent_addr_live(a))
			return true;
	}
	return false;
}

bool netagent_policy_has_v6(const struct netagent_policy *pol,
			    const struct in6_addr *addr)
{
	unsigned int i;

	if (ipv6_addr_equal(addr, &pol->lla))
		return true;
	for (i = 0; i < pol->n_addrs; i++) {
		const struct netagent_addr *a = &pol->addrs[i];

		if (a->family == AF_INET6 &&
		    ipv6_prefix_equal(addr, &a->v6, a->plen) &&
		    netagent_addr_live(a))
			return true;
	}
	return false;
}

bool netagent_policy_has_ethertype(const struct netagent_policy *pol,
				   __be16 proto)
{
	unsigned int i;

	for (i = 0; i < pol->n_ethertypes; i++)
		if (pol->ethertypes[i] == proto)
			return true;
	return false;
}
