// SPDX-License-Identifier: GPL-2.0
/* tgw: generic netlink commands of connection sync (sync-start/stop/get). */
#include <linux/inetdevice.h>
#include <net/route.h>

#include "netlink.h"
#include "sync.h"

#define TGW_SYNC_REFRESH_DEFAULT	10	/* seconds */
#define TGW_SYNC_BULK_RATE_DEFAULT	10000	/* datagrams per second */

static const struct netlink_range_validation tgw_sync_bulk_rate_range = {
	.min = 1,
	.max = TGW_SYNC_BULK_RATE_MAX,
};

static const struct nla_policy tgw_sync_policy[TGW_A_SYNC_MAX + 1] = {
	[TGW_A_SYNC_SYNCID] = NLA_POLICY_MIN(NLA_U32, 1),
	[TGW_A_SYNC_ADDR] = { .type = NLA_BE32 },
	[TGW_A_SYNC_PORT] = { .type = NLA_BE16 },
	[TGW_A_SYNC_PEER] = { .type = NLA_BE32 },
	[TGW_A_SYNC_GROUP] = { .type = NLA_BE32 },
	[TGW_A_SYNC_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[TGW_A_SYNC_KEY] = NLA_POLICY_RANGE(NLA_BINARY, TGW_SYNC_KEY_MIN,
					    TGW_SYNC_KEY_MAX),
	[TGW_A_SYNC_REFRESH] = NLA_POLICY_RANGE(NLA_U32, 1,
						TGW_SYNC_REFRESH_MAX),
	[TGW_A_SYNC_BULK_RATE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &tgw_sync_bulk_rate_range),
};

const struct nla_policy tgw_sync_start_policy[TGW_A_MAX + 1] = {
	[TGW_A_SYNC] = NLA_POLICY_NESTED(tgw_sync_policy),
};

static const int tgw_sync_need[] = { TGW_A_SYNC_SYNCID, TGW_A_SYNC_ADDR };

static bool tgw_sync_addr_bad(__be32 a)
{
	return ipv4_is_zeronet(a) || ipv4_is_multicast(a) ||
	       ipv4_is_lbcast(a);
}

static int tgw_nl_sync_peers(struct tgw_sync_cfg *cfg,
			     const struct nlattr *nest,
			     struct netlink_ext_ack *extack)
{
	const struct nlattr *a;
	unsigned int i;
	__be32 peer;
	int rem;

	nla_for_each_nested_type(a, TGW_A_SYNC_PEER, nest, rem) {
		peer = nla_get_be32(a);
		if (tgw_sync_addr_bad(peer) || peer == cfg->addr) {
			NL_SET_ERR_MSG_ATTR(extack, a, "bad peer address");
			return -EINVAL;
		}
		for (i = 0; i < cfg->npeers; i++) {
			if (cfg->peers[i] == peer) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "peer given twice");
				return -EINVAL;
			}
		}
		if (cfg->npeers == TGW_SYNC_PEERS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many peers");
			return -E2BIG;
		}
		cfg->peers[cfg->npeers++] = peer;
	}
	return 0;
}

int tgw_nl_sync_start_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *tb[TGW_A_SYNC_MAX + 1];
	struct netlink_ext_ack *extack = info->extack;
	struct tgw_sync_cfg *cfg;
	struct net_device *dev;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TGW_A_SYNC))
		return -EINVAL;
	err = tgw_nl_nested(tb, TGW_A_SYNC_MAX, info->attrs[TGW_A_SYNC],
			    tgw_sync_policy, tgw_sync_need,
			    ARRAY_SIZE(tgw_sync_need), extack);
	if (err)
		return err;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	cfg->syncid = nla_get_u32(tb[TGW_A_SYNC_SYNCID]);
	cfg->addr = nla_get_be32(tb[TGW_A_SYNC_ADDR]);
	cfg->port = tb[TGW_A_SYNC_PORT] ? nla_get_be16(tb[TGW_A_SYNC_PORT]) :
					  htons(TGW_SYNC_PORT);
	cfg->refresh = tb[TGW_A_SYNC_REFRESH] ?
		       nla_get_u32(tb[TGW_A_SYNC_REFRESH]) :
		       TGW_SYNC_REFRESH_DEFAULT;
	cfg->bulk_rate = tb[TGW_A_SYNC_BULK_RATE] ?
			 nla_get_u32(tb[TGW_A_SYNC_BULK_RATE]) :
			 TGW_SYNC_BULK_RATE_DEFAULT;
	err = -EINVAL;
	if (tgw_sync_addr_bad(cfg->addr) ||
	    inet_addr_type(genl_info_net(info), cfg->addr) != RTN_LOCAL) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TGW_A_SYNC_ADDR],
				    "sync address is not a local address");
		goto out;
	}
	if (!cfg->port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TGW_A_SYNC_PORT], "port 0");
		goto out;
	}
	err = tgw_nl_sync_peers(cfg, info->attrs[TGW_A_SYNC], extack);
	if (err)
		goto out;
	err = -EINVAL;
	if (tb[TGW_A_SYNC_GROUP]) {
		cfg->group = nla_get_be32(tb[TGW_A_SYNC_GROUP]);
		if (!ipv4_is_multicast(cfg->group) ||
		    ipv4_is_local_multicast(cfg->group)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[TGW_A_SYNC_GROUP],
					    "not a routable multicast group");
			goto out;
		}
		if (!tb[TGW_A_SYNC_IFINDEX]) {
			NL_SET_ERR_MSG_MOD(extack, "a group needs a device");
			goto out;
		}
		cfg->ifindex = nla_get_u32(tb[TGW_A_SYNC_IFINDEX]);
		dev = dev_get_by_index(genl_info_net(info), cfg->ifindex);
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, tb[TGW_A_SYNC_IFINDEX],
					    "no such device");
			err = -ENODEV;
			goto out;
		}
		dev_put(dev);
	} else if (tb[TGW_A_SYNC_IFINDEX]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TGW_A_SYNC_IFINDEX],
				    "a device without a group");
		goto out;
	} else if (!cfg->npeers) {
		NL_SET_ERR_MSG_MOD(extack, "no peer and no group");
		goto out;
	}
	if (tb[TGW_A_SYNC_KEY]) {
		cfg->keylen = nla_len(tb[TGW_A_SYNC_KEY]);
		memcpy(cfg->key, nla_data(tb[TGW_A_SYNC_KEY]), cfg->keylen);
	}
	mutex_lock(&tn->cfg_lock);
	err = tgw_sync_start(tn, cfg, extack);
	mutex_unlock(&tn->cfg_lock);
out:
	kfree_sensitive(cfg);
	return err;
}

int tgw_nl_sync_stop_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	int err;

	mutex_lock(&tn->cfg_lock);
	err = tgw_sync_stop(tn, info->extack);
	mutex_unlock(&tn->cfg_lock);
	return err;
}

static int tgw_nl_put_sync_peer(struct sk_buff *msg,
				const struct tgw_sync_peer *p)
{
	struct nlattr *nest;
	u32 last_ms = p->rx ? jiffies_to_msecs(jiffies - p->last_rx) : 0;

	nest = nla_nest_start(msg, TGW_A_SYNC_PEER_INFO);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_in_addr(msg, TGW_A_SYNC_PEER_ADDR, p->addr) ||
	    nla_put_u64_64bit(msg, TGW_A_SYNC_PEER_EPOCH, p->epoch,
			      TGW_A_SYNC_PEER_PAD) ||
	    nla_put_u64_64bit(msg, TGW_A_SYNC_PEER_SEQ, p->highest,
			      TGW_A_SYNC_PEER_PAD) ||
	    nla_put_u32(msg, TGW_A_SYNC_PEER_MISSING,
			tgw_sync_missing(p, U64_MAX)) ||
	    nla_put_u32(msg, TGW_A_SYNC_PEER_LAST_MS, last_ms) ||
	    nla_put_u8(msg, TGW_A_SYNC_PEER_ALIVE,
		       p->rx && time_before(jiffies,
					    p->last_rx + TGW_SYNC_DEAD)) ||
	    nla_put_u8(msg, TGW_A_SYNC_PEER_BULK, p->bulk) ||
	    nla_put_uint(msg, TGW_A_SYNC_PEER_RX, p->rx)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int tgw_nl_put_sync_stats(struct sk_buff *msg, struct tgw_sync *ts)
{
	struct nlattr *nest, *drops;
	int i;

	nest = nla_nest_start(msg, TGW_A_SYNC_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = TGW_A_SYNC_STATS_UNSPEC + 1; i < __TGW_A_SYNC_STATS_MAX; i++) {
		if (i == TGW_A_SYNC_STATS_DROPS)
			continue;
		if (nla_put_uint(msg, i, atomic64_read(&ts->stats[i])))
			goto cancel;
	}
	drops = nla_nest_start(msg, TGW_A_SYNC_STATS_DROPS);
	if (!drops)
		goto cancel;
	for (i = 0; i < __TGW_SYNC_DROP_MAX; i++)
		if (nla_put_uint(msg, i + 1, atomic64_read(&ts->drops[i])))
			goto cancel;
	nla_nest_end(msg, drops);
	nla_nest_end(msg, nest);
	return 0;
cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

static int tgw_nl_put_sync(struct sk_buff *msg, struct tgw_sync *ts)
{
	const struct tgw_sync_cfg *cfg = &ts->cfg;
	struct nlattr *nest;
	unsigned int i;
	u64 seq;

	mutex_lock(&ts->tx_lock);
	seq = ts->seq;
	mutex_unlock(&ts->tx_lock);
	nest = nla_nest_start(msg, TGW_A_SYNC);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, TGW_A_SYNC_SYNCID, cfg->syncid) ||
	    nla_put_in_addr(msg, TGW_A_SYNC_ADDR, cfg->addr) ||
	    nla_put_be16(msg, TGW_A_SYNC_PORT, cfg->port) ||
	    (cfg->group &&
	     (nla_put_in_addr(msg, TGW_A_SYNC_GROUP, cfg->group) ||
	      nla_put_u32(msg, TGW_A_SYNC_IFINDEX, cfg->ifindex))) ||
	    nla_put_u32(msg, TGW_A_SYNC_REFRESH, cfg->refresh) ||
	    nla_put_u32(msg, TGW_A_SYNC_BULK_RATE, cfg->bulk_rate) ||
	    (ts->tfm && nla_put_flag(msg, TGW_A_SYNC_AUTH)) ||
	    nla_put_u64_64bit(msg, TGW_A_SYNC_EPOCH, ts->epoch,
			      TGW_A_SYNC_PAD) ||
	    nla_put_u64_64bit(msg, TGW_A_SYNC_SEQ, seq, TGW_A_SYNC_PAD))
		goto cancel;
	for (i = 0; i < cfg->npeers; i++)
		if (nla_put_in_addr(msg, TGW_A_SYNC_PEER, cfg->peers[i]))
			goto cancel;
	mutex_lock(&ts->lock);
	if (nla_put_u8(msg, TGW_A_SYNC_IN_SYNC, tgw_sync_in_sync(ts)))
		goto cancel_unlock;
	for (i = 0; i < ts->npeers; i++)
		if (tgw_nl_put_sync_peer(msg, &ts->peers[i]))
			goto cancel_unlock;
	mutex_unlock(&ts->lock);
	if (tgw_nl_put_sync_stats(msg, ts))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;
cancel_unlock:
	mutex_unlock(&ts->lock);
cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

int tgw_nl_sync_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct tgw_sync *ts;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = tgw_nl_reply_new(info, TGW_CMD_SYNC_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&tn->cfg_lock);
	ts = rcu_dereference_protected(tn->sync,
				       lockdep_is_held(&tn->cfg_lock));
	if (!ts) {
		NL_SET_ERR_MSG_MOD(info->extack, "sync is not running");
		err = -ENOENT;
	} else {
		err = tgw_nl_put_sync(msg, ts);
	}
	mutex_unlock(&tn->cfg_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}
