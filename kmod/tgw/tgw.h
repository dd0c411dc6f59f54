/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tgw - tunnel gateway: shared types of the module.
 *
 * Locking: configuration (role, services, destinations) changes under
 * tgw_net.cfg_lock and is read under RCU by the datapath. Connections live
 * in two rhashtables (one per direction) and are read under RCU; a
 * connection's state is changed under its own lock.
 */
#ifndef _TGW_H
#define _TGW_H

#include <linux/netdevice.h>
#include <linux/rhashtable.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <linux/tgw.h>

struct genl_info;
struct netlink_ext_ack;
struct rtable;
struct tcphdr;

enum tgw_dir {
	TGW_DIR_IN,	/* client -> VM */
	TGW_DIR_OUT,	/* VM -> client */
	TGW_DIR_MAX
};

/* The rhashtable key: one direction of a flow, as seen on the wire. */
struct tgw_tuple {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	u8 proto;
	u8 pad[3];	/* always zero: part of the key */
};

struct tgw_stats {
	u64_stats_t conns;
	u64_stats_t pkts[TGW_DIR_MAX];
	u64_stats_t bytes[TGW_DIR_MAX];
	u64_stats_t evicted;
	u64_stats_t drops[__TGW_DROP_MAX];
	struct u64_stats_sync syncp;
};

/* A summed snapshot of struct tgw_stats. */
struct tgw_counters {
	u64 conns;
	u64 pkts[TGW_DIR_MAX];
	u64 bytes[TGW_DIR_MAX];
	u64 evicted;
	u64 drops[__TGW_DROP_MAX];
};

struct tgw_service;
struct tgw_sync;
struct tgw_sync_cfg;

struct tgw_dest {
	struct list_head list;		/* svc->dests, RCU */
	struct tgw_service *svc;
	__be32 host;
	__be32 vmip;
	__be16 vmport;
	bool dead;			/* removed; no new connections */
	u32 weight;			/* READ_ONCE in the datapath */
	atomic_t active;		/* established connections */
	atomic_t inactive;		/* all others */
	struct tgw_stats __percpu *stats;
	struct rcu_head rcu;
};

#define TGW_MAGLEV_SIZE		65537	/* prime */

struct tgw_maglev_ent {
	struct tgw_dest *d;
	u32 slots;			/* slots owned (for dumps) */
};

struct tgw_maglev {
	struct rcu_head rcu;
	unsigned int ndests;
	struct tgw_maglev_ent *ent;
	u16 slot[TGW_MAGLEV_SIZE];	/* index into ent */
};

/* A usable destination and its weight, as a scheduler should see it. */
struct tgw_sched_dest {
	struct tgw_dest *d;
	u32 weight;
};

/*
 * A configuration change, prepared (all allocations done) before anything
 * is changed, then committed (cannot fail) or aborted: a failed command
 * leaves the service as it was.
 */
struct tgw_sched_change {
	struct tgw_dest *add;		/* joins the service */
	struct tgw_dest *del;		/* leaves it */
	struct tgw_dest *set;		/* gets weight @weight */
	u32 weight;
	const struct tgw_sched_ops *ops; /* the scheduler after the change */
	/* prepared state */
	struct tgw_maglev *maglev;
	void *priv;
};

struct tgw_sched_ops {
	const char *name;
	/* Build private state for @n usable destinations (cfg_lock). */
	int (*build)(const struct tgw_sched_dest *v, unsigned int n,
		     void **priv);
	/* Free private state after an RCU grace period. */
	void (*free)(void *priv);
	/* Pick a destination for a new flow (RCU); NULL if none. */
	struct tgw_dest *(*pick)(struct tgw_service *svc,
				 const struct tgw_tuple *t);
};

struct tgw_service {
	struct hlist_node hnode;	/* tn->svc_hash, RCU */
	__be32 vip;
	__be16 port;
	u8 proto;
	u8 sched;			/* enum tgw_sched */
	u16 mss;			/* SYN MSS clamp, 0: tunnel MTU - 40 */
	u32 timeout[__TGW_STATE_MAX];	/* jiffies */
	struct list_head dests;		/* RCU; cfg_lock for writers */
	unsigned int ndests;
	const struct tgw_sched_ops *ops;
	void __rcu *sched_priv;
	struct tgw_maglev __rcu *maglev; /* scheduler and mid-flow fallback */
	struct tgw_stats __percpu *stats;
	struct rcu_head rcu;
};

/*
 * A connection: both directions in one entry, 88 bytes on x86-64. It
 * carries what a peer gateway needs to carry on the flow: both tuples,
 * the tunnel peer, the state and the expiry.
 */
struct tgw_conn {
	struct rhash_head node[TGW_DIR_MAX];
	/* in: cip:cport -> vip:vport (gateway), cip:cport -> vm (host);
	 * out: vmip:vmport -> cip:cport
	 */
	struct tgw_tuple tuple[TGW_DIR_MAX];
	__be32 peer;			/* hostip (gateway) or tgwip (host) */
	u8 state;			/* enum tgw_state, under lock */
	u8 flags;			/* TGW_CONN_F_*, under lock */
	spinlock_t lock;		/* protects state, flags */
	u32 expires;			/* jiffies (32 bits), READ/WRITE_ONCE */
	struct tgw_dest *dest;		/* NULL on hosts */
	union {
		struct list_head embryo;	/* tn->embryo while unconfirmed */
		struct rcu_head rcu;		/* once unlinked */
	};
};

/* Internal conn flag: unlinked, waiting for RCU. */
#define TGW_CONN_F_DEAD		BIT(7)

struct tgw_role_cfg {
	struct rcu_head rcu;
	u32 role;			/* enum tgw_role */
	__be32 addr;
	unsigned int ngw;
	__be32 gw[TGW_GATEWAYS_MAX];
	u32 timeout[__TGW_STATE_MAX];	/* host flows, jiffies */
};

/* A copy of a connection, for events and dumps. */
struct tgw_conn_info {
	struct tgw_tuple in;
	struct tgw_tuple out;
	__be32 peer;
	u32 timeout_ms;			/* remaining */
	u8 state;
	u8 flags;
	bool gateway;			/* in.daddr:in.dport is a VIP */
};

/* Connection events: see events.c. */
struct tgw_events {
	spinlock_t lock;		/* protects all below */
	struct list_head queue;
	unsigned int queued;
	unsigned long window;		/* jiffies: start of this second */
	unsigned int in_window;		/* events queued in this second */
	u64 unreported;			/* suppressed, not yet reported */
	u64 sent;
	u64 suppressed;
	struct delayed_work work;
};

#define TGW_SVC_HASH_BITS	8

struct tgw_net {
	struct net *net;
	struct mutex cfg_lock;		/* configuration writers */
	struct tgw_role_cfg __rcu *cfg;
	u32 cfg_gen;			/* bumped on every change (dumps) */
	struct hlist_head svc_hash[1 << TGW_SVC_HASH_BITS];
	unsigned int nsvc;
	u32 timeout[__TGW_STATE_MAX];	/* conns without a service, jiffies */

	struct rhashtable conns[TGW_DIR_MAX];
	atomic_t nconns;
	u32 conn_max;
	spinlock_t embryo_lock;		/* protects embryo */
	struct list_head embryo;	/* unconfirmed conns, oldest first */
	struct delayed_work gc_work;
	bool exiting;

	struct tgw_stats __percpu *stats;
	struct tgw_events ev;
	struct tgw_sync __rcu *sync;	/* cfg_lock for writers */
	u64 sync_epoch;			/* last one used */
};

extern unsigned int tgw_net_id;
extern const u32 tgw_default_timeout[__TGW_STATE_MAX];
extern struct kmem_cache *tgw_conn_cache;

static inline struct tgw_net *tgw_pernet(const struct net *net)
{
	return net_generic(net, tgw_net_id);
}

/* main.c */
extern struct genl_family tgw_genl_family;

/* netns.c */
int tgw_netns_init(void);
void tgw_netns_exit(void);
int tgw_role_set(struct tgw_net *tn, struct tgw_role_cfg *cfg, u32 conn_max,
		 struct netlink_ext_ack *extack);
bool tgw_is_gateway_of(const struct tgw_role_cfg *cfg, __be32 addr);

/* stats.c */
struct tgw_stats __percpu *tgw_stats_alloc(void);
void tgw_stats_free(struct tgw_stats __percpu *stats);
void tgw_stats_pkt(struct tgw_stats __percpu *stats, enum tgw_dir dir,
		   unsigned int len);
void tgw_stats_inc_conns(struct tgw_stats __percpu *stats);
void tgw_stats_inc_evicted(struct tgw_stats __percpu *stats);
void tgw_stats_drop(struct tgw_stats __percpu *stats, enum tgw_drop why);
void tgw_stats_read(struct tgw_stats __percpu *stats, struct tgw_counters *c);
int tgw_stats_put(struct sk_buff *skb, int attr,
		  struct tgw_stats __percpu *stats);

/* service.c */
void tgw_service_init_net(struct tgw_net *tn);
struct tgw_service *tgw_service_find(struct tgw_net *tn, __be32 vip,
				     __be16 port, u8 proto);
struct tgw_service *tgw_service_new(struct tgw_net *tn,
				    struct tgw_service *tmpl,
				    struct netlink_ext_ack *extack);
int tgw_service_set(struct tgw_net *tn, struct tgw_service *svc,
		    struct tgw_service *tmpl, const bool *set_timeout,
		    bool set_sched, bool set_mss,
		    struct netlink_ext_ack *extack);
void tgw_service_del(struct tgw_net *tn, struct tgw_service *svc);
void tgw_service_flush_all(struct tgw_net *tn);
struct tgw_dest *tgw_dest_find(struct tgw_service *svc, __be32 host,
			       __be32 vmip, __be16 vmport);
struct tgw_dest *tgw_dest_new(struct tgw_net *tn, struct tgw_service *svc,
			      __be32 host, __be32 vmip, __be16 vmport,
			      u32 weight, struct netlink_ext_ack *extack);
int tgw_dest_set_weight(struct tgw_net *tn, struct tgw_dest *d, u32 weight,
			struct netlink_ext_ack *extack);
int tgw_dest_del_prepare(struct tgw_dest *d, struct tgw_sched_change *ch,
			 struct netlink_ext_ack *extack);
void tgw_dest_del(struct tgw_net *tn, struct tgw_dest *d,
		  struct tgw_sched_change *ch);

/* sched.c, sched_maglev.c */
const struct tgw_sched_ops *tgw_sched_get(u32 id);
int tgw_sched_prepare(struct tgw_service *svc, struct tgw_sched_change *ch);
void tgw_sched_commit(struct tgw_service *svc, struct tgw_sched_change *ch);
void tgw_sched_abort(struct tgw_sched_change *ch);
void tgw_sched_release(struct tgw_service *svc);
struct tgw_dest *tgw_sched_fallback(struct tgw_service *svc,
				    const struct tgw_tuple *t);
extern const struct tgw_sched_ops tgw_sched_maglev;
struct tgw_maglev *tgw_maglev_build(const struct tgw_sched_dest *v,
				    unsigned int n);
void tgw_maglev_free(struct tgw_maglev *m);
void tgw_maglev_free_rcu(struct tgw_maglev *m);
u32 tgw_maglev_slots(struct tgw_service *svc, const struct tgw_dest *d);
struct tgw_dest *tgw_maglev_pick(struct tgw_service *svc,
				 const struct tgw_tuple *t);

/* conn.c */
int tgw_conn_init_net(struct tgw_net *tn);
void tgw_conn_exit_net(struct tgw_net *tn);
int tgw_conn_cache_init(void);
void tgw_conn_cache_exit(void);
struct tgw_conn *tgw_conn_lookup(struct tgw_net *tn, enum tgw_dir dir,
				 const struct tgw_tuple *t);
struct tgw_conn *tgw_conn_create(struct tgw_net *tn, const struct tgw_tuple *in,
				 const struct tgw_tuple *out, __be32 peer,
				 struct tgw_dest *dest, u8 state, u8 flags,
				 enum tgw_drop *why);
bool tgw_conn_unlink(struct tgw_net *tn, struct tgw_conn *c,
		     enum tgw_conn_end why);
void tgw_conn_info(const struct tgw_conn *c, struct tgw_conn_info *ci);
void tgw_conn_confirm(struct tgw_net *tn, struct tgw_conn *c);
void tgw_conn_confirm_locked(struct tgw_net *tn, struct tgw_conn *c);
void tgw_conn_set_state(struct tgw_net *tn, struct tgw_conn *c, u8 state);
void tgw_conn_touch(struct tgw_net *tn, struct tgw_conn *c);
void tgw_conn_adopt(struct tgw_net *tn, struct tgw_conn *c);
bool tgw_conn_expired(const struct tgw_conn *c);
/* Unlink every conn for which match(c, arg) is true; returns the count. */
unsigned int tgw_conn_flush(struct tgw_net *tn,
			    bool (*match)(const struct tgw_conn *c,
					  const void *arg),
			    const void *arg, enum tgw_conn_end why);
unsigned int tgw_conn_bytes(struct tgw_net *tn);
extern const struct rhashtable_params tgw_conn_params[TGW_DIR_MAX];

/* events.c */
extern bool tgw_events_stopped;
void tgw_events_init_net(struct tgw_net *tn);
void tgw_events_exit_net(struct tgw_net *tn);
void tgw_events_stop(void);
void tgw_events_conn(struct tgw_net *tn, const struct tgw_conn *c,
		     enum tgw_conn_event ev, u8 old_state,
		     enum tgw_conn_end why);

/* sync.c, sync_tx.c */
int tgw_sync_start(struct tgw_net *tn, const struct tgw_sync_cfg *cfg,
		   struct netlink_ext_ack *extack);
int tgw_sync_stop(struct tgw_net *tn, struct netlink_ext_ack *extack);
void tgw_sync_conn(struct tgw_net *tn, const struct tgw_conn *c,
		   bool removed);

/* proto_tcp.c */
void tgw_tcp_track(struct tgw_net *tn, struct tgw_conn *c, enum tgw_dir dir,
		   const struct tcphdr *th);
u8 tgw_tcp_initial_state(const struct tcphdr *th, bool *fallback);

/* xmit.c */
int tgw_xlate_l4(struct sk_buff *skb, unsigned int thoff, u8 proto,
		 __be32 oaddr, __be32 naddr, __be16 oport, __be16 nport,
		 bool dst);
void tgw_mss_clamp(struct sk_buff *skb, unsigned int thoff, u16 mss);
int tgw_encap_xmit(struct net *net, struct sk_buff *skb, __be32 saddr,
		   __be32 daddr, struct rtable *rt);
struct rtable *tgw_route(struct net *net, __be32 saddr, __be32 daddr,
			 u8 proto, bool anysrc);
int tgw_plain_xmit(struct net *net, struct sk_buff *skb, struct rtable *rt);
int tgw_decap(struct sk_buff *skb);
void tgw_send_frag_needed(struct sk_buff *skb, unsigned int mtu);

/* icmp.c */
struct tgw_icmp {
	unsigned int icmpoff;	/* offsets from the network header */
	unsigned int qoff;	/* quoted IP header */
	unsigned int qthoff;	/* quoted L4 header */
	struct tgw_tuple q;	/* the quoted packet's tuple */
};

int tgw_icmp_parse(struct sk_buff *skb, struct tgw_icmp *ic);
int tgw_icmp_xlate(struct sk_buff *skb, const struct tgw_icmp *ic,
		   bool outer_dst, __be32 outer, bool q_src, __be32 qaddr,
		   __be16 qport);
void tgw_icmp_tunnel_err(struct sk_buff *skb, __be32 tunnel_addr);

/* hooks.c */
int tgw_hooks_register(struct net *net);
void tgw_hooks_unregister(struct net *net);

/* netlink.c */
int tgw_genl_register(void);
void tgw_genl_unregister(void);
void tgw_notify(struct tgw_net *tn, struct genl_info *info, u8 cmd,
		struct tgw_service *svc, struct tgw_dest *d);
int tgw_nl_put_conn_info(struct sk_buff *skb, const struct tgw_conn_info *ci);

#endif /* _TGW_H */
