// SPDX-License-Identifier: GPL-2.0
/*
 * tgw sync: what a gateway receives.
 *
 * The socket's data_ready kicks rx_work, which reads every datagram and
 * checks it in this order, each failure a counted drop with nothing
 * applied: length, magic, version, size, syncid, own sender, known peer,
 * tag, structure (type, counts, every entry and TLV, no trailing bytes),
 * then replay (epoch and sequence window). Only then are entries applied.
 *
 * Per peer, data sequence numbers are tracked in a TGW_SYNC_WIN-wide
 * bitmap below the highest one seen: a number above it opens a gap that
 * is asked for again (NACK) at once and every TGW_SYNC_NACK_EVERY while it
 * stays open; a number that leaves the window still missing is lost, and
 * the whole table is asked for instead.
 *
 * Data datagrams are applied in sequence order: one that arrives past a
 * gap is held (up to TGW_SYNC_HOLD) until the gap is repaired, so a late
 * repair never overwrites newer news about a conn. When the gap stays
 * open longer than that (TGW_SYNC_HOLD datagrams or TGW_SYNC_HOLD_TIME),
 * it is given up: its numbers are counted lost and marked seen (a late
 * copy is a replay), what is held is applied and the whole table asked
 * for. A sequence number more than TGW_SYNC_JUMP_MAX ahead is malformed,
 * never a gap.
 */
#include <linux/crypto.h>
#include <linux/slab.h>
#include <crypto/algapi.h>
#include <linux/unaligned.h>
#include <net/sock.h>

#include "sync.h"

#define TGW_SYNC_RX_BUDGET	256
#define TGW_SYNC_NACK_SEQS	TGW_SYNC_WIN	/* resent per NACK, at most */
#define TGW_SYNC_APPLY_FLAGS	(TGW_CONN_F_CONFIRMED | TGW_CONN_F_FALLBACK | \
				 TGW_CONN_F_FIN_IN | TGW_CONN_F_FIN_OUT)

/* Data sequence numbers still missing at or below @last. */
unsigned int tgw_sync_missing(const struct tgw_sync_peer *p, u64 last)
{
	unsigned int n = 0;
	u64 s, lo, hi;

	if (!p->seq_known)
		return 0;
	lo = max(p->base, p->highest > TGW_SYNC_WIN ?
			  p->highest - TGW_SYNC_WIN : 0) + 1;
	hi = min(last, p->highest);
	for (s = lo; s <= hi; s++)
		if (!test_bit(s % TGW_SYNC_WIN, p->win))
			n++;
	return n;
}

/* Move the window's top to @to; what falls out still missing is lost. */
static void tgw_sync_advance(struct tgw_sync *ts, struct tgw_sync_peer *p,
			     u64 to)
{
	u64 lo, cut, s, lost = 0;

	lo = max(p->base, p->highest > TGW_SYNC_WIN ?
			  p->highest - TGW_SYNC_WIN : 0);
	cut = to > TGW_SYNC_WIN ? to - TGW_SYNC_WIN : 0;
	for (s = lo + 1; s <= min(cut, p->highest); s++)
		if (!test_bit(s % TGW_SYNC_WIN, p->win))
			lost++;
	if (cut > p->highest)
		lost += cut - p->highest;
	if (to - p->highest >= TGW_SYNC_WIN)
		bitmap_zero(p->win, TGW_SYNC_WIN);
	else
		for (s = p->highest + 1; s <= to; s++)
			__clear_bit(s % TGW_SYNC_WIN, p->win);
	p->highest = to;
	if (lost) {
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_LOST, lost);
		if (p->bulk != TGW_SYNC_BULK_REQUESTED)
			tgw_sync_bulk_request(ts, p);
	}
}

/* Data seq check and window update; false: a replay. */
static bool tgw_sync_data_seq(struct tgw_sync *ts, struct tgw_sync_peer *p,
			      u64 seq)
{
	u64 old = p->highest;

	if (!p->seq_known) {
		p->base = seq - 1;
		p->highest = seq - 1;
		p->applied = seq - 1;
		p->seq_known = true;
		old = p->highest;
	}
	if (seq <= p->base)
		return false;
	if (seq > p->highest) {
		tgw_sync_advance(ts, p, seq);
		__set_bit(seq % TGW_SYNC_WIN, p->win);
		if (seq - old > 1) {
			tgw_sync_inc(ts, TGW_A_SYNC_STATS_GAPS, seq - old - 1);
			tgw_sync_send_nack(ts, p, old + 1, seq - 1);
		}
		return true;
	}
	if (p->highest - seq >= TGW_SYNC_WIN)
		return false;
	return !__test_and_set_bit(seq % TGW_SYNC_WIN, p->win);
}

/* 0: known TLVs only; 1: an unknown mandatory one; -EINVAL: malformed. */
static int tgw_sync_tlvs(const u8 *t, unsigned int len)
{
	unsigned int off = 0;
	int ret = 0;

	while (off < len) {
		u8 type = t[off];

		if (type == TGW_SYNC_TLV_PAD) {
			off++;
			continue;
		}
		if (len - off < 2 || t[off + 1] > len - off - 2)
			return -EINVAL;
		/* No TLV is defined in version 1: all are unknown. */
		if (type & TGW_SYNC_TLV_MANDATORY)
			ret = 1;
		off += 2 + t[off + 1];
	}
	return ret;
}

static bool tgw_sync_entry_ok(const struct tgw_sync_entry *e, unsigned int len)
{
	bool removed = ntohl(e->flags) & TGW_SYNC_EF_REMOVED;

	if (e->pad || e->state > TGW_STATE_MAX)
		return false;
	if (e->proto == IPPROTO_UDP) {
		if (!removed && e->state != TGW_STATE_UDP)
			return false;
	} else if (e->proto == IPPROTO_TCP) {
		if (!removed && (e->state < TGW_STATE_SYN_SENT ||
				 e->state > TGW_STATE_CLOSE))
			return false;
	} else {
		return false;
	}
	if (!e->cip || !e->vip || !e->vmip || !e->hostip)
		return false;
	return tgw_sync_tlvs((const u8 *)(e + 1), len - sizeof(*e)) >= 0;
}

/* The whole datagram's structure, before anything is applied. */
static int tgw_sync_validate(const struct tgw_sync_hdr *h, unsigned int len)
{
	const struct tgw_sync_range *r;
	unsigned int nr = ntohs(h->nr_conn), plen = len - sizeof(*h);
	const u8 *pl = (const u8 *)(h + 1);
	unsigned int i, off = 0;

	switch (h->type) {
	case TGW_SYNC_T_UPDATE:
		for (i = 0; i < nr; i++) {
			const struct tgw_sync_entry *e = (const void *)(pl + off);
			unsigned int elen;

			if (plen - off < sizeof(*e))
				return -EINVAL;
			elen = ntohs(e->len);
			if (elen < sizeof(*e) || elen % 4 || elen > plen - off ||
			    !tgw_sync_entry_ok(e, elen))
				return -EINVAL;
			off += elen;
		}
		return off == plen ? 0 : -EINVAL;
	case TGW_SYNC_T_BULK_END:
		return plen == nr * sizeof(struct tgw_sync_bulk_end) ?
		       0 : -EINVAL;
	case TGW_SYNC_T_HELLO:
		return nr == 0 && plen == sizeof(__be64) ? 0 : -EINVAL;
	case TGW_SYNC_T_NACK:
		if (!nr || plen != sizeof(__be64) + nr * sizeof(*r))
			return -EINVAL;
		r = (const void *)(pl + sizeof(__be64));
		for (i = 0; i < nr; i++)
			if (!r[i].seq || !r[i].count || r[i].zero ||
			    ntohl(r[i].count) > TGW_SYNC_WIN)
				return -EINVAL;
		return 0;
	case TGW_SYNC_T_BULK_REQ:
		return nr == 0 && plen == sizeof(__be32) ? 0 : -EINVAL;
	}
	return -EINVAL;
}

/* Apply one entry (gateway role); rcu_read_lock held. */
static void tgw_sync_apply(struct tgw_sync *ts, const struct tgw_sync_entry *e)
{
	u32 eflags = ntohl(e->flags), timeout, expires;
	struct tgw_tuple in = {}, out = {};
	struct tgw_net *tn = ts->tn;
	struct tgw_service *svc;
	enum tgw_drop why;
	struct tgw_conn *c;
	struct tgw_dest *d;
	int stat;

	in.saddr = e->cip;
	in.daddr = e->vip;
	in.sport = e->cport;
	in.dport = e->vport;
	in.proto = e->proto;
	c = tgw_conn_lookup(tn, TGW_DIR_IN, &in);
	if (eflags & TGW_SYNC_EF_REMOVED) {
		/* Only a conn that peer speaks for: ours are ours. */
		if (c && (READ_ONCE(c->flags) & TGW_CONN_F_SYNCED) &&
		    tgw_conn_unlink(tn, c, TGW_CONN_END_CLOSED))
			tgw_sync_inc(ts, TGW_A_SYNC_STATS_REMOVED, 1);
		else
			tgw_sync_inc(ts, TGW_A_SYNC_STATS_SKIPPED, 1);
		return;
	}
	timeout = min(ntohl(e->timeout_ms), TGW_TIMEOUT_MAX * MSEC_PER_SEC);
	expires = (u32)jiffies + msecs_to_jiffies(timeout);
	if (!c) {
		svc = tgw_service_find(tn, e->vip, e->vport, e->proto);
		d = svc ? tgw_dest_find(svc, e->hostip, e->vmip, e->vmport) :
			  NULL;
		if (!d || READ_ONCE(d->dead)) {
			tgw_sync_inc(ts, TGW_A_SYNC_STATS_SKIPPED, 1);
			return;
		}
		out.saddr = e->vmip;
		out.sport = e->vmport;
		out.daddr = e->cip;
		out.dport = e->cport;
		out.proto = e->proto;
		c = tgw_conn_create(tn, &in, &out, e->hostip, d, e->state,
				    (eflags & TGW_SYNC_APPLY_FLAGS) |
				    TGW_CONN_F_SYNCED, &why);
		if (!c) {
			tgw_sync_inc(ts, TGW_A_SYNC_STATS_SKIPPED, 1);
			return;
		}
		WRITE_ONCE(c->expires, expires);
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_INSTALLED, 1);
		return;
	}
	spin_lock_bh(&c->lock);
	stat = TGW_A_SYNC_STATS_SKIPPED;
	if (c->flags & TGW_CONN_F_DEAD || c->peer != e->hostip ||
	    c->tuple[TGW_DIR_OUT].saddr != e->vmip ||
	    c->tuple[TGW_DIR_OUT].sport != e->vmport)
		goto unlock;	/* gone, or a clash of two picks: keep ours */
	stat = TGW_A_SYNC_STATS_UPDATED;
	if (!(c->flags & TGW_CONN_F_SYNCED)) {
		s32 left = READ_ONCE(c->expires) - (u32)jiffies;

		/* The gateway that saw the latest packet speaks for it. */
		if (left >= 0 && jiffies_to_msecs(left) >= timeout)
			goto unlock;	/* skipped: ours is newer */
		c->flags |= TGW_CONN_F_SYNCED;
	}
	c->flags |= eflags & (TGW_CONN_F_FIN_IN | TGW_CONN_F_FIN_OUT);
	tgw_conn_set_state(tn, c, e->state);
	if (eflags & TGW_CONN_F_CONFIRMED)
		tgw_conn_confirm_locked(tn, c);
	WRITE_ONCE(c->expires, expires);
unlock:
	spin_unlock_bh(&c->lock);
	tgw_sync_inc(ts, stat, 1);
}

static void tgw_sync_apply_all(struct tgw_sync *ts,
			       const struct tgw_sync_hdr *h)
{
	const struct tgw_role_cfg *cfg;
	unsigned int i, nr = ntohs(h->nr_conn), off = 0;
	const u8 *pl = (const u8 *)(h + 1);
	bool gateway;

	tgw_sync_inc(ts, TGW_A_SYNC_STATS_RX_CONNS, nr);
	rcu_read_lock();
	cfg = rcu_dereference(ts->tn->cfg);
	gateway = cfg && cfg->role == TGW_ROLE_GATEWAY;
	for (i = 0; i < nr; i++) {
		const struct tgw_sync_entry *e = (const void *)(pl + off);
		unsigned int elen = ntohs(e->len);

		off += elen;
		if (!gateway || tgw_sync_tlvs((const u8 *)(e + 1),
					      elen - sizeof(*e))) {
			tgw_sync_inc(ts, TGW_A_SYNC_STATS_SKIPPED, 1);
			continue;
		}
		tgw_sync_apply(ts, e);
	}
	rcu_read_unlock();
}

static void tgw_sync_bulk_end(struct tgw_sync *ts, struct tgw_sync_peer *p,
			      const struct tgw_sync_hdr *h, u64 seq)
{
	const struct tgw_sync_bulk_end *be = (const void *)(h + 1);
	unsigned int i, nr = ntohs(h->nr_conn);

	if (p->bulk != TGW_SYNC_BULK_REQUESTED)
		return;
	for (i = 0; i < nr; i++)
		if (be[i].requester == ts->cfg.addr &&
		    (ntohl(be[i].nonce) == p->nonce ||
		     ntohl(be[i].nonce) == ts->group_nonce))
			p->bulk_end = seq;
}

static void tgw_sync_nack_rcv(struct tgw_sync *ts, struct tgw_sync_peer *p,
			      const struct tgw_sync_hdr *h)
{
	const u8 *pl = (const u8 *)(h + 1);
	const struct tgw_sync_range *r = (const void *)(pl + sizeof(__be64));
	unsigned int i, budget = TGW_SYNC_NACK_SEQS;
	__be64 epoch;
	bool gone = false;
	u64 s, n;

	tgw_sync_inc(ts, TGW_A_SYNC_STATS_NACK_RX, 1);
	memcpy(&epoch, pl, sizeof(epoch));
	if (be64_to_cpu(epoch) != ts->epoch)
		return;		/* about a previous incarnation of ours */
	for (i = 0; i < ntohs(h->nr_conn) && budget; i++) {
		s = be64_to_cpu(r[i].seq);
		for (n = ntohl(r[i].count); n && budget; n--, s++, budget--)
			tgw_sync_resend(ts, s, p->addr, &gone);
	}
	if (gone) {
		ts->bulk_wanted = true;
		queue_work(system_long_wq, &ts->walk_work);
	}
}

static void tgw_sync_bulk_req_rcv(struct tgw_sync *ts,
				  struct tgw_sync_peer *p,
				  const struct tgw_sync_hdr *h)
{
	unsigned int i;
	__be32 nonce;

	tgw_sync_inc(ts, TGW_A_SYNC_STATS_BULK_REQ_RX, 1);
	memcpy(&nonce, h + 1, sizeof(nonce));
	for (i = 0; i < ts->nbulk; i++)
		if (ts->bulk_req[i].requester == p->addr)
			break;
	if (i == TGW_SYNC_BULK_REQS)
		return;
	ts->bulk_req[i].requester = p->addr;
	ts->bulk_req[i].nonce = nonce;
	if (i == ts->nbulk)
		ts->nbulk++;
	queue_work(system_long_wq, &ts->walk_work);
}

static bool tgw_sync_is_cfg_peer(struct tgw_sync *ts, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < ts->cfg.npeers; i++)
		if (ts->cfg.peers[i] == addr)
			return true;
	return false;
}

/* Find or learn a peer; ts->lock held. */
static struct tgw_sync_peer *tgw_sync_peer_get(struct tgw_sync *ts,
					       __be32 addr)
{
	struct tgw_sync_peer *p = tgw_sync_peer_find(ts, addr);

	if (p || ts->npeers == TGW_SYNC_LEARN_MAX)
		return p;
	p = &ts->peers[ts->npeers++];
	memset(p, 0, sizeof(*p));
	p->addr = addr;
	/* A peer of the group: its answer to our group request counts. */
	p->bulk = TGW_SYNC_BULK_REQUESTED;
	p->nonce = ts->group_nonce;
	p->bulk_at = jiffies;
	return p;
}

void tgw_sync_peer_release(struct tgw_sync_peer *p)
{
	unsigned int i;

	for (i = 0; i < TGW_SYNC_HOLD; i++) {
		kfree(p->held[i]);
		p->held[i] = NULL;
	}
	p->nheld = 0;
}

static void tgw_sync_peer_reset(struct tgw_sync_peer *p, u64 epoch)
{
	tgw_sync_peer_release(p);
	p->applied = 0;
	p->epoch = epoch;
	p->seq_known = false;
	p->base = 0;
	p->highest = 0;
	p->ctl_seq = 0;
	bitmap_zero(p->win, TGW_SYNC_WIN);
}

static void tgw_sync_apply_dgram(struct tgw_sync *ts, struct tgw_sync_peer *p,
				 const struct tgw_sync_hdr *h, u64 seq)
{
	if (h->type == TGW_SYNC_T_UPDATE)
		tgw_sync_apply_all(ts, h);
	else
		tgw_sync_bulk_end(ts, p, h, seq);
	p->applied = seq;
}

/*
 * Apply what is held from p->applied + 1 on, in order, up to @last; stop
 * at the first hole unless @skip_holes (the holes are given up). Held
 * datagrams are never above p->applied + TGW_SYNC_HOLD.
 */
static void tgw_sync_drain(struct tgw_sync *ts, struct tgw_sync_peer *p,
			   u64 last, bool skip_holes)
{
	u64 s, end = min(last, p->applied + TGW_SYNC_HOLD);
	unsigned int was = p->nheld;
	struct tgw_sync_dgram *d;

	for (s = p->applied + 1; s <= end && p->nheld; s++) {
		d = p->held[s % TGW_SYNC_HOLD];
		if (!d || d->seq != s) {
			if (!skip_holes)
				break;
			continue;
		}
		p->held[s % TGW_SYNC_HOLD] = NULL;
		p->nheld--;
		tgw_sync_apply_dgram(ts, p, (const void *)d->data, s);
		kfree(d);
	}
	if (skip_holes && last > p->applied)
		p->applied = last;
	/* a gap was filled: the next one is timed from now */
	if (p->nheld && p->nheld != was)
		p->held_at = jiffies;
}

/*
 * The gaps at or below @last (at most p->highest) stay open too long:
 * count them lost and stop asking for them, apply what is held past them
 * and ask @p for its whole table instead; ts->lock held.
 */
void tgw_sync_give_up(struct tgw_sync *ts, struct tgw_sync_peer *p, u64 last)
{
	u64 s, lost = 0;

	lockdep_assert_held(&ts->lock);
	s = max3(p->applied, p->base, p->highest > TGW_SYNC_WIN ?
				      p->highest - TGW_SYNC_WIN : 0);
	for (s++; s <= last; s++)
		if (!__test_and_set_bit(s % TGW_SYNC_WIN, p->win))
			lost++;
	if (lost)
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_LOST, lost);
	tgw_sync_drain(ts, p, last, true);
	tgw_sync_drain(ts, p, p->highest, false);
	if (p->bulk != TGW_SYNC_BULK_REQUESTED)
		tgw_sync_bulk_request(ts, p);
}

/*
 * A data datagram that passed every check, so seq > p->applied (what is
 * applied or given up is marked in the window); ts->lock held.
 */
static void tgw_sync_data_rcv(struct tgw_sync *ts, struct tgw_sync_peer *p,
			      const struct tgw_sync_hdr *h, unsigned int len,
			      u64 seq)
{
	struct tgw_sync_dgram *d;

	if (seq == p->applied + 1) {
		tgw_sync_apply_dgram(ts, p, h, seq);
		tgw_sync_drain(ts, p, p->highest, false);
		return;
	}
	if (seq - p->applied <= TGW_SYNC_HOLD) {
		d = kmalloc(struct_size(d, data, len), GFP_KERNEL);
		if (d) {
			d->seq = seq;
			d->len = len;
			memcpy(d->data, h, len);
			if (!p->nheld)
				p->held_at = jiffies;
			if (!p->held[seq % TGW_SYNC_HOLD])
				p->nheld++;
			else
				kfree(p->held[seq % TGW_SYNC_HOLD]);
			p->held[seq % TGW_SYNC_HOLD] = d;
			return;
		}
	}
	/* Too far past the gap to hold (or no memory): give it up. */
	tgw_sync_give_up(ts, p, seq - 1);
	tgw_sync_apply_dgram(ts, p, h, seq);
	tgw_sync_drain(ts, p, p->highest, false);
}

static void tgw_sync_rcv(struct tgw_sync *ts, const u8 *data,
			 unsigned int len, __be32 src)
{
	const struct tgw_sync_hdr *h = (const void *)data;
	struct tgw_sync_peer *p;
	u8 tag[TGW_SYNC_TAG_LEN];
	u64 epoch, seq, last;
	bool ok;

	if (len < sizeof(*h))
		return tgw_sync_drop(ts, TGW_SYNC_DROP_SHORT);
	if (h->magic != htonl(TGW_SYNC_MAGIC))
		return tgw_sync_drop(ts, TGW_SYNC_DROP_MAGIC);
	if (h->version != TGW_SYNC_VERSION)
		return tgw_sync_drop(ts, TGW_SYNC_DROP_VERSION);
	if (ntohs(h->size) != len)
		return tgw_sync_drop(ts, TGW_SYNC_DROP_SIZE);
	if (ntohl(h->syncid) != ts->cfg.syncid)
		return tgw_sync_drop(ts, TGW_SYNC_DROP_SYNCID);
	if (h->sender == ts->cfg.addr)
		return tgw_sync_drop(ts, TGW_SYNC_DROP_OWN);
	if (ts->cfg.npeers && (!tgw_sync_is_cfg_peer(ts, h->sender) ||
			       (!ts->cfg.group && src != h->sender)))
		return tgw_sync_drop(ts, TGW_SYNC_DROP_PEER);
	if (ts->tfm) {
		if (tgw_sync_tag(ts, data, len, tag))
			return tgw_sync_drop(ts, TGW_SYNC_DROP_NOMEM);
		if (crypto_memneq(tag, h->tag, sizeof(tag)))
			return tgw_sync_drop(ts, TGW_SYNC_DROP_AUTH);
	} else if (memchr_inv(h->tag, 0, sizeof(h->tag))) {
		return tgw_sync_drop(ts, TGW_SYNC_DROP_AUTH);
	}
	epoch = be64_to_cpu(h->epoch);
	seq = be64_to_cpu(h->seq);
	if (!epoch || !seq || tgw_sync_validate(h, len))
		return tgw_sync_drop(ts, TGW_SYNC_DROP_MALFORMED);

	mutex_lock(&ts->lock);
	p = tgw_sync_peer_get(ts, h->sender);
	if (!p) {
		tgw_sync_drop(ts, TGW_SYNC_DROP_PEER);
		goto out;
	}
	if (epoch < p->epoch) {
		tgw_sync_drop(ts, TGW_SYNC_DROP_REPLAY);
		goto out;
	}
	if (epoch > p->epoch)
		tgw_sync_peer_reset(p, epoch);
	/* the data seq a datagram names, sent or announced */
	switch (h->type) {
	case TGW_SYNC_T_UPDATE:
	case TGW_SYNC_T_BULK_END:
		last = seq;
		break;
	case TGW_SYNC_T_HELLO:
		last = get_unaligned_be64(h + 1);
		break;
	default:
		last = 0;
	}
	if (p->seq_known && last > p->highest + TGW_SYNC_JUMP_MAX) {
		tgw_sync_drop(ts, TGW_SYNC_DROP_MALFORMED);
		goto out;
	}
	if (h->type == TGW_SYNC_T_UPDATE || h->type == TGW_SYNC_T_BULK_END) {
		ok = tgw_sync_data_seq(ts, p, seq);
	} else {
		ok = seq > p->ctl_seq;
		if (ok)
			p->ctl_seq = seq;
	}
	if (!ok) {
		tgw_sync_drop(ts, TGW_SYNC_DROP_REPLAY);
		goto out;
	}
	p->last_rx = jiffies;
	if (be16_to_cpu(h->flags) & TGW_SYNC_F_BULK)
		p->bulk_rx = jiffies;
	p->rx++;
	tgw_sync_inc(ts, TGW_A_SYNC_STATS_RX_DGRAMS, 1);

	switch (h->type) {
	case TGW_SYNC_T_UPDATE:
	case TGW_SYNC_T_BULK_END:
		tgw_sync_data_rcv(ts, p, h, len, seq);
		break;
	case TGW_SYNC_T_HELLO:
		if (!p->seq_known) {
			p->base = last;
			p->highest = last;
			p->applied = last;
			p->seq_known = true;
		} else if (last > p->highest) {
			u64 from = p->highest + 1;

			tgw_sync_inc(ts, TGW_A_SYNC_STATS_GAPS,
				     last - p->highest);
			tgw_sync_advance(ts, p, last);
			tgw_sync_send_nack(ts, p, from, last);
		}
		break;
	case TGW_SYNC_T_NACK:
		tgw_sync_nack_rcv(ts, p, h);
		break;
	case TGW_SYNC_T_BULK_REQ:
		tgw_sync_bulk_req_rcv(ts, p, h);
		break;
	}
	if (p->bulk == TGW_SYNC_BULK_REQUESTED && p->bulk_end &&
	    p->applied >= p->bulk_end && !tgw_sync_missing(p, p->bulk_end))
		p->bulk = TGW_SYNC_BULK_DONE;
out:
	mutex_unlock(&ts->lock);
}

void tgw_sync_rx_work(struct work_struct *work)
{
	struct tgw_sync *ts = container_of(work, struct tgw_sync, rx_work);
	struct sockaddr_in sin;
	struct msghdr msg;
	struct kvec vec;
	int i, len;

	for (i = 0; i < TGW_SYNC_RX_BUDGET; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &sin;
		msg.msg_namelen = sizeof(sin);
		vec.iov_base = ts->rxbuf;
		vec.iov_len = TGW_SYNC_RX_MAX;
		len = kernel_recvmsg(ts->sock, &msg, &vec, 1, TGW_SYNC_RX_MAX,
				     MSG_DONTWAIT);
		if (len == -EAGAIN)
			return;
		if (len < 0)
			continue;	/* e.g. a queued ICMP error */
		if (msg.msg_flags & MSG_TRUNC) {
			tgw_sync_drop(ts, TGW_SYNC_DROP_SIZE);
			continue;
		}
		tgw_sync_rcv(ts, ts->rxbuf, len, sin.sin_addr.s_addr);
	}
	queue_work(system_wq, &ts->rx_work);	/* more waiting */
}

void tgw_sync_data_ready(struct sock *sk)
{
	struct tgw_sync *ts;

	rcu_read_lock();
	ts = rcu_dereference_sk_user_data(sk);
	if (ts)
		queue_work(system_wq, &ts->rx_work);
	rcu_read_unlock();
}
