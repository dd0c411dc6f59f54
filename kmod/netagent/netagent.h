/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netagent internal definitions: per-netns state, protected ports and
 * their immutable policies.
 */
#ifndef _NETAGENT_H
#define _NETAGENT_H

#include <linux/etherdevice.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/ratelimit.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/netagent.h>

struct genl_info;
struct netlink_ext_ack;

/*
 * One allowed address or prefix; learned entries expire. A learned entry
 * revoked by DHCP is expired in place (no allocation in the data path)
 * and marked, so the garbage collector does not report it twice.
 */
struct netagent_addr {
	unsigned long expires;		/* jiffies, learned only; READ/WRITE_ONCE */
	u8 family;			/* AF_INET or AF_INET6 */
	u8 plen;
	bool learned;
	bool revoked;			/* learned only; under netagent_port.lock */
	union {
		struct {
			__be32 addr;
			__be32 mask;
		} v4;
		struct in6_addr v6;
	};
};

/*
 * A port's policy. Never modified once published (except the expiry and
 * revoked mark of learned entries): every change builds a new copy and swaps the pointer
 * under netagent_port.lock, the old copy goes through kfree_rcu().
 */
struct netagent_policy {
	struct rcu_head rcu;
	u8 mac[ETH_ALEN];
	u8 mode;			/* enum netagent_mode */
	bool allow_vlan;
	struct in6_addr lla;		/* EUI-64 link-local of mac */
	u8 n_ethertypes;
	__be16 ethertypes[NETAGENT_MAX_ETHERTYPES];
	u16 n_addrs;
	struct netagent_addr addrs[] __counted_by(n_addrs);
};

struct netagent_pcpu_stats {
	u64_stats_t passed;
	u64_stats_t reasons[__NETAGENT_REASON_CNT];
	struct u64_stats_sync syncp;
};

struct netagent_net;

struct netagent_port {
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct netagent_net *nn;
	struct netagent_policy __rcu *policy;
	struct netagent_pcpu_stats __percpu *stats;
	struct nf_hook_ops ingress_ops;
	struct nf_hook_ops egress_ops;	/* learn mode: DHCP replies to VM */
	bool egress_on;			/* under RTNL */
	bool dead;			/* under lock: released */
	spinlock_t lock;		/* serialises policy replacement */
	struct ratelimit_state event_rs;
	struct rcu_head rcu;
};

struct netagent_net {
	struct net *net;
	struct xarray ports;		/* ifindex -> port; writers hold RTNL */
	u32 gen;			/* bumped on every port change (RTNL) */
	struct delayed_work gc;		/* expires learned bindings */
};

/* main.c: module parameters */
extern unsigned int netagent_default_mode;
extern unsigned int netagent_event_rate;

/* port.c */
struct netagent_net *netagent_net(const struct net *net);
struct netagent_port *netagent_port_find(struct netagent_net *nn,
					 int ifindex);
int netagent_port_add(struct netagent_net *nn, struct net_device *dev,
		      struct netagent_policy *pol,
		      struct netlink_ext_ack *extack);
int netagent_port_replace(struct netagent_port *port,
			  struct netagent_policy *pol,
			  struct netlink_ext_ack *extack);
void netagent_port_del(struct netagent_port *port);
void netagent_port_stats(const struct netagent_port *port, u64 *passed,
			 u64 *reasons);
int netagent_port_init(void);
void netagent_port_exit(void);

/* policy.c */
struct netagent_policy *netagent_policy_alloc(unsigned int n_addrs, gfp_t gfp);
struct netagent_policy *netagent_policy_dup(const struct netagent_policy *old,
					    unsigned int n_addrs, gfp_t gfp);
void netagent_policy_set_mac(struct netagent_policy *pol, const u8 *mac);
unsigned int netagent_policy_n_learned(const struct netagent_policy *pol);
bool netagent_addr_live(const struct netagent_addr *a);
bool netagent_policy_has_v4(const struct netagent_policy *pol, __be32 addr);
bool netagent_policy_has_v6(const struct netagent_policy *pol,
			    const struct in6_addr *addr);
bool netagent_policy_has_ethertype(const struct netagent_policy *pol,
				   __be16 proto);
const char *netagent_reason_name(unsigned int reason);

/* checks.c */
enum netagent_reason netagent_check(const struct netagent_policy *pol,
				    struct sk_buff *skb);

/* hook.c */
unsigned int netagent_ingress_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state);
unsigned int netagent_egress_hook(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state);

/* learn.c */
void netagent_learn_skb(struct netagent_port *port, struct sk_buff *skb);
void netagent_learn_from_vm(struct netagent_port *port,
			    const struct netagent_policy *pol,
			    struct sk_buff *skb);
void netagent_gc_work(struct work_struct *work);

/* events.c */
void netagent_event_violation(struct netagent_port *port,
			      const struct sk_buff *skb,
			      const struct netagent_policy *pol,
			      enum netagent_reason reason);
void netagent_event_binding(struct netagent_port *port,
			    const struct netagent_addr *addr,
			    enum netagent_binding_event event,
			    enum netagent_binding_reason reason, gfp_t gfp);

/* netlink.c */
extern struct genl_family netagent_genl_family;
int netagent_nl_put_addr(struct sk_buff *skb, const struct netagent_addr *a);
int netagent_genl_init(void);
void netagent_genl_exit(void);

#endif /* _NETAGENT_H */
