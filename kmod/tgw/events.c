// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: connection events on the "conn" multicast group.
 *
 * conn.c reports every connection created, changing state or ending (see
 * tgw_conn_event()). An event is recorded only while someone listens to
 * the group, and at most events_rate per second and TGW_EV_QUEUE_MAX
 * queued per namespace: a SYN flood creates connections far faster than a
 * listener could read them, and must not turn into as many netlink
 * messages. What does not fit is counted (suppressed), reported to the
 * listeners in the next batch and in the namespace's stats.
 *
 * Recording is a small copy of the connection on a list; a worker sends
 * the list every TGW_EV_DELAY, as many messages per skb as fit.
 */
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "tgw.h"
#include "netlink.h"

#define TGW_EV_QUEUE_MAX	4096
#define TGW_EV_DELAY		msecs_to_jiffies(20)

static unsigned int events_rate = 10000;
module_param(events_rate, uint, 0644);
MODULE_PARM_DESC(events_rate,
		 "connection events per second and namespace (0: no limit)");

struct tgw_event {
	struct list_head list;
	struct tgw_conn_info ci;
	u8 event;		/* enum tgw_conn_event */
	u8 reason;		/* enum tgw_conn_end */
	u8 old_state;
};

/* Set once the module is going: nothing is queued or sent any more. */
bool tgw_events_stopped;

static bool tgw_events_wanted(struct tgw_net *tn)
{
	return !READ_ONCE(tgw_events_stopped) && !READ_ONCE(tn->exiting) &&
	       genl_has_listeners(&tgw_genl_family, tn->net, TGW_NLGRP_CONN);
}

/* Called from tgw_conn_event(), under the conn's lock, any context. */
void tgw_events_conn(struct tgw_net *tn, const struct tgw_conn *c,
		     enum tgw_conn_event ev, u8 old_state,
		     enum tgw_conn_end why)
{
	struct tgw_events *e = &tn->ev;
	unsigned int rate = READ_ONCE(events_rate);
	struct tgw_event *r = NULL;

	if (!tgw_events_wanted(tn))
		return;
	spin_lock_bh(&e->lock);
	if (time_after(jiffies, e->window + HZ)) {
		e->window = jiffies;
		e->in_window = 0;
	}
	if (e->queued < TGW_EV_QUEUE_MAX && (!rate || e->in_window < rate))
		r = kmalloc(sizeof(*r), GFP_ATOMIC | __GFP_NOWARN);
	if (!r) {
		e->suppressed++;
		e->unreported++;
		spin_unlock_bh(&e->lock);
		return;
	}
	tgw_conn_info(c, &r->ci);
	r->event = ev;
	r->reason = why;
	r->old_state = old_state;
	list_add_tail(&r->list, &e->queue);
	e->queued++;
	e->in_window++;
	spin_unlock_bh(&e->lock);
	queue_delayed_work(system_wq, &e->work, TGW_EV_DELAY);
}

static int tgw_ev_put(struct sk_buff *skb, const struct tgw_event *r)
{
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &tgw_genl_family, 0, TGW_CMD_CONN_NTF);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, TGW_A_NTF_EVENT, r->event) ||
	    (r->event == TGW_CONN_EV_END &&
	     nla_put_u8(skb, TGW_A_NTF_REASON, r->reason)) ||
	    (r->event == TGW_CONN_EV_STATE &&
	     nla_put_u8(skb, TGW_A_NTF_OLD_STATE, r->old_state)) ||
	    tgw_nl_put_conn_info(skb, &r->ci)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int tgw_ev_put_suppressed(struct sk_buff *skb, u64 n)
{
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &tgw_genl_family, 0, TGW_CMD_CONN_NTF);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_uint(skb, TGW_A_NTF_SUPPRESSED, n)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static void tgw_ev_send(struct tgw_net *tn, struct sk_buff *skb)
{
	/* tgw_events_stop() waits for us before the family goes away */
	rcu_read_lock();
	if (!READ_ONCE(tgw_events_stopped))
		genlmsg_multicast_netns(&tgw_genl_family, tn->net, skb, 0,
					TGW_NLGRP_CONN, GFP_ATOMIC);
	else
		nlmsg_free(skb);
	rcu_read_unlock();
}

static void tgw_ev_work(struct work_struct *work)
{
	struct tgw_net *tn = container_of(to_delayed_work(work),
					  struct tgw_net, ev.work);
	struct tgw_events *e = &tn->ev;
	struct tgw_event *r, *tmp;
	unsigned int n, lost = 0;
	struct sk_buff *skb;
	LIST_HEAD(batch);
	u64 unreported;

	spin_lock_bh(&e->lock);
	list_splice_init(&e->queue, &batch);
	e->queued = 0;
	unreported = e->unreported;
	e->unreported = 0;
	spin_unlock_bh(&e->lock);

	while (!list_empty(&batch) || unreported) {
		skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!skb)
			break;
		if (unreported && !tgw_ev_put_suppressed(skb, unreported))
			unreported = 0;
		n = 0;
		list_for_each_entry_safe(r, tmp, &batch, list) {
			if (tgw_ev_put(skb, r))
				break;	/* full: the rest in the next skb */
			list_del(&r->list);
			kfree(r);
			n++;
		}
		tgw_ev_send(tn, skb);
		spin_lock_bh(&e->lock);
		e->sent += n;
		spin_unlock_bh(&e->lock);
	}
	/* Out of memory: what is left is lost, and said so next time. */
	list_for_each_entry_safe(r, tmp, &batch, list) {
		list_del(&r->list);
		kfree(r);
		lost++;
	}
	if (lost || unreported) {
		spin_lock_bh(&e->lock);
		e->suppressed += lost;
		e->unreported += lost + unreported;
		spin_unlock_bh(&e->lock);
	}
}

void tgw_events_init_net(struct tgw_net *tn)
{
	struct tgw_events *e = &tn->ev;

	spin_lock_init(&e->lock);
	INIT_LIST_HEAD(&e->queue);
	e->window = jiffies;
	INIT_DELAYED_WORK(&e->work, tgw_ev_work);
}

/* Nothing records events any more (tn->exiting, hooks gone). */
void tgw_events_exit_net(struct tgw_net *tn)
{
	struct tgw_events *e = &tn->ev;
	struct tgw_event *r, *tmp;

	cancel_delayed_work_sync(&e->work);
	list_for_each_entry_safe(r, tmp, &e->queue, list) {
		list_del(&r->list);
		kfree(r);
	}
	e->queued = 0;
}

/* Module exit, before the family is unregistered. */
void tgw_events_stop(void)
{
	WRITE_ONCE(tgw_events_stopped, true);
	synchronize_rcu();
}
