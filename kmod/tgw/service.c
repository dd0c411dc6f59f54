// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: services (VIP:port/proto) and their destinations (hostip, vmip,
 * vmport, weight).
 *
 * Writers hold tn->cfg_lock; the datapath reads under RCU. Removing a
 * destination (or a service) first makes it unusable for new flows, waits
 * for the datapath to let go of it, then deletes its connections: packets
 * of those flows are then scheduled again (SYN) or handled as unknown
 * mid-stream flows (Maglev fallback to a remaining destination).
 */
#include <linux/jhash.h>
#include <linux/slab.h>

#include "tgw.h"

#define TGW_SVC_MAX		4096	/* per namespace */
#define TGW_DEST_MAX		650	/* per service: Maglev M > 100 * N */

static u32 tgw_svc_hash(__be32 vip, __be16 port, u8 proto)
{
	return jhash_3words((__force u32)vip, (__force u32)port, proto, 0) &
	       ((1 << TGW_SVC_HASH_BITS) - 1);
}

void tgw_service_init_net(struct tgw_net *tn)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(tn->svc_hash); i++)
		INIT_HLIST_HEAD(&tn->svc_hash[i]);
}

/* Under RCU or tn->cfg_lock. */
struct tgw_service *tgw_service_find(struct tgw_net *tn, __be32 vip,
				     __be16 port, u8 proto)
{
	u32 h = tgw_svc_hash(vip, port, proto);
	struct tgw_service *svc;

	hlist_for_each_entry_rcu(svc, &tn->svc_hash[h], hnode,
				 lockdep_is_held(&tn->cfg_lock))
		if (svc->vip == vip && svc->port == port &&
		    svc->proto == proto)
			return svc;
	return NULL;
}

static void tgw_dest_free_rcu(struct rcu_head *head)
{
	struct tgw_dest *d = container_of(head, struct tgw_dest, rcu);

	tgw_stats_free(d->stats);
	kfree(d);
}

static void tgw_service_free_rcu(struct rcu_head *head)
{
	struct tgw_service *svc = container_of(head, struct tgw_service, rcu);

	tgw_stats_free(svc->stats);
	kfree(svc);
}

struct tgw_service *tgw_service_new(struct tgw_net *tn,
				    struct tgw_service *tmpl,
				    struct netlink_ext_ack *extack)
{
	struct tgw_sched_change ch = {};
	struct tgw_service *svc;
	int err = -ENOMEM;

	lockdep_assert_held(&tn->cfg_lock);
	if (tgw_service_find(tn, tmpl->vip, tmpl->port, tmpl->proto)) {
		NL_SET_ERR_MSG_MOD(extack, "service already exists");
		return ERR_PTR(-EEXIST);
	}
	if (tn->nsvc >= TGW_SVC_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "too many services");
		return ERR_PTR(-ENOSPC);
	}
	svc = kmemdup(tmpl, sizeof(*svc), GFP_KERNEL);
	if (!svc)
		goto out_nomem;
	INIT_LIST_HEAD(&svc->dests);
	svc->ndests = 0;
	RCU_INIT_POINTER(svc->sched_priv, NULL);
	RCU_INIT_POINTER(svc->maglev, NULL);
	svc->ops = tgw_sched_get(svc->sched);
	svc->stats = tgw_stats_alloc();
	if (!svc->stats)
		goto out_free;
	err = tgw_sched_prepare(svc, &ch);	/* no destinations yet */
	if (err)
		goto out_free_stats;
	tgw_sched_commit(svc, &ch);
	hlist_add_head_rcu(&svc->hnode, &tn->svc_hash[tgw_svc_hash(svc->vip,
								   svc->port,
								   svc->proto)]);
	tn->nsvc++;
	tn->cfg_gen++;
	return svc;

out_free_stats:
	tgw_stats_free(svc->stats);
out_free:
	kfree(svc);
out_nomem:
	NL_SET_ERR_MSG_MOD(extack, "out of memory");
	return ERR_PTR(err);
}

int tgw_service_set(struct tgw_net *tn, struct tgw_service *svc,
		    struct tgw_service *tmpl, const bool *set_timeout,
		    bool set_sched, bool set_mss,
		    struct netlink_ext_ack *extack)
{
	int i, err;

	lockdep_assert_held(&tn->cfg_lock);
	if (set_sched && tmpl->sched != svc->sched) {
		struct tgw_sched_change ch = {
			.ops = tgw_sched_get(tmpl->sched),
		};

		/* Build the new state first: readers see either scheduler. */
		err = tgw_sched_prepare(svc, &ch);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack, "out of memory");
			return err;
		}
		tgw_sched_commit(svc, &ch);
		svc->sched = tmpl->sched;
	}
	for (i = 0; i < __TGW_STATE_MAX; i++)
		if (set_timeout[i])
			WRITE_ONCE(svc->timeout[i], tmpl->timeout[i]);
	if (set_mss)
		WRITE_ONCE(svc->mss, tmpl->mss);
	tn->cfg_gen++;
	return 0;
}

static bool tgw_conn_of_svc(const struct tgw_conn *c, const void *arg)
{
	return c->dest && c->dest->svc == arg;
}

static bool tgw_conn_of_dest(const struct tgw_conn *c, const void *arg)
{
	return c->dest == arg;
}

static void tgw_service_release(struct tgw_service *svc)
{
	struct tgw_dest *d, *tmp;

	tgw_sched_release(svc);
	list_for_each_entry_safe(d, tmp, &svc->dests, list) {
		list_del_rcu(&d->list);
		call_rcu(&d->rcu, tgw_dest_free_rcu);
	}
	call_rcu(&svc->rcu, tgw_service_free_rcu);
}

/* No new flow schedules to @svc from now on. */
static void tgw_service_kill(struct tgw_service *svc)
{
	struct tgw_dest *d;

	list_for_each_entry(d, &svc->dests, list)
		WRITE_ONCE(d->dead, true);
}

static void tgw_service_unhash(struct tgw_net *tn, struct tgw_service *svc)
{
	hlist_del_init_rcu(&svc->hnode);
	tgw_service_kill(svc);
	tn->nsvc--;
	tn->cfg_gen++;
}

void tgw_service_del(struct tgw_net *tn, struct tgw_service *svc)
{
	lockdep_assert_held(&tn->cfg_lock);
	tgw_service_unhash(tn, svc);
	synchronize_rcu();	/* no packet still schedules to it */
	tgw_conn_flush(tn, tgw_conn_of_svc, svc, TGW_CONN_END_DELETED);
	tgw_service_release(svc);
}

/* Remove every service: netns exit (hooks already gone) or role reset. */
void tgw_service_flush_all(struct tgw_net *tn)
{
	struct tgw_service *svc;
	struct hlist_node *tmp;
	int i;

	/* They stay hashed (the release pass walks the hash) but dead. */
	for (i = 0; i < ARRAY_SIZE(tn->svc_hash); i++)
		hlist_for_each_entry(svc, &tn->svc_hash[i], hnode)
			tgw_service_kill(svc);
	synchronize_rcu();
	tgw_conn_flush(tn, NULL, NULL, TGW_CONN_END_DELETED);
	for (i = 0; i < ARRAY_SIZE(tn->svc_hash); i++) {
		hlist_for_each_entry_safe(svc, tmp, &tn->svc_hash[i], hnode) {
			tgw_service_unhash(tn, svc);
			tgw_service_release(svc);
		}
	}
}

struct tgw_dest *tgw_dest_find(struct tgw_service *svc, __be32 host,
			       __be32 vmip, __be16 vmport)
{
	struct tgw_dest *d;

	list_for_each_entry_rcu(d, &svc->dests, list, true)
		if (d->host == host && d->vmip == vmip && d->vmport == vmport)
			return d;
	return NULL;
}

struct tgw_dest *tgw_dest_new(struct tgw_net *tn, struct tgw_service *svc,
			      __be32 host, __be32 vmip, __be16 vmport,
			      u32 weight, struct netlink_ext_ack *extack)
{
	struct tgw_sched_change ch = {};
	struct tgw_dest *d;

	lockdep_assert_held(&tn->cfg_lock);
	if (tgw_dest_find(svc, host, vmip, vmport)) {
		NL_SET_ERR_MSG_MOD(extack, "destination already exists");
		return ERR_PTR(-EEXIST);
	}
	if (svc->ndests >= TGW_DEST_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "too many destinations in service");
		return ERR_PTR(-ENOSPC);
	}
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		goto out_nomem;
	d->stats = tgw_stats_alloc();
	if (!d->stats)
		goto out_free;
	d->svc = svc;
	d->host = host;
	d->vmip = vmip;
	d->vmport = vmport;
	d->weight = weight;
	/* Tables first, with @d: nothing can use @d before it is listed. */
	ch.add = d;
	if (tgw_sched_prepare(svc, &ch))
		goto out_free_stats;
	list_add_tail_rcu(&d->list, &svc->dests);
	svc->ndests++;
	tgw_sched_commit(svc, &ch);
	tn->cfg_gen++;
	return d;

out_free_stats:
	tgw_stats_free(d->stats);
out_free:
	kfree(d);
out_nomem:
	NL_SET_ERR_MSG_MOD(extack, "out of memory");
	return ERR_PTR(-ENOMEM);
}

int tgw_dest_set_weight(struct tgw_net *tn, struct tgw_dest *d, u32 weight,
			struct netlink_ext_ack *extack)
{
	struct tgw_sched_change ch = { .set = d, .weight = weight };
	int err;

	lockdep_assert_held(&tn->cfg_lock);
	err = tgw_sched_prepare(d->svc, &ch);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		return err;
	}
	WRITE_ONCE(d->weight, weight);
	tgw_sched_commit(d->svc, &ch);
	tn->cfg_gen++;
	return 0;
}

/* The tables without @d; removing it then cannot fail. */
int tgw_dest_del_prepare(struct tgw_dest *d, struct tgw_sched_change *ch,
			 struct netlink_ext_ack *extack)
{
	int err;

	memset(ch, 0, sizeof(*ch));
	ch->del = d;
	err = tgw_sched_prepare(d->svc, ch);
	if (err)
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
	return err;
}

void tgw_dest_del(struct tgw_net *tn, struct tgw_dest *d,
		  struct tgw_sched_change *ch)
{
	struct tgw_service *svc = d->svc;

	lockdep_assert_held(&tn->cfg_lock);
	WRITE_ONCE(d->dead, true);
	list_del_rcu(&d->list);
	svc->ndests--;
	tgw_sched_commit(svc, ch);
	synchronize_rcu();
	tgw_conn_flush(tn, tgw_conn_of_dest, d, TGW_CONN_END_DELETED);
	call_rcu(&d->rcu, tgw_dest_free_rcu);
	tn->cfg_gen++;
}
