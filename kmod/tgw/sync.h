/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tgw sync: connection sync between gateways, shared by sync*.c.
 *
 * One struct tgw_sync per network namespace while sync runs, published in
 * tn->sync under RCU. Contexts:
 *   - tgw_sync_conn(): any context, under the conn's lock: queues an entry
 *     (q_lock) and kicks tx_work;
 *   - tx_work: drains the queue into datagrams;
 *   - rx_work: reads the socket, checks and applies datagrams;
 *   - tick: heartbeats, repair requests, full-table requests, refresh;
 *   - walk_work: refresh and full-table walks, rate limited.
 * All but the first run in process context. tx_lock serialises the data
 * sequence, the repair ring and sending; lock protects the peers.
 */
#ifndef _TGW_SYNC_H
#define _TGW_SYNC_H

#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "tgw.h"
#include "sync_proto.h"

#define TGW_SYNC_QUEUE_MAX	8192	/* queued entries (320 KiB) */
#define TGW_SYNC_RING		512	/* datagrams kept for repair */
#define TGW_SYNC_WIN		1024	/* replay / gap window, in seqs */
#define TGW_SYNC_LEARN_MAX	32	/* peers known at once */
#define TGW_SYNC_HOLD		64	/* datagrams held behind a gap */
#define TGW_SYNC_HOLD_TIME	HZ	/* a gap held open longer: given up */
#define TGW_SYNC_JUMP_MAX	BIT_ULL(31) /* larger seq jumps: malformed */
#define TGW_SYNC_BULK_REQS	32	/* pending full-table requests */
#define TGW_SYNC_FLUSH_DELAY	msecs_to_jiffies(10)
#define TGW_SYNC_TICK		msecs_to_jiffies(100)
#define TGW_SYNC_HELLO		HZ
#define TGW_SYNC_NACK_EVERY	msecs_to_jiffies(200)
#define TGW_SYNC_BULK_RETRY	HZ
#define TGW_SYNC_DEAD		(3 * HZ)
#define TGW_SYNC_ENTRIES	((TGW_SYNC_DGRAM_MAX - \
				  sizeof(struct tgw_sync_hdr)) / \
				 sizeof(struct tgw_sync_entry))

struct tgw_sync_peer {
	__be32 addr;
	bool configured;
	bool seq_known;		/* base set by a first data seq or HELLO */
	u64 epoch;		/* 0: never heard */
	u64 base;		/* nothing expected at or below */
	u64 highest;		/* highest data seq received or announced */
	u64 applied;		/* data seqs up to here applied (or given up) */
	struct tgw_sync_dgram *held[TGW_SYNC_HOLD]; /* received past a gap */
	unsigned int nheld;
	unsigned long held_at;	/* jiffies: first one held */
	u64 ctl_seq;		/* highest control seq */
	unsigned long win[BITS_TO_LONGS(TGW_SYNC_WIN)]; /* seq % WIN seen */
	unsigned long last_rx;	/* jiffies */
	unsigned long last_nack;
	unsigned long bulk_at;	/* last full-table request */
	unsigned long bulk_rx;	/* last datagram of a walk from it */
	u8 bulk;		/* enum tgw_sync_bulk */
	u32 nonce;		/* of the last full-table request */
	u64 bulk_end;		/* seq of its answer, 0: none yet */
	u64 rx;
};

struct tgw_sync_dgram {
	u64 seq;
	unsigned int len;
	u8 data[];
};

/* A datagram being filled. */
struct tgw_sync_buf {
	unsigned int len;
	unsigned int n;
	u8 data[TGW_SYNC_DGRAM_MAX];
};

struct tgw_sync_cfg {
	u32 syncid;
	__be32 addr;
	__be16 port;
	__be32 group;
	int ifindex;
	unsigned int npeers;
	__be32 peers[TGW_SYNC_PEERS_MAX];
	u8 key[TGW_SYNC_KEY_MAX];
	unsigned int keylen;
	u32 refresh;		/* seconds */
	u32 bulk_rate;		/* datagrams per second */
};

struct tgw_sync {
	struct tgw_net *tn;
	struct tgw_sync_cfg cfg;
	struct socket *sock;
	void (*saved_data_ready)(struct sock *sk);
	struct crypto_shash *tfm;	/* NULL: no key */
	u64 epoch;

	/* queued updates */
	spinlock_t q_lock;
	struct tgw_sync_entry *q, *q_spare;
	unsigned int q_len;
	struct delayed_work tx_work;

	/* sending */
	struct mutex tx_lock;		/* seq, ctl_seq, ring, sending */
	u64 seq;			/* last data seq */
	u64 ctl_seq;			/* last control seq */
	struct tgw_sync_dgram *ring[TGW_SYNC_RING];
	struct tgw_sync_buf txbuf;	/* tx_work's datagram */

	/* receiving and peers */
	struct work_struct rx_work;
	struct mutex lock;		/* peers, bulk requests */
	u8 *rxbuf;
	unsigned int npeers;
	struct tgw_sync_peer peers[TGW_SYNC_LEARN_MAX];
	u32 group_nonce;		/* asked of the group at start */
	unsigned int nbulk;
	struct tgw_sync_bulk_end bulk_req[TGW_SYNC_BULK_REQS];
	bool bulk_wanted;
	unsigned long started;		/* jiffies */
	unsigned long next_hello;
	unsigned long next_refresh;
	struct delayed_work tick;

	struct work_struct walk_work;
	struct tgw_sync_buf walkbuf;	/* walk_work's datagram */

	atomic64_t stats[__TGW_A_SYNC_STATS_MAX];
	atomic64_t drops[__TGW_SYNC_DROP_MAX];
};

static inline void tgw_sync_inc(struct tgw_sync *ts, int stat, u64 n)
{
	atomic64_add(n, &ts->stats[stat]);
}

static inline void tgw_sync_drop(struct tgw_sync *ts, enum tgw_sync_drop why)
{
	atomic64_inc(&ts->drops[why]);
}

/* sync.c */
int tgw_sync_tag(struct tgw_sync *ts, const u8 *data, unsigned int len,
		 u8 *tag);
struct tgw_sync_peer *tgw_sync_peer_find(struct tgw_sync *ts, __be32 addr);
bool tgw_sync_in_sync(struct tgw_sync *ts);

/* sync_tx.c */
void tgw_sync_tx_work(struct work_struct *work);
void tgw_sync_walk_work(struct work_struct *work);
void tgw_sync_tick(struct work_struct *work);
void tgw_sync_send_ctl(struct tgw_sync *ts, u8 type, const void *payload,
		       unsigned int plen, u16 nr, __be32 to);
void tgw_sync_resend(struct tgw_sync *ts, u64 seq, __be32 to, bool *gone);
void tgw_sync_bulk_request(struct tgw_sync *ts, struct tgw_sync_peer *p);
void tgw_sync_send_nack(struct tgw_sync *ts, struct tgw_sync_peer *p,
			u64 from, u64 to);
void tgw_sync_ring_free(struct tgw_sync *ts);

/* sync_rx.c */
void tgw_sync_rx_work(struct work_struct *work);
void tgw_sync_data_ready(struct sock *sk);
unsigned int tgw_sync_missing(const struct tgw_sync_peer *p, u64 last);
void tgw_sync_peer_release(struct tgw_sync_peer *p);
void tgw_sync_give_up(struct tgw_sync *ts, struct tgw_sync_peer *p, u64 last);

#endif /* _TGW_SYNC_H */
