// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: generic netlink operations on the connection table: get, delete,
 * flush and the dump (a walk of the live table with a resumable cursor).
 */
#include <net/genetlink.h>
#include <net/sock.h>

#include "tgw.h"
#include "netlink.h"

const struct nla_policy tgw_conn_policy[TGW_A_CONN_MAX + 1] = {
	[TGW_A_CONN_PROTO] = { .type = NLA_U8 },
	[TGW_A_CONN_CIP] = { .type = NLA_BE32 },
	[TGW_A_CONN_CPORT] = { .type = NLA_BE16 },
	[TGW_A_CONN_VIP] = { .type = NLA_BE32 },
	[TGW_A_CONN_VPORT] = { .type = NLA_BE16 },
	[TGW_A_CONN_VMIP] = { .type = NLA_BE32 },
	[TGW_A_CONN_VMPORT] = { .type = NLA_BE16 },
	[TGW_A_CONN_PEER] = { .type = NLA_BE32 },
};

int tgw_nl_put_conn_info(struct sk_buff *skb, const struct tgw_conn_info *ci)
{
	const struct tgw_tuple *in = &ci->in;
	const struct tgw_tuple *out = &ci->out;
	struct nlattr *nest;

	nest = nla_nest_start(skb, TGW_A_CONN);
	if (!nest ||
	    nla_put_u8(skb, TGW_A_CONN_PROTO, in->proto) ||
	    nla_put_be32(skb, TGW_A_CONN_CIP, in->saddr) ||
	    nla_put_be16(skb, TGW_A_CONN_CPORT, in->sport) ||
	    (ci->gateway && (nla_put_be32(skb, TGW_A_CONN_VIP, in->daddr) ||
			     nla_put_be16(skb, TGW_A_CONN_VPORT, in->dport))) ||
	    nla_put_be32(skb, TGW_A_CONN_VMIP, out->saddr) ||
	    nla_put_be16(skb, TGW_A_CONN_VMPORT, out->sport) ||
	    nla_put_be32(skb, TGW_A_CONN_PEER, ci->peer) ||
	    nla_put_u8(skb, TGW_A_CONN_STATE, ci->state) ||
	    nla_put_u32(skb, TGW_A_CONN_TIMEOUT, ci->timeout_ms) ||
	    nla_put_u32(skb, TGW_A_CONN_FLAGS, ci->flags)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int tgw_nl_put_conn(struct sk_buff *skb, const struct tgw_conn *c)
{
	struct tgw_conn_info ci;

	tgw_conn_info(c, &ci);
	return tgw_nl_put_conn_info(skb, &ci);
}

/* The client-side tuple of TGW_A_CONN: PROTO CIP CPORT and VIP:VPORT
 * (gateway) or VMIP:VMPORT (host).
 */
static int tgw_nl_conn_key(struct genl_info *info, struct tgw_tuple *t)
{
	static const int need[] = {
		TGW_A_CONN_PROTO, TGW_A_CONN_CIP, TGW_A_CONN_CPORT,
	};
	struct nlattr *tb[TGW_A_CONN_MAX + 1];
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TGW_A_CONN))
		return -EINVAL;
	err = tgw_nl_nested(tb, TGW_A_CONN_MAX, info->attrs[TGW_A_CONN],
			    tgw_conn_policy, need, ARRAY_SIZE(need),
			    info->extack);
	if (err)
		return err;
	memset(t, 0, sizeof(*t));
	t->proto = nla_get_u8(tb[TGW_A_CONN_PROTO]);
	t->saddr = nla_get_be32(tb[TGW_A_CONN_CIP]);
	t->sport = nla_get_be16(tb[TGW_A_CONN_CPORT]);
	if (tb[TGW_A_CONN_VIP] && tb[TGW_A_CONN_VPORT]) {
		t->daddr = nla_get_be32(tb[TGW_A_CONN_VIP]);
		t->dport = nla_get_be16(tb[TGW_A_CONN_VPORT]);
	} else if (tb[TGW_A_CONN_VMIP] && tb[TGW_A_CONN_VMPORT]) {
		t->daddr = nla_get_be32(tb[TGW_A_CONN_VMIP]);
		t->dport = nla_get_be16(tb[TGW_A_CONN_VMPORT]);
	} else {
		NL_SET_BAD_ATTR(info->extack, info->attrs[TGW_A_CONN]);
		NL_SET_ERR_MSG_MOD(info->extack,
				   "need VIP and VPORT (or VMIP and VMPORT)");
		return -EINVAL;
	}
	return 0;
}

int tgw_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct sk_buff *msg;
	struct tgw_conn *c;
	struct tgw_tuple t;
	void *hdr;
	int err;

	err = tgw_nl_conn_key(info, &t);
	if (err)
		return err;
	msg = tgw_nl_reply_new(info, TGW_CMD_CONN_GET, &hdr);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	c = tgw_conn_lookup(tn, TGW_DIR_IN, &t);
	err = c ? tgw_nl_put_conn(msg, c) : -ENOENT;
	rcu_read_unlock();
	if (err) {
		if (err == -ENOENT)
			NL_SET_ERR_MSG_MOD(info->extack, "no such connection");
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int tgw_nl_conn_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct tgw_conn *c;
	struct tgw_tuple t;
	int err;

	err = tgw_nl_conn_key(info, &t);
	if (err)
		return err;
	rcu_read_lock();
	c = tgw_conn_lookup(tn, TGW_DIR_IN, &t);
	err = c && tgw_conn_unlink(tn, c, TGW_CONN_END_DELETED) ? 0 : -ENOENT;
	rcu_read_unlock();
	if (err)
		NL_SET_ERR_MSG_MOD(info->extack, "no such connection");
	return err;
}

static bool tgw_conn_of_svc(const struct tgw_conn *c, const void *arg)
{
	return c->dest && c->dest->svc == arg;
}

int tgw_nl_conn_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tgw_net *tn = tgw_nl_net(info);
	struct nlattr *tb[TGW_A_SVC_MAX + 1];
	struct tgw_service *svc = NULL;
	struct sk_buff *msg;
	unsigned int n;
	void *hdr;
	int err;

	/* The reply first: a flush that happened is not reported failed. */
	msg = tgw_nl_reply_new(info, TGW_CMD_CONN_FLUSH, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&tn->cfg_lock);
	if (info->attrs[TGW_A_SERVICE]) {
		err = tgw_nl_svc_key(info, tb, tgw_svc_key_policy);
		if (err)
			goto out_unlock;
		svc = tgw_nl_svc_find(tn, info, tb);
		if (!svc) {
			err = -ENOENT;
			goto out_unlock;
		}
	}
	n = tgw_conn_flush(tn, svc ? tgw_conn_of_svc : NULL, svc,
			   TGW_CONN_END_DELETED);
	mutex_unlock(&tn->cfg_lock);

	if (nla_put_uint(msg, TGW_A_TABLE_COUNT, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_unlock:
	mutex_unlock(&tn->cfg_lock);
	nlmsg_free(msg);
	return err;
}

struct tgw_conn_dump {
	struct rhashtable_iter iter;
	struct nlattr *filter[TGW_A_CONN_MAX + 1];
	bool filtered;
};

int tgw_nl_conn_dump_start(struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct tgw_net *tn = tgw_pernet(sock_net(cb->skb->sk));
	struct tgw_conn_dump *ctx;
	int err;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	if (info->attrs[TGW_A_CONN]) {
		err = nla_parse_nested(ctx->filter, TGW_A_CONN_MAX,
				       info->attrs[TGW_A_CONN],
				       tgw_conn_policy, cb->extack);
		if (err) {
			kfree(ctx);
			return err;
		}
		ctx->filtered = true;
	}
	rhashtable_walk_enter(&tn->conns[TGW_DIR_IN], &ctx->iter);
	cb->args[0] = (long)ctx;
	return 0;
}

int tgw_nl_conn_dump_done(struct netlink_callback *cb)
{
	struct tgw_conn_dump *ctx = (struct tgw_conn_dump *)cb->args[0];

	if (ctx) {
		rhashtable_walk_exit(&ctx->iter);
		kfree(ctx);
	}
	return 0;
}

static bool tgw_conn_match(const struct tgw_conn *c, struct nlattr **f)
{
	const struct tgw_tuple *in = &c->tuple[TGW_DIR_IN];
	const struct tgw_tuple *out = &c->tuple[TGW_DIR_OUT];

	return (!f[TGW_A_CONN_PROTO] || nla_get_u8(f[TGW_A_CONN_PROTO]) ==
					in->proto) &&
	       (!f[TGW_A_CONN_CIP] || nla_get_be32(f[TGW_A_CONN_CIP]) ==
				      in->saddr) &&
	       (!f[TGW_A_CONN_CPORT] || nla_get_be16(f[TGW_A_CONN_CPORT]) ==
					in->sport) &&
	       (!f[TGW_A_CONN_VIP] || (c->dest &&
				       nla_get_be32(f[TGW_A_CONN_VIP]) ==
				       in->daddr)) &&
	       (!f[TGW_A_CONN_VPORT] || (c->dest &&
					 nla_get_be16(f[TGW_A_CONN_VPORT]) ==
					 in->dport)) &&
	       (!f[TGW_A_CONN_VMIP] || nla_get_be32(f[TGW_A_CONN_VMIP]) ==
				       out->saddr) &&
	       (!f[TGW_A_CONN_VMPORT] || nla_get_be16(f[TGW_A_CONN_VMPORT]) ==
					 out->sport) &&
	       (!f[TGW_A_CONN_PEER] || nla_get_be32(f[TGW_A_CONN_PEER]) ==
				       READ_ONCE(c->peer));
}

/*
 * The table changes all the time, so no consistency flag: a conn created
 * or removed during the dump may or may not be listed, and a table resize
 * may list one twice.
 */
int tgw_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tgw_conn_dump *ctx = (struct tgw_conn_dump *)cb->args[0];
	struct tgw_conn *c;
	void *hdr;

	rhashtable_walk_start(&ctx->iter);
	for (c = rhashtable_walk_peek(&ctx->iter); c;
	     c = rhashtable_walk_next(&ctx->iter)) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			break;
		}
		if (ctx->filtered && !tgw_conn_match(c, ctx->filter))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &tgw_genl_family,
				  NLM_F_MULTI, TGW_CMD_CONN_GET);
		if (!hdr)
			break;
		if (tgw_nl_put_conn(skb, c)) {
			genlmsg_cancel(skb, hdr);
			break;	/* peeked again by the next call */
		}
		genlmsg_end(skb, hdr);
	}
	rhashtable_walk_stop(&ctx->iter);
	return skb->len;
}
