/* SPDX-License-Identifier: GPL-2.0 */
/* tgw: helpers shared by the generic netlink files. */
#ifndef _TGW_NETLINK_H
#define _TGW_NETLINK_H

#include <net/genetlink.h>

#include "tgw.h"

enum tgw_nlgrp {
	TGW_NLGRP_CONFIG,
	TGW_NLGRP_CONN,
};

extern const struct nla_policy tgw_svc_key_policy[TGW_A_SVC_MAX + 1];
extern const struct nla_policy tgw_conn_policy[TGW_A_CONN_MAX + 1];

static inline struct tgw_net *tgw_nl_net(struct genl_info *info)
{
	return tgw_pernet(genl_info_net(info));
}

/* netlink.c */
int tgw_nl_nested(struct nlattr **tb, int max, const struct nlattr *nest,
		  const struct nla_policy *policy, const int *need, int nneed,
		  struct netlink_ext_ack *extack);
int tgw_nl_svc_key(struct genl_info *info, struct nlattr **tb,
		   const struct nla_policy *policy);
struct tgw_service *tgw_nl_svc_find(struct tgw_net *tn, struct genl_info *info,
				    struct nlattr **tb);
struct sk_buff *tgw_nl_reply_new(struct genl_info *info, u8 cmd, void **hdr);

/* netlink_conn.c */
int tgw_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info);
int tgw_nl_conn_del_doit(struct sk_buff *skb, struct genl_info *info);
int tgw_nl_conn_flush_doit(struct sk_buff *skb, struct genl_info *info);
int tgw_nl_conn_dump_start(struct netlink_callback *cb);
int tgw_nl_conn_dump_done(struct netlink_callback *cb);
int tgw_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);

/* netlink_sync.c */
extern const struct nla_policy tgw_sync_start_policy[TGW_A_MAX + 1];
int tgw_nl_sync_start_doit(struct sk_buff *skb, struct genl_info *info);
int tgw_nl_sync_stop_doit(struct sk_buff *skb, struct genl_info *info);
int tgw_nl_sync_get_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _TGW_NETLINK_H */
