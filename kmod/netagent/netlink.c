// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "netagent": the only place that parses user
 * input. Per-op strict policies carry the ranges; handlers add an extack
 * message to every error. Control operations run under RTNL, which also
 * serialises them with device unregistration.
 */
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "netagent.h"

static const struct nla_policy netagent_addr_nl_policy[NETAGENT_A_ADDR_PREFIXLEN + 1] = {
	[NETAGENT_A_ADDR_IPV4] = { .type = NLA_BE32 },
	[NETAGENT_A_ADDR_IPV6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[NETAGENT_A_ADDR_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

static const struct nla_policy netagent_port_add_nl_policy[NETAGENT_A_PORT_ETHERTYPE + 1] = {
	[NETAGENT_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NETAGENT_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NETAGENT_A_PORT_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[NETAGENT_A_PORT_MODE] = NLA_POLICY_MAX(NLA_U32, NETAGENT_MODE_MAX),
	[NETAGENT_A_PORT_ALLOW_VLAN] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETAGENT_A_PORT_ADDR] = NLA_POLICY_NESTED(netagent_addr_nl_policy),
	[NETAGENT_A_PORT_ETHERTYPE] = NLA_POLICY_MIN(NLA_U16, ETH_P_802_3_MIN),
};

/* as add, plus FLUSH */
static const struct nla_policy netagent_port_set_nl_policy[NETAGENT_A_PORT_FLUSH + 1] = {
	[NETAGENT_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NETAGENT_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NETAGENT_A_PORT_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[NETAGENT_A_PORT_MODE] = NLA_POLICY_MAX(NLA_U32, NETAGENT_MODE_MAX),
	[NETAGENT_A_PORT_ALLOW_VLAN] = NLA_POLICY_MAX(NLA_U8, 1),
	[NETAGENT_A_PORT_ADDR] = NLA_POLICY_NESTED(netagent_addr_nl_policy),
	[NETAGENT_A_PORT_ETHERTYPE] = NLA_POLICY_MIN(NLA_U16, ETH_P_802_3_MIN),
	[NETAGENT_A_PORT_FLUSH] = { .type = NLA_FLAG },
};

/* del, get, stats: the device only */
static const struct nla_policy netagent_port_dev_nl_policy[NETAGENT_A_PORT_IFNAME + 1] = {
	[NETAGENT_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[NETAGENT_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static const struct genl_multicast_group netagent_nl_mcgrps[] = {
	{ .name = NETAGENT_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/* The device named by IFINDEX and/or IFNAME (under RTNL). */
static struct net_device *netagent_nl_dev(struct genl_info *info)
{
	struct nlattr *idx = info->attrs[NETAGENT_A_PORT_IFINDEX];
	struct nlattr *name = info->attrs[NETAGENT_A_PORT_IFNAME];
	struct net *net = genl_info_net(info);
	struct net_device *dev, *by_name;

	ASSERT_RTNL();
	if (!idx && !name) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing device (ifindex or ifname)");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NETAGENT_A_PORT_IFINDEX);
		return ERR_PTR(-EINVAL);
	}
	if (idx) {
		dev = __dev_get_by_index(net, nla_get_u32(idx));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(info->extack, idx, "no such device");
			return ERR_PTR(-ENODEV);
		}
	}
	if (name) {
		by_name = __dev_get_by_name(net, nla_data(name));
		if (!by_name) {
			NL_SET_ERR_MSG_ATTR(info->extack, name, "no such device");
			return ERR_PTR(-ENODEV);
		}
		if (idx && by_name != dev) {
			NL_SET_ERR_MSG_ATTR(info->extack, name,
					    "ifindex and ifname name different devices");
			return ERR_PTR(-EINVAL);
		}
		dev = by_name;
	}
	return dev;
}

static struct netagent_port *netagent_nl_port(struct genl_info *info)
{
	struct netagent_port *port;
	struct net_device *dev;

	dev = netagent_nl_dev(info);
	if (IS_ERR(dev))
		return ERR_CAST(dev);
	port = netagent_port_find(netagent_net(genl_info_net(info)),
				  dev->ifindex);
	if (!port) {
		NL_SET_ERR_MSG_MOD(info->extack, "device is not protected");
		return ERR_PTR(-ENOENT);
	}
	return port;
}

static u8 netagent_nl_u8(const struct nlattr *a, u8 dflt)
{
	return a ? nla_get_u8(a) : dflt;
}

static int netagent_nl_addr(const struct nlattr *nest, struct netagent_addr *a,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NETAGENT_A_ADDR_PREFIXLEN + 1];
	int ret;

	ret = nla_parse_nested(tb, NETAGENT_A_ADDR_PREFIXLEN, nest,
			       netagent_addr_nl_policy, extack);
	if (ret)
		return ret;
	if (!tb[NETAGENT_A_ADDR_IPV4] == !tb[NETAGENT_A_ADDR_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "address needs exactly one of ipv4 and ipv6");
		return -EINVAL;
	}
	memset(a, 0, sizeof(*a));
	if (tb[NETAGENT_A_ADDR_IPV4]) {
		a->family = AF_INET;
		a->plen = netagent_nl_u8(tb[NETAGENT_A_ADDR_PREFIXLEN], 32);
		if (a->plen > 32) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NETAGENT_A_ADDR_PREFIXLEN],
					    "IPv4 prefix length above 32");
			return -EINVAL;
		}
		a->v4.mask = a->plen ? htonl(~0U << (32 - a->plen)) : 0;
		a->v4.addr = nla_get_in_addr(tb[NETAGENT_A_ADDR_IPV4]) & a->v4.mask;
		if (ipv4_is_multicast(a->v4.addr) || ipv4_is_lbcast(a->v4.addr)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NETAGENT_A_ADDR_IPV4],
					    "multicast or broadcast source address");
			return -EINVAL;
		}
	} else {
		struct in6_addr addr = nla_get_in6_addr(tb[NETAGENT_A_ADDR_IPV6]);

		a->family = AF_INET6;
		a->plen = netagent_nl_u8(tb[NETAGENT_A_ADDR_PREFIXLEN], 128);
		ipv6_addr_prefix(&a->v6, &addr, a->plen);
		if (ipv6_addr_is_multicast(&a->v6)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NETAGENT_A_ADDR_IPV6],
					    "multicast source address");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Build a port policy from the request: @old (or the defaults) with the
 * given attributes applied. Learned bindings are merged in by
 * netagent_port_replace(). @flush is only for port-set: info->attrs of
 * port-add ends before NETAGENT_A_PORT_FLUSH.
 */
static struct netagent_policy *netagent_nl_policy(struct genl_info *info,
						  const struct netagent_policy *old,
						  bool flush)
{
	const struct nlattr *head = genlmsg_data(info->genlhdr);
	int len = genlmsg_len(info->genlhdr), rem, ret;
	unsigned int n_addrs = 0, n_types = 0, i, j;
	struct netagent_policy *pol;
	const struct nlattr *a;

	nla_for_each_attr_type(a, NETAGENT_A_PORT_ADDR, head, len, rem)
		if (++n_addrs > NETAGENT_MAX_ADDRS) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "too many addresses");
			return ERR_PTR(-E2BIG);
		}
	nla_for_each_attr_type(a, NETAGENT_A_PORT_ETHERTYPE, head, len, rem)
		if (++n_types > NETAGENT_MAX_ETHERTYPES) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "too many ethertypes");
			return ERR_PTR(-E2BIG);
		}
	if (old && !n_addrs && !flush) {
		for (i = 0; i < old->n_addrs; i++)
			n_addrs += !old->addrs[i].learned;
	}

	pol = netagent_policy_alloc(n_addrs, GFP_KERNEL);
	if (!pol) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory");
		return ERR_PTR(-ENOMEM);
	}
	if (old) {
		netagent_policy_set_mac(pol, old->mac);
		pol->mode = old->mode;
		pol->allow_vlan = old->allow_vlan;
		if (!n_types && !flush) {
			pol->n_ethertypes = old->n_ethertypes;
			memcpy(pol->ethertypes, old->ethertypes,
			       sizeof(pol->ethertypes));
		}
	} else {
		pol->mode = READ_ONCE(netagent_default_mode);
	}
	if (info->attrs[NETAGENT_A_PORT_MAC]) {
		a = info->attrs[NETAGENT_A_PORT_MAC];
		if (!is_valid_ether_addr(nla_data(a))) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "MAC must be unicast and non-zero");
			ret = -EINVAL;
			goto err_free;
		}
		netagent_policy_set_mac(pol, nla_data(a));
	}
	if (info->attrs[NETAGENT_A_PORT_MODE])
		pol->mode = nla_get_u32(info->attrs[NETAGENT_A_PORT_MODE]);
	if (info->attrs[NETAGENT_A_PORT_ALLOW_VLAN])
		pol->allow_vlan = nla_get_u8(info->attrs[NETAGENT_A_PORT_ALLOW_VLAN]);

	i = 0;
	nla_for_each_attr_type(a, NETAGENT_A_PORT_ADDR, head, len, rem) {
		ret = netagent_nl_addr(a, &pol->addrs[i++], info->extack);
		if (ret)
			goto err_free;
	}
	if (old && i == 0 && !flush) {
		for (j = 0; j < old->n_addrs; j++)
			if (!old->addrs[j].learned)
				pol->addrs[i++] = old->addrs[j];
	}
	nla_for_each_attr_type(a, NETAGENT_A_PORT_ETHERTYPE, head, len, rem)
		pol->ethertypes[pol->n_ethertypes++] = htons(nla_get_u16(a));
	return pol;

err_free:
	kfree(pol);
	return ERR_PTR(ret);
}

static int netagent_nl_port_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netagent_policy *pol;
	struct net_device *dev;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, NETAGENT_A_PORT_MAC)) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing MAC address");
		return -EINVAL;
	}
	rtnl_lock();
	dev = netagent_nl_dev(info);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto out_unlock;
	}
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG_MOD(info->extack, "not an Ethernet device");
		ret = -EOPNOTSUPP;
		goto out_unlock;
	}
	if (netagent_port_find(netagent_net(genl_info_net(info)), dev->ifindex)) {
		NL_SET_ERR_MSG_MOD(info->extack, "device is already protected");
		ret = -EEXIST;
		goto out_unlock;
	}
	pol = netagent_nl_policy(info, NULL, false);
	if (IS_ERR(pol)) {
		ret = PTR_ERR(pol);
		goto out_unlock;
	}
	ret = netagent_port_add(netagent_net(genl_info_net(info)), dev, pol,
				info->extack);
out_unlock:
	rtnl_unlock();
	return ret;
}

static int netagent_nl_port_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netagent_policy *pol;
	struct netagent_port *port;
	int ret;

	rtnl_lock();
	port = netagent_nl_port(info);
	if (IS_ERR(port)) {
		ret = PTR_ERR(port);
		goto out_unlock;
	}
	pol = netagent_nl_policy(info, rtnl_dereference(port->policy),
				 info->attrs[NETAGENT_A_PORT_FLUSH]);
	if (IS_ERR(pol)) {
		ret = PTR_ERR(pol);
		goto out_unlock;
	}
	ret = netagent_port_replace(port, pol, info->extack);
out_unlock:
	rtnl_unlock();
	return ret;
}

static int netagent_nl_port_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netagent_port *port;
	int ret = 0;

	rtnl_lock();
	port = netagent_nl_port(info);
	if (IS_ERR(port))
		ret = PTR_ERR(port);
	else
		netagent_port_del(port);
	rtnl_unlock();
	return ret;
}

int netagent_nl_put_addr(struct sk_buff *skb, const struct netagent_addr *a)
{
	struct nlattr *nest;
	long left;

	nest = nla_nest_start(skb, NETAGENT_A_PORT_ADDR);
	if (!nest)
		return -EMSGSIZE;
	if (a->family == AF_INET ?
	    nla_put_in_addr(skb, NETAGENT_A_ADDR_IPV4, a->v4.addr) :
	    nla_put_in6_addr(skb, NETAGENT_A_ADDR_IPV6, &a->v6))
		goto err_cancel;
	if (nla_put_u8(skb, NETAGENT_A_ADDR_PREFIXLEN, a->plen))
		goto err_cancel;
	if (a->learned) {
		left = (long)(READ_ONCE(a->expires) - jiffies);
		if (nla_put_flag(skb, NETAGENT_A_ADDR_LEARNED) ||
		    nla_put_u32(skb, NETAGENT_A_ADDR_EXPIRES,
				left > 0 ? DIV_ROUND_UP(left, HZ) : 0))
			goto err_cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int netagent_nl_fill_policy(struct sk_buff *skb,
				   const struct netagent_policy *pol)
{
	unsigned int i;

	if (nla_put(skb, NETAGENT_A_PORT_MAC, ETH_ALEN, pol->mac) ||
	    nla_put_u32(skb, NETAGENT_A_PORT_MODE, pol->mode) ||
	    nla_put_u8(skb, NETAGENT_A_PORT_ALLOW_VLAN, pol->allow_vlan))
		return -EMSGSIZE;
	for (i = 0; i < pol->n_addrs; i++) {
		/* expired or revoked, not collected yet: gone already */
		if (!netagent_addr_live(&pol->addrs[i]))
			continue;
		if (netagent_nl_put_addr(skb, &pol->addrs[i]))
			return -EMSGSIZE;
	}
	for (i = 0; i < pol->n_ethertypes; i++)
		if (nla_put_u16(skb, NETAGENT_A_PORT_ETHERTYPE,
				ntohs(pol->ethertypes[i])))
			return -EMSGSIZE;
	return 0;
}

static int netagent_nl_fill_stats(struct sk_buff *skb,
				  const struct netagent_port *port)
{
	u64 passed, reasons[__NETAGENT_REASON_CNT];
	struct nlattr *stats, *r;
	unsigned int i;

	netagent_port_stats(port, &passed, reasons);
	stats = nla_nest_start(skb, NETAGENT_A_PORT_STATS);
	if (!stats || nla_put_uint(skb, NETAGENT_A_STATS_PASSED, passed))
		return -EMSGSIZE;
	for (i = NETAGENT_REASON_NONE + 1; i < __NETAGENT_REASON_CNT; i++) {
		r = nla_nest_start(skb, NETAGENT_A_STATS_REASON);
		if (!r || nla_put_u32(skb, NETAGENT_A_REASON_ID, i) ||
		    nla_put_string(skb, NETAGENT_A_REASON_NAME,
				   netagent_reason_name(i)) ||
		    nla_put_uint(skb, NETAGENT_A_REASON_PACKETS, reasons[i]))
			return -EMSGSIZE;
		nla_nest_end(skb, r);
	}
	nla_nest_end(skb, stats);
	return 0;
}

/* One port message (PORT_GET or STATS_GET reply), under RTNL. */
static int netagent_nl_fill(struct sk_buff *skb, const struct netagent_port *port,
			    u8 cmd, u32 portid, u32 seq, int flags,
			    struct netlink_callback *cb)
{
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, portid, seq, &netagent_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, NETAGENT_A_PORT_IFINDEX, port->dev->ifindex) ||
	    nla_put_string(skb, NETAGENT_A_PORT_IFNAME, port->dev->name)) {
		ret = -EMSGSIZE;
		goto err_cancel;
	}
	if (cmd == NETAGENT_CMD_STATS_GET)
		ret = netagent_nl_fill_stats(skb, port);
	else
		ret = netagent_nl_fill_policy(skb, rtnl_dereference(port->policy));
	if (ret)
		goto err_cancel;
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return ret;
}

static int netagent_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netagent_port *port;
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		NL_SET_ERR_MSG_MOD(info->extack, "out of memory");
		return -ENOMEM;
	}
	rtnl_lock();
	port = netagent_nl_port(info);
	if (IS_ERR(port)) {
		ret = PTR_ERR(port);
		goto err_unlock;
	}
	ret = netagent_nl_fill(msg, port, info->genlhdr->cmd, info->snd_portid,
			       info->snd_seq, 0, NULL);
	if (ret) {
		NL_SET_ERR_MSG_MOD(info->extack, "reply too large");
		goto err_unlock;
	}
	rtnl_unlock();
	return genlmsg_reply(msg, info);

err_unlock:
	rtnl_unlock();
	nlmsg_free(msg);
	return ret;
}

/* Dump: cb->args[0] is the cursor (next ifindex), cb->seq the generation. */
static int netagent_nl_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	struct netagent_net *nn = netagent_net(sock_net(skb->sk));
	const struct genl_info *info = genl_info_dump(cb);
	struct netagent_port *port;
	unsigned long idx;
	int ret = 0;

	rtnl_lock();
	cb->seq = nn->gen;
	xa_for_each_start(&nn->ports, idx, port, cb->args[0]) {
		ret = netagent_nl_fill(skb, port, info->genlhdr->cmd,
				       NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (ret)
			break;
		cb->args[0] = idx + 1;
	}
	rtnl_unlock();
	/* a port that does not fit an empty message cannot be dumped */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

static const struct genl_split_ops netagent_nl_ops[] = {
	{
		.cmd = NETAGENT_CMD_PORT_ADD,
		.doit = netagent_nl_port_add_doit,
		.policy = netagent_port_add_nl_policy,
		.maxattr = NETAGENT_A_PORT_ETHERTYPE,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = NETAGENT_CMD_PORT_SET,
		.doit = netagent_nl_port_set_doit,
		.policy = netagent_port_set_nl_policy,
		.maxattr = NETAGENT_A_PORT_FLUSH,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = NETAGENT_CMD_PORT_DEL,
		.doit = netagent_nl_port_del_doit,
		.policy = netagent_port_dev_nl_policy,
		.maxattr = NETAGENT_A_PORT_IFNAME,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = NETAGENT_CMD_PORT_GET,
		.doit = netagent_nl_get_doit,
		.policy = netagent_port_dev_nl_policy,
		.maxattr = NETAGENT_A_PORT_IFNAME,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = NETAGENT_CMD_PORT_GET,
		.dumpit = netagent_nl_get_dumpit,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd = NETAGENT_CMD_STATS_GET,
		.doit = netagent_nl_get_doit,
		.policy = netagent_port_dev_nl_policy,
		.maxattr = NETAGENT_A_PORT_IFNAME,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = NETAGENT_CMD_STATS_GET,
		.dumpit = netagent_nl_get_dumpit,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
};

struct genl_family netagent_genl_family __ro_after_init = {
	.name = NETAGENT_FAMILY_NAME,
	.version = NETAGENT_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.split_ops = netagent_nl_ops,
	.n_split_ops = ARRAY_SIZE(netagent_nl_ops),
	.mcgrps = netagent_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(netagent_nl_mcgrps),
};

int netagent_genl_init(void)
{
	return genl_register_family(&netagent_genl_family);
}

void netagent_genl_exit(void)
{
	genl_unregister_family(&netagent_genl_family);
}
