// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: the generic netlink family "tgw" (Documentation/netlink/specs/
 * tgw.yaml). The only place that parses user input: per-op policies hold
 * the ranges, handlers check what a policy cannot express, and every
 * error carries an extack message.
 */
#include <linux/in.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "tgw.h"
#include "netlink.h"

/* ---- policies ------------------------------------------------------------ */

static const struct netlink_range_validation tgw_timeout_range = {
	.min = 1,
	.max = TGW_TIMEOUT_MAX,
};

static const struct netlink_range_validation tgw_conn_max_range = {
	.min = 1,
	.max = 1 << 26,
};

static const struct netlink_range_validation tgw_weight_range = {
	.max = TGW_WEIGHT_MAX,
};

static const struct nla_policy tgw_timeout_policy[TGW_STATE_MAX + 1] = {
	[TGW_STATE_SYN_SENT ... TGW_STATE_UDP] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &tgw_timeout_range),
};

const struct nla_policy tgw_svc_key_policy[TGW_A_SVC_MAX + 1] = {
	[TGW_A_SVC_VIP] = { .type = NLA_BE32 },
	[TGW_A_SVC_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[TGW_A_SVC_PROTO] = { .type = NLA_U8 },
};

static const struct nla_policy tgw_svc_policy[TGW_A_SVC_MAX + 1] = {
	[TGW_A_SVC_VIP] = { .type = NLA_BE32 },
	[TGW_A_SVC_PORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[TGW_A_SVC_PROTO] = { .type = NLA_U8 },
	[TGW_A_SVC_SCHED] = NLA_POLICY_MAX(NLA_U32, TGW_SCHED_MAX),
	[TGW_A_SVC_TIMEOUT] = NLA_POLICY_NESTED(tgw_timeout_policy),
	[TGW_A_SVC_MSS] = { .type = NLA_U16 },
};

static const struct nla_policy tgw_dest_key_policy[TGW_A_DEST_MAX + 1] = {
	[TGW_A_DEST_HOST] = { .type = NLA_BE32 },
	[TGW_A_DEST_VMIP] = { .type = NLA_BE32 },
	[TGW_A_DEST_VMPORT] = NLA_POLICY_MIN(NLA_BE16, 1),
};

static const struct nla_policy tgw_dest_policy[TGW_A_DEST_MAX + 1] = {
	[TGW_A_DEST_HOST] = { .type = NLA_BE32 },
	[TGW_A_DEST_VMIP] = { .type = NLA_BE32 },
	[TGW_A_DEST_VMPORT] = NLA_POLICY_MIN(NLA_BE16, 1),
	[TGW_A_DEST_WEIGHT] = NLA_POLICY_FULL_RANGE(NLA_U32, &tgw_weight_range),
};

static const struct nla_policy tgw_role_set_policy[TGW_A_MAX + 1] = {
	[TGW_A_ROLE] = NLA_POLICY_MAX(NLA_U32, TGW_ROLE_MAX),
	[TGW_A_ADDR] = { .type = NLA_BE32 },
	[TGW_A_GATEWAY] = { .type = NLA_BE32 },
	[TGW_A_TABLE_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &tgw_conn_max_range),
	[TGW_A_TIMEOUT] = NLA_POLICY_NESTED(tgw_timeout_policy),
};

static const struct nla_policy tgw_svc_new_policy[TGW_A_MAX + 1] = {
	[TGW_A_SERVICE] = NLA_POLICY_NESTED(tgw_svc_policy),
};

static const struct nla_policy tgw_svc_key_only_policy[TGW_A_MAX + 1] = {
	[TGW_A_SERVICE] = NLA_POLICY_NESTED(tgw_svc_key_policy),
};

static const struct nla_policy tgw_dest_new_policy[TGW_A_MAX + 1] = {
	[TGW_A_SERVICE] = NLA_POLICY_NESTED(tgw_svc_key_policy),
	[TGW_A_DEST] = NLA_POLICY_NESTED(tgw_dest_policy),
};

static const struct nla_policy tgw_dest_del_policy[TGW_A_MAX + 1] = {
	[TGW_A_SERVICE] = NLA_POLICY_NESTED(tgw_svc_key_policy),
	[TGW_A_DEST] = NLA_POLICY_NESTED(tgw_dest_key_policy),
};

static const struct nla_policy tgw_conn_key_policy[TGW_A_MAX + 1] = {
	[TGW_A_CONN] = NLA_POLICY_NESTED(tgw_conn_policy),
};

/* ---- helpers ------------------------------------------------------------- */

/* Parse a nested attribute; report which required member is missing. */
int tgw_nl_nested(struct nlattr **tb, int max, const struct nlattr *nest,
		  const struct nla_policy *policy, const int *need, int nneed,
		  struct netlink_ext_ack *extack)
{
	int i, err;

	err = nla_parse_nested(tb, max, nest, policy, extack);
	if (err)
		return err;
	for (i = 0; i < nneed; i++) {
		if (!tb[need[i]]) {
			NL_SET_ERR_ATTR_MISS(extack, nest, need[i]);
			NL_SET_ERR_MSG_MOD(extack, "missing attribute in nest");
			return -EINVAL;
		}
	}
	return 0;
}

static const int tgw_svc_key_attrs[] = {
	TGW_A_SVC_VIP, TGW_A_SVC_PORT, TGW_A_SVC_PROTO,
};

int tgw_nl_svc_key(struct genl_info *info, struct nlattr **tb,
		   const struct nla_policy *policy)
{
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TGW_A_SERVICE))
		return -EINVAL;
	err = tgw_nl_nested(tb, TGW_A_SVC_MAX, info->attrs[TGW_A_SERVICE],
			    policy, tgw_svc_key_attrs,
			    ARRAY_SIZE(tgw_svc_key_attrs), info->extack);
	if (err)
		return err;
	switch (nla_get_u8(tb[TGW_A_SVC_PROTO])) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(info->extack, tb[TGW_A_SVC_PROTO],
			    "protocol must be tcp (6) or udp (17)");
	return -EINVAL;
}

/* Look up the service named by TGW_A_SERVICE; cfg_lock held. */
struct tgw_service *tgw_nl_svc_find(struct tgw_net *tn, struct genl_info *info,
				    struct nlattr **tb)
{
	struct tgw_service *svc;

	svc = tgw_service_find(tn, nla_get_be32(tb[TGW_A_SVC_VIP]),
			       nla_get_be16(tb[TGW_A_SVC_PORT]),
			       nla_get_u8(tb[TGW_A_SVC_PROTO]));
	if (!svc) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[TGW_A_SERVICE]);
		NL_SET_ERR_MSG_MOD(info->extack, "no such service");
	}
	return svc;
}

static bool tgw_addr_ok(__be32 addr)
{
	return !ipv4_is_zeronet(addr) && !ipv4_is_multicast(addr) &&
	       !ipv4_is_lbcast(addr) && !ipv4_is_loopback(addr);
}

static int tgw_nl_check_addr(struct netlink_ext_ack *extack,
			     const struct nlattr *attr, const char *msg)
{
	if (tgw_addr_ok(nla_get_be32(attr)))
		return 0;
	NL_SET_BAD_ATTR(extack, attr);
	NL_SET_ERR_MSG_FMT_MOD(extack, "%s", msg);
	return -EINVAL;
}

/* ---- message builders ---------------------------------------------------- */

static int tgw_nl_put_svc_key(struct sk_buff *skb, const struct tgw_service *svc)
{
	struct nlattr *nest = nla_nest_start(skb, TGW_A_SERVICE);

	if (!nest ||
	    nla_put_be32(skb, TGW_A_SVC_VIP, svc->vip) ||
	    nla_put_be16(skb, TGW_A_SVC_PORT, svc->port) ||
	    nla_put_u8(skb, TGW_A_SVC_PROTO, svc->proto))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tgw_nl_put_timeouts(struct sk_buff *skb, int attr,
			       const u32 *timeout)
{
	struct nlattr *tmo = nla_nest_start(skb, attr);
	int i;

	if (!tmo)
		return -EMSGSIZE;
	for (i = TGW_STATE_SYN_SENT; i <= TGW_STATE_MAX; i++)
		if (nla_put_u32(skb, i, READ_ONCE(timeout[i]) / HZ))
			return -EMSGSIZE;
	nla_nest_end(skb, tmo);
	return 0;
}

static int tgw_nl_put_svc(struct sk_buff *skb, const struct tgw_service *svc)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, TGW_A_SERVICE);
	if (!nest ||
	    nla_put_be32(skb, TGW_A_SVC_VIP, svc->vip) ||
	    nla_put_be16(skb, TGW_A_SVC_PORT, svc->port) ||
	    nla_put_u8(skb, TGW_A_SVC_PROTO, svc->proto) ||
	    nla_put_u32(skb, TGW_A_SVC_SCHED, svc->sched) ||
	    nla_put_u16(skb, TGW_A_SVC_MSS, svc->mss) ||
	    nla_put_u32(skb, TGW_A_SVC_DESTS, svc->ndests))
		return -EMSGSIZE;
	if (tgw_nl_put_timeouts(skb, TGW_A_SVC_TIMEOUT, svc->timeout))
		return -EMSGSIZE;
	if (tgw_stats_put(skb, TGW_A_SVC_STATS, svc->stats))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tgw_nl_put_dest(struct sk_buff *skb, const struct tgw_dest *d)
{
	struct nlattr *nest = nla_nest_start(skb, TGW_A_DEST);

	if (!nest ||
	    nla_put_be32(skb, TGW_A_DEST_HOST, d->host) ||
	    nla_put_be32(skb, TGW_A_DEST_VMIP, d->vmip) ||
	    nla_put_be16(skb, TGW_A_DEST_VMPORT, d->vmport) ||
	    nla_put_u32(skb, TGW_A_DEST_WEIGHT, d->weight) ||
	    nla_put_u32(skb, TGW_A_DEST_ACTIVE, atomic_read(&d->active)) ||
	    nla_put_u32(skb, TGW_A_DEST_INACTIVE, atomic_read(&d->inactive)) ||
	    nla_put_u32(skb, TGW_A_DEST_SLOTS, tgw_maglev_slots(d->svc, d)) ||
	    tgw_stats_put(skb, TGW_A_DEST_STATS, d->stats))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tgw_nl_put_role(struct sk_buff *skb, struct tgw_net *tn)
{
	const struct tgw_role_cfg *cfg;
	unsigned int i;
	int err = 0;

	rcu_read_lock();
	cfg = rcu_dereference(tn->cfg);
	if (nla_put_u32(skb, TGW_A_ROLE, cfg ? cfg->role : TGW_ROLE_NONE) ||
	    (cfg && cfg->role != TGW_ROLE_NONE &&
	     nla_put_be32(skb, TGW_A_ADDR, cfg->addr)))
		err = -EMSGSIZE;
	for (i = 0; !err && cfg && i < cfg->ngw; i++)
		if (nla_put_be32(skb, TGW_A_GATEWAY, cfg->gw[i]))
			err = -EMSGSIZE;
	if (!err && cfg && cfg->role == TGW_ROLE_HOST &&
	    tgw_nl_put_timeouts(skb, TGW_A_TIMEOUT, tn->timeout))
		err = -EMSGSIZE;
	rcu_read_unlock();
	if (err ||
	    nla_put_u32(skb, TGW_A_TABLE_MAX, READ_ONCE(tn->conn_max)) ||
	    nla_put_uint(skb, TGW_A_TABLE_COUNT, atomic_read(&tn->nconns)) ||
	    nla_put_u32(skb, TGW_A_TABLE_BYTES, tgw_conn_bytes(tn)))
		return -EMSGSIZE;
	return 0;
}

struct sk_buff *tgw_nl_reply_new(struct genl_info *info, u8 cmd, void **hdr)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &tgw_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

void tgw_notify(struct tgw_net *tn, struct genl_info *info, u8 cmd,
		struct tgw_service *svc, struct tgw_dest *d)
{
	struct sk_buff *msg;
	void *hdr;

	if (!(info && nlmsg_report(info->nlhdr)) &&
	    !genl_has_listeners(&tgw_genl_family, tn->net, TGW_NLGRP_CONFIG))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out_err;
	hdr = genlmsg_put(msg, 0, 0, &tgw_genl_family, 0, TGW_CMD_CONFIG_NTF);
	if (!hdr ||
	    nla_put_u8(msg, TGW_A_NTF_CMD, cmd) ||
	    (!svc && tgw_nl_put_role(msg, tn)) ||
	    (svc && !d && tgw_nl_put_svc(msg, svc)) ||
	    (d && (tgw_nl_put_svc_key(msg, svc) || tgw_nl_put_dest(msg, d)))) {
		nlmsg_free(msg);
		goto out_err;
	}
	genlmsg_end(msg, hdr);
	genl_notify(&tgw_genl_family, msg, info, TGW_NLGRP_CONFIG, GFP_KERNEL);
	return;

out_err:
	/* listeners get ENOBUFS: they missed a change */
	genl_set_err(&tgw_genl_family, tn->net, 0, TGW_NLGRP_CONFIG, -ENOBUFS);
}

/* ---- role ---------------------------------------------------------------- */

/* Host flow timeouts: the defaults, overridden by TGW_A_TIMEOUT. */
static int tgw_nl_role_timeouts(struct genl_info *info,
				struct tgw_role_cfg *cfg)
{
	struct nlattr *ttb[TGW_STATE_MAX + 1];
	struct nlattr *attr = info->attrs[TGW_A_TIMEOUT];
	int i, err;

	for (i = 0; i < __TGW_STATE_MAX; i++)
		cfg->timeout[i] = tgw_default_timeout[i] * HZ;
	if (!attr)
		return 0;
	if (cfg->role != TGW_ROLE_HOST) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "timeouts are set per service on gateways, on hosts with the role");
		return -EINVAL;
	}
	err = nla_parse_nested(ttb, TGW_STATE_MAX, attr, tgw_timeout_policy,
			       info->extack);
	if (err)
		return err;
	for (i = TGW_STATE_SYN_SENT; i <= TGW_STATE_MAX; i++)
		if (ttb[i])
			cfg->timeout[i] = nla_get_u32(ttb[i]) * HZ;
	return 0;
}

static int tgw_nl_role_parse(struct genl_info *info, struct tgw_role_cfg *cfg)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *attr;
	unsigned int i;
	int rem, err;

	cfg->role = nla_get_u32(info->attrs[TGW_A_ROLE]);
	err = tgw_nl_role_timeouts(info, cfg);
	if (err)
		return err;
	if (cfg->role == TGW_ROLE_NONE) {
		if (info->attrs[TGW_A_ADDR] || info->attrs[TGW_A_GATEWAY]) {
			NL_SET_ERR_MSG_MOD(extack,
					   "role none takes no address or gateway");
			return -EINVAL;
		}
		return 0;
	}
	if (GENL_REQ_ATTR_CHECK(info, TGW_A_ADDR))
		return -EINVAL;
	err = tgw_nl_check_addr(extack, info->attrs[TGW_A_ADDR],
				"address must be a unicast address");
	if (err)
		return err;
	cfg->addr = nla_get_be32(info->attrs[TGW_A_ADDR]);

	nla_for_each_attr_type(attr, TGW_A_GATEWAY, genlmsg_data(info->genlhdr),
			       genlmsg_len(info->genlhdr), rem) {
		if (cfg->role != TGW_ROLE_HOST) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "gateways are set on hosts only");
			return -EINVAL;
		}
		if (cfg->ngw == TGW_GATEWAYS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, "too many gateways");
			return -E2BIG;
		}
		err = tgw_nl_check_addr(extack, attr,
					"gateway must be a unicast address");
		if (err)
			return err;
		for (i = 0; i < cfg->ngw; i++) {
			if (cfg->gw[i] == nla_get_be32(attr)) {
				NL_SET_ERR_MSG_ATTR(extack, attr,
						    "duplicate gateway");
				return -EINVAL;
			}
		}
		cfg->gw[cfg->ngw++] = nla_get_be32(attr);
	}
	if (cfg->role == TGW_ROLE_HOST && !cfg->ngw) {
		NL_SET_ERR_MSG_MOD(extack, "role host needs at least one gateway");
		return -EINVAL;
	}
	return 0;
}

static int tgw_nl_role_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct tgw_role_cfg *cfg;
	u32 max = 0;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TGW_A_ROLE))
		return -EINVAL;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg)
		return -ENOMEM;
	err = tgw_nl_role_parse(info, cfg);
	if (err) {
		kfree(cfg);
		return err;
	}
	if (info->attrs[TGW_A_TABLE_MAX])
		max = nla_get_u32(info->attrs[TGW_A_TABLE_MAX]);
	mutex_lock(&tn->cfg_lock);
	err = tgw_role_set(tn, cfg, max, info->extack);	/* owns cfg */
	if (!err)
		tgw_notify(tn, info, TGW_CMD_ROLE_SET, NULL, NULL);
	mutex_unlock(&tn->cfg_lock);
	return err;
}

static int tgw_nl_role_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct sk_buff *msg;
	void *hdr;

	msg = tgw_nl_reply_new(info, TGW_CMD_ROLE_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	if (tgw_nl_put_role(msg, tn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int tgw_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	u64 sent, suppressed;
	struct sk_buff *msg;
	void *hdr;

	msg = tgw_nl_reply_new(info, TGW_CMD_STATS_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	spin_lock_bh(&tn->ev.lock);
	sent = tn->ev.sent;
	suppressed = tn->ev.suppressed;
	spin_unlock_bh(&tn->ev.lock);
	if (tgw_nl_put_role(msg, tn) ||
	    nla_put_uint(msg, TGW_A_EVENTS_SENT, sent) ||
	    nla_put_uint(msg, TGW_A_EVENTS_SUPPRESSED, suppressed) ||
	    tgw_stats_put(msg, TGW_A_STATS, tn->stats)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* ---- services ------------------------------------------------------------ */

static int tgw_nl_svc_fields(struct genl_info *info, struct nlattr **tb,
			     struct tgw_service *tmpl, bool *set_timeout,
			     bool *set_sched, bool *set_mss)
{
	struct nlattr *ttb[TGW_STATE_MAX + 1];
	int i, err;

	*set_sched = !!tb[TGW_A_SVC_SCHED];
	if (*set_sched)
		tmpl->sched = nla_get_u32(tb[TGW_A_SVC_SCHED]);
	*set_mss = !!tb[TGW_A_SVC_MSS];
	if (*set_mss) {
		tmpl->mss = nla_get_u16(tb[TGW_A_SVC_MSS]);
		if (tmpl->mss && tmpl->mss < 536) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[TGW_A_SVC_MSS],
					    "MSS must be 0 (auto) or >= 536");
			return -EINVAL;
		}
	}
	if (!tb[TGW_A_SVC_TIMEOUT])
		return 0;
	err = nla_parse_nested(ttb, TGW_STATE_MAX, tb[TGW_A_SVC_TIMEOUT],
			       tgw_timeout_policy, info->extack);
	if (err)
		return err;
	for (i = TGW_STATE_SYN_SENT; i <= TGW_STATE_MAX; i++) {
		if (!ttb[i])
			continue;
		set_timeout[i] = true;
		tmpl->timeout[i] = nla_get_u32(ttb[i]) * HZ;
	}
	return 0;
}

static int tgw_nl_svc_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	bool set_timeout[__TGW_STATE_MAX] = {}, set_sched, set_mss;
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *tb[TGW_A_SVC_MAX + 1];
	struct tgw_service *tmpl, *svc;
	int i, err;

	err = tgw_nl_svc_key(info, tb, tgw_svc_policy);
	if (err)
		return err;
	tmpl = kzalloc(sizeof(*tmpl), GFP_KERNEL);
	if (!tmpl)
		return -ENOMEM;
	tmpl->vip = nla_get_be32(tb[TGW_A_SVC_VIP]);
	tmpl->port = nla_get_be16(tb[TGW_A_SVC_PORT]);
	tmpl->proto = nla_get_u8(tb[TGW_A_SVC_PROTO]);
	tmpl->sched = TGW_SCHED_WRR;
	for (i = 0; i < __TGW_STATE_MAX; i++)
		tmpl->timeout[i] = tgw_default_timeout[i] * HZ;
	err = tgw_nl_svc_fields(info, tb, tmpl, set_timeout, &set_sched,
				&set_mss);
	if (err)
		goto out_free;
	err = tgw_nl_check_addr(info->extack, tb[TGW_A_SVC_VIP],
				"VIP must be a unicast address");
	if (err)
		goto out_free;
	mutex_lock(&tn->cfg_lock);
	svc = tgw_service_new(tn, tmpl, info->extack);
	if (IS_ERR(svc)) {
		err = PTR_ERR(svc);
	} else {
		err = 0;
		tgw_notify(tn, info, TGW_CMD_SERVICE_NEW, svc, NULL);
	}
	mutex_unlock(&tn->cfg_lock);
out_free:
	kfree(tmpl);
	return err;
}

static int tgw_nl_svc_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	bool set_timeout[__TGW_STATE_MAX] = {}, set_sched, set_mss;
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *tb[TGW_A_SVC_MAX + 1];
	struct tgw_service *tmpl, *svc;
	int err;

	err = tgw_nl_svc_key(info, tb, tgw_svc_policy);
	if (err)
		return err;
	tmpl = kzalloc(sizeof(*tmpl), GFP_KERNEL);
	if (!tmpl)
		return -ENOMEM;
	err = tgw_nl_svc_fields(info, tb, tmpl, set_timeout, &set_sched,
				&set_mss);
	if (err)
		goto out_free;
	mutex_lock(&tn->cfg_lock);
	svc = tgw_nl_svc_find(tn, info, tb);
	err = -ENOENT;
	if (svc)
		err = tgw_service_set(tn, svc, tmpl, set_timeout, set_sched,
				      set_mss, info->extack);
	if (!err)
		tgw_notify(tn, info, TGW_CMD_SERVICE_SET, svc, NULL);
	mutex_unlock(&tn->cfg_lock);
out_free:
	kfree(tmpl);
	return err;
}

static int tgw_nl_svc_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *tb[TGW_A_SVC_MAX + 1];
	struct tgw_service *svc;
	int err;

	err = tgw_nl_svc_key(info, tb, tgw_svc_key_policy);
	if (err)
		return err;
	mutex_lock(&tn->cfg_lock);
	svc = tgw_nl_svc_find(tn, info, tb);
	if (svc) {
		tgw_notify(tn, info, TGW_CMD_SERVICE_DEL, svc, NULL);
		tgw_service_del(tn, svc);
	}
	mutex_unlock(&tn->cfg_lock);
	return svc ? 0 : -ENOENT;
}

static int tgw_nl_svc_msg(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			  const struct tgw_service *svc,
			  struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &tgw_genl_family, flags,
			  TGW_CMD_SERVICE_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (tgw_nl_put_svc(skb, svc)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int tgw_nl_svc_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *tb[TGW_A_SVC_MAX + 1];
	struct tgw_service *svc;
	struct sk_buff *msg;
	int err;

	err = tgw_nl_svc_key(info, tb, tgw_svc_key_policy);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&tn->cfg_lock);
	svc = tgw_nl_svc_find(tn, info, tb);
	err = svc ? tgw_nl_svc_msg(msg, info->snd_portid, info->snd_seq, 0,
				   svc, NULL) : -ENOENT;
	mutex_unlock(&tn->cfg_lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: services already sent. */
static int tgw_nl_svc_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	struct tgw_net *tn = tgw_pernet(sock_net(cb->skb->sk));
	struct tgw_service *svc;
	long idx = 0;
	int i;

	mutex_lock(&tn->cfg_lock);
	cb->seq = tn->cfg_gen;
	for (i = 0; i < ARRAY_SIZE(tn->svc_hash); i++) {
		hlist_for_each_entry(svc, &tn->svc_hash[i], hnode) {
			if (idx++ < cb->args[0])
				continue;
			if (tgw_nl_svc_msg(skb, NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI,
					   svc, cb))
				goto out;
			cb->args[0]++;
		}
	}
out:
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
}

/* ---- destinations -------------------------------------------------------- */

static const int tgw_dest_key_attrs[] = {
	TGW_A_DEST_HOST, TGW_A_DEST_VMIP, TGW_A_DEST_VMPORT,
};

/* Parse SERVICE + DEST and find the service; cfg_lock held. */
static struct tgw_service *tgw_nl_dest_parse(struct tgw_net *tn,
					     struct genl_info *info,
					     struct nlattr **dtb,
					     const struct nla_policy *policy)
{
	struct nlattr *stb[TGW_A_SVC_MAX + 1];
	int err;

	err = tgw_nl_svc_key(info, stb, tgw_svc_key_policy);
	if (err)
		return ERR_PTR(err);
	if (GENL_REQ_ATTR_CHECK(info, TGW_A_DEST))
		return ERR_PTR(-EINVAL);
	err = tgw_nl_nested(dtb, TGW_A_DEST_MAX, info->attrs[TGW_A_DEST],
			    policy, tgw_dest_key_attrs,
			    ARRAY_SIZE(tgw_dest_key_attrs), info->extack);
	if (err)
		return ERR_PTR(err);
	return tgw_nl_svc_find(tn, info, stb) ?: ERR_PTR(-ENOENT);
}

static struct tgw_dest *tgw_nl_dest_find(struct tgw_service *svc,
					 struct genl_info *info,
					 struct nlattr **dtb)
{
	struct tgw_dest *d;

	d = tgw_dest_find(svc, nla_get_be32(dtb[TGW_A_DEST_HOST]),
			  nla_get_be32(dtb[TGW_A_DEST_VMIP]),
			  nla_get_be16(dtb[TGW_A_DEST_VMPORT]));
	if (!d) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[TGW_A_DEST]);
		NL_SET_ERR_MSG_MOD(info->extack, "no such destination");
	}
	return d;
}

static int tgw_nl_dest_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *dtb[TGW_A_DEST_MAX + 1];
	struct tgw_service *svc;
	struct tgw_dest *d;
	u32 weight = 1;
	int err;

	mutex_lock(&tn->cfg_lock);
	svc = tgw_nl_dest_parse(tn, info, dtb, tgw_dest_policy);
	if (IS_ERR(svc)) {
		err = PTR_ERR(svc);
		goto out_unlock;
	}
	err = tgw_nl_check_addr(info->extack, dtb[TGW_A_DEST_HOST],
				"host must be a unicast address") ?:
	      tgw_nl_check_addr(info->extack, dtb[TGW_A_DEST_VMIP],
				"VM address must be a unicast address");
	if (err)
		goto out_unlock;
	if (dtb[TGW_A_DEST_WEIGHT])
		weight = nla_get_u32(dtb[TGW_A_DEST_WEIGHT]);
	d = tgw_dest_new(tn, svc, nla_get_be32(dtb[TGW_A_DEST_HOST]),
			 nla_get_be32(dtb[TGW_A_DEST_VMIP]),
			 nla_get_be16(dtb[TGW_A_DEST_VMPORT]), weight,
			 info->extack);
	if (IS_ERR(d)) {
		err = PTR_ERR(d);
		goto out_unlock;
	}
	tgw_notify(tn, info, TGW_CMD_DEST_NEW, svc, d);
out_unlock:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

static int tgw_nl_dest_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *dtb[TGW_A_DEST_MAX + 1];
	struct tgw_service *svc;
	struct tgw_dest *d;
	int err = 0;

	mutex_lock(&tn->cfg_lock);
	svc = tgw_nl_dest_parse(tn, info, dtb, tgw_dest_policy);
	if (IS_ERR(svc)) {
		err = PTR_ERR(svc);
		goto out_unlock;
	}
	d = tgw_nl_dest_find(svc, info, dtb);
	if (!d) {
		err = -ENOENT;
		goto out_unlock;
	}
	if (dtb[TGW_A_DEST_WEIGHT])
		err = tgw_dest_set_weight(tn, d,
					  nla_get_u32(dtb[TGW_A_DEST_WEIGHT]),
					  info->extack);
	if (!err)
		tgw_notify(tn, info, TGW_CMD_DEST_SET, svc, d);
out_unlock:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

static int tgw_nl_dest_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct tgw_sched_change ch;
	struct nlattr *dtb[TGW_A_DEST_MAX + 1];
	struct tgw_service *svc;
	struct tgw_dest *d;
	int err = 0;

	mutex_lock(&tn->cfg_lock);
	svc = tgw_nl_dest_parse(tn, info, dtb, tgw_dest_key_policy);
	if (IS_ERR(svc)) {
		err = PTR_ERR(svc);
		goto out_unlock;
	}
	d = tgw_nl_dest_find(svc, info, dtb);
	if (!d) {
		err = -ENOENT;
		goto out_unlock;
	}
	err = tgw_dest_del_prepare(d, &ch, info->extack);
	if (err)
		goto out_unlock;
	tgw_notify(tn, info, TGW_CMD_DEST_DEL, svc, d);
	tgw_dest_del(tn, d, &ch);
out_unlock:
	mutex_unlock(&tn->cfg_lock);
	return err;
}

/* cb->args[0]: destinations already sent. */
static int tgw_nl_dest_get_dumpit(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct tgw_net *tn = tgw_pernet(sock_net(cb->skb->sk));
	struct nlattr *stb[TGW_A_SVC_MAX + 1];
	struct tgw_service *svc, *only = NULL;
	struct tgw_dest *d;
	long idx = 0;
	void *hdr;
	int i;

	mutex_lock(&tn->cfg_lock);
	if (info->attrs[TGW_A_SERVICE]) {
		if (tgw_nl_nested(stb, TGW_A_SVC_MAX, info->attrs[TGW_A_SERVICE],
				  tgw_svc_key_policy, tgw_svc_key_attrs,
				  ARRAY_SIZE(tgw_svc_key_attrs), cb->extack))
			goto out_einval;
		only = tgw_service_find(tn, nla_get_be32(stb[TGW_A_SVC_VIP]),
					nla_get_be16(stb[TGW_A_SVC_PORT]),
					nla_get_u8(stb[TGW_A_SVC_PROTO]));
		if (!only) {
			NL_SET_ERR_MSG_MOD(cb->extack, "no such service");
			mutex_unlock(&tn->cfg_lock);
			return -ENOENT;
		}
	}
	cb->seq = tn->cfg_gen;
	for (i = 0; i < ARRAY_SIZE(tn->svc_hash); i++) {
		hlist_for_each_entry(svc, &tn->svc_hash[i], hnode) {
			if (only && svc != only)
				continue;
			list_for_each_entry(d, &svc->dests, list) {
				if (idx++ < cb->args[0])
					continue;
				hdr = genlmsg_put(skb,
						  NETLINK_CB(cb->skb).portid,
						  cb->nlh->nlmsg_seq,
						  &tgw_genl_family, NLM_F_MULTI,
						  TGW_CMD_DEST_GET);
				if (!hdr)
					goto out;
				genl_dump_check_consistent(cb, hdr);
				if (tgw_nl_put_svc_key(skb, svc) ||
				    tgw_nl_put_dest(skb, d)) {
					genlmsg_cancel(skb, hdr);
					goto out;
				}
				genlmsg_end(skb, hdr);
				cb->args[0]++;
			}
		}
	}
out:
	mutex_unlock(&tn->cfg_lock);
	return skb->len;
out_einval:
	mutex_unlock(&tn->cfg_lock);
	return -EINVAL;
}

/* ---- family -------------------------------------------------------------- */

static const struct genl_split_ops tgw_nl_ops[] = {
	{
		.cmd = TGW_CMD_ROLE_SET,
		.doit = tgw_nl_role_set_doit,
		.policy = tgw_role_set_policy,
		.maxattr = TGW_A_TIMEOUT,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_ROLE_GET,
		.doit = tgw_nl_role_get_doit,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SERVICE_NEW,
		.doit = tgw_nl_svc_new_doit,
		.policy = tgw_svc_new_policy,
		.maxattr = TGW_A_SERVICE,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SERVICE_SET,
		.doit = tgw_nl_svc_set_doit,
		.policy = tgw_svc_new_policy,
		.maxattr = TGW_A_SERVICE,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SERVICE_DEL,
		.doit = tgw_nl_svc_del_doit,
		.policy = tgw_svc_key_only_policy,
		.maxattr = TGW_A_SERVICE,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SERVICE_GET,
		.doit = tgw_nl_svc_get_doit,
		.policy = tgw_svc_key_only_policy,
		.maxattr = TGW_A_SERVICE,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SERVICE_GET,
		.dumpit = tgw_nl_svc_get_dumpit,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd = TGW_CMD_DEST_NEW,
		.doit = tgw_nl_dest_new_doit,
		.policy = tgw_dest_new_policy,
		.maxattr = TGW_A_DEST,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_DEST_SET,
		.doit = tgw_nl_dest_set_doit,
		.policy = tgw_dest_new_policy,
		.maxattr = TGW_A_DEST,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_DEST_DEL,
		.doit = tgw_nl_dest_del_doit,
		.policy = tgw_dest_del_policy,
		.maxattr = TGW_A_DEST,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_DEST_GET,
		.dumpit = tgw_nl_dest_get_dumpit,
		.policy = tgw_svc_key_only_policy,
		.maxattr = TGW_A_SERVICE,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd = TGW_CMD_CONN_GET,
		.doit = tgw_nl_conn_get_doit,
		.policy = tgw_conn_key_policy,
		.maxattr = TGW_A_CONN,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_CONN_GET,
		.start = tgw_nl_conn_dump_start,
		.dumpit = tgw_nl_conn_get_dumpit,
		.done = tgw_nl_conn_dump_done,
		.policy = tgw_conn_key_policy,
		.maxattr = TGW_A_CONN,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd = TGW_CMD_CONN_DEL,
		.doit = tgw_nl_conn_del_doit,
		.policy = tgw_conn_key_policy,
		.maxattr = TGW_A_CONN,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_CONN_FLUSH,
		.doit = tgw_nl_conn_flush_doit,
		.policy = tgw_svc_key_only_policy,
		.maxattr = TGW_A_SERVICE,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_STATS_GET,
		.doit = tgw_nl_stats_get_doit,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SYNC_START,
		.doit = tgw_nl_sync_start_doit,
		.policy = tgw_sync_start_policy,
		.maxattr = TGW_A_SYNC,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SYNC_STOP,
		.doit = tgw_nl_sync_stop_doit,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd = TGW_CMD_SYNC_GET,
		.doit = tgw_nl_sync_get_doit,
		.flags = GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group tgw_nl_mcgrps[] = {
	[TGW_NLGRP_CONFIG] = { .name = TGW_MCGRP_CONFIG, },
	[TGW_NLGRP_CONN] = { .name = TGW_MCGRP_CONN, },
};

struct genl_family tgw_genl_family __ro_after_init = {
	.name = TGW_FAMILY_NAME,
	.version = TGW_FAMILY_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.split_ops = tgw_nl_ops,
	.n_split_ops = ARRAY_SIZE(tgw_nl_ops),
	.resv_start_op = TGW_CMD_STATS_GET + 1,
	.mcgrps = tgw_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(tgw_nl_mcgrps),
};

int tgw_genl_register(void)
{
	return genl_register_family(&tgw_genl_family);
}

void tgw_genl_unregister(void)
{
	genl_unregister_family(&tgw_genl_family);
}
