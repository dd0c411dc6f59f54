// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: TCP state tracking.
 *
 * The gateway sees both directions, so a small table is enough:
 *
 *   in SYN          NONE -> SYN_SENT          (new conn)
 *   out SYN+ACK     SYN_SENT -> SYN_RECV
 *   in ACK          SYN_RECV -> ESTABLISHED   (confirmed)
 *   FIN             -> FIN_WAIT, or TIME_WAIT once both sides sent one
 *   RST             -> CLOSE
 *
 * A conn picked up mid-flow (no SYN, e.g. after a failover) starts in
 * ESTABLISHED but stays unconfirmed, hence evictable, until the VM answers.
 * Each state has its own timeout (per service).
 */
#include <linux/tcp.h>

#include "tgw.h"

u8 tgw_tcp_initial_state(const struct tcphdr *th, bool *fallback)
{
	*fallback = false;
	if (th->syn && !th->ack && !th->rst && !th->fin)
		return TGW_STATE_SYN_SENT;
	if (th->rst)
		return TGW_STATE_NONE;	/* never create a conn for a RST */
	*fallback = true;
	return TGW_STATE_ESTABLISHED;
}

static u8 tgw_tcp_fin(struct tgw_conn *c, enum tgw_dir dir)
{
	c->flags |= dir == TGW_DIR_IN ? TGW_CONN_F_FIN_IN : TGW_CONN_F_FIN_OUT;
	if ((c->flags & (TGW_CONN_F_FIN_IN | TGW_CONN_F_FIN_OUT)) ==
	    (TGW_CONN_F_FIN_IN | TGW_CONN_F_FIN_OUT))
		return TGW_STATE_TIME_WAIT;
	return TGW_STATE_FIN_WAIT;
}

void tgw_tcp_track(struct tgw_net *tn, struct tgw_conn *c, enum tgw_dir dir,
		   const struct tcphdr *th)
{
	u8 state;

	spin_lock_bh(&c->lock);
	if (c->flags & TGW_CONN_F_DEAD)
		goto out_unlock;
	state = c->state;
	if (th->rst)
		state = TGW_STATE_CLOSE;
	else if (th->syn && th->ack && dir == TGW_DIR_OUT &&
		 state == TGW_STATE_SYN_SENT)
		state = TGW_STATE_SYN_RECV;
	else if (th->fin)
		state = tgw_tcp_fin(c, dir);
	else if (th->ack && dir == TGW_DIR_IN && state == TGW_STATE_SYN_RECV)
		state = TGW_STATE_ESTABLISHED;

	tgw_conn_set_state(tn, c, state);
	/* A flow picked up mid-stream is real once the VM answers it. */
	if (dir == TGW_DIR_OUT && state == TGW_STATE_ESTABLISHED)
		tgw_conn_confirm_locked(tn, c);
	tgw_conn_touch(tn, c);
out_unlock:
	spin_unlock_bh(&c->lock);
}
