// SPDX-License-Identifier: GPL-2.0
/*
 * tgw sync: start, stop and show connection sync in a namespace.
 *
 * Every gateway of a cluster runs it, sender and receiver at once: a
 * kernel UDP socket bound to the sync address and port, unicast to each
 * configured peer or to an IPv4 multicast group (TTL 1, no loopback).
 * Datagrams are authenticated with HMAC-SHA256 when a key is set; see
 * sync_proto.h for the format, sync_tx.c and sync_rx.c for the rest.
 */
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <linux/igmp.h>
#include <linux/inetdevice.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/udp.h>

#include "sync.h"

#define TGW_SYNC_SOCKBUF	(4 << 20)

/* HMAC-SHA256 of the datagram with its tag zeroed, truncated. */
int tgw_sync_tag(struct tgw_sync *ts, const u8 *data, unsigned int len,
		 u8 *tag)
{
	SHASH_DESC_ON_STACK(desc, ts->tfm);
	struct tgw_sync_hdr h;
	u8 out[SHA256_DIGEST_SIZE];
	int err;

	memcpy(&h, data, sizeof(h));
	memset(h.tag, 0, sizeof(h.tag));
	desc->tfm = ts->tfm;
	err = crypto_shash_init(desc) ?:
	      crypto_shash_update(desc, (const u8 *)&h, sizeof(h)) ?:
	      crypto_shash_update(desc, data + sizeof(h), len - sizeof(h)) ?:
	      crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	if (!err)
		memcpy(tag, out, TGW_SYNC_TAG_LEN);
	memzero_explicit(out, sizeof(out));
	return err;
}

struct tgw_sync_peer *tgw_sync_peer_find(struct tgw_sync *ts, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < ts->npeers; i++)
		if (ts->peers[i].addr == addr)
			return &ts->peers[i];
	return NULL;
}

static int tgw_sync_sock_open(struct tgw_sync *ts,
			      struct netlink_ext_ack *extack)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = ts->cfg.port,
		.sin_addr.s_addr = ts->cfg.group ? htonl(INADDR_ANY) :
						   ts->cfg.addr,
	};
	struct socket *sock;
	struct sock *sk;
	int err;

	err = sock_create_kern(ts->tn->net, PF_INET, SOCK_DGRAM, IPPROTO_UDP,
			       &sock);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "cannot create the sync socket");
		return err;
	}
	sk = sock->sk;
	sock_set_rcvbuf(sk, TGW_SYNC_SOCKBUF);
	lock_sock(sk);
	sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
	WRITE_ONCE(sk->sk_sndbuf, TGW_SYNC_SOCKBUF);
	release_sock(sk);
	err = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (err) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cannot bind the sync address and port");
		goto out_release;
	}
	if (ts->cfg.group) {
		struct ip_mreqn mreq = {
			.imr_multiaddr.s_addr = ts->cfg.group,
			.imr_ifindex = ts->cfg.ifindex,
		};
		struct inet_sock *inet = inet_sk(sk);

		rtnl_lock();	/* ip_mc_join_group() asserts it */
		lock_sock(sk);
		WRITE_ONCE(inet->mc_ttl, 1);
		inet_assign_bit(MC_LOOP, sk, false);
		inet->mc_index = ts->cfg.ifindex;
		inet->mc_addr = ts->cfg.addr;
		err = ip_mc_join_group(sk, &mreq);
		release_sock(sk);
		rtnl_unlock();
		if (err) {
			NL_SET_ERR_MSG_MOD(extack,
					   "cannot join the multicast group");
			goto out_release;
		}
	}
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, ts);
	ts->saved_data_ready = sk->sk_data_ready;
	sk->sk_data_ready = tgw_sync_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	ts->sock = sock;
	return 0;

out_release:
	sock_release(sock);
	return err;
}

static void tgw_sync_free(struct tgw_sync *ts)
{
	unsigned int i;

	for (i = 0; i < ts->npeers; i++)
		tgw_sync_peer_release(&ts->peers[i]);
	if (ts->sock)
		sock_release(ts->sock);
	if (ts->tfm)
		crypto_free_shash(ts->tfm);
	tgw_sync_ring_free(ts);
	kvfree(ts->q);
	kvfree(ts->q_spare);
	kvfree(ts->rxbuf);
	kfree_sensitive(ts);
}

static struct tgw_sync *tgw_sync_new(struct tgw_net *tn,
				     const struct tgw_sync_cfg *cfg,
				     struct netlink_ext_ack *extack)
{
	struct tgw_sync *ts;
	unsigned int i;
	int err = -ENOMEM;

	ts = kzalloc(sizeof(*ts), GFP_KERNEL);
	if (!ts)
		goto out_nomem;
	ts->tn = tn;
	ts->cfg = *cfg;
	spin_lock_init(&ts->q_lock);
	mutex_init(&ts->tx_lock);
	mutex_init(&ts->lock);
	INIT_DELAYED_WORK(&ts->tx_work, tgw_sync_tx_work);
	INIT_DELAYED_WORK(&ts->tick, tgw_sync_tick);
	INIT_WORK(&ts->rx_work, tgw_sync_rx_work);
	INIT_WORK(&ts->walk_work, tgw_sync_walk_work);
	ts->q = kvcalloc(TGW_SYNC_QUEUE_MAX, sizeof(*ts->q), GFP_KERNEL);
	ts->q_spare = kvcalloc(TGW_SYNC_QUEUE_MAX, sizeof(*ts->q), GFP_KERNEL);
	ts->rxbuf = kvmalloc(TGW_SYNC_RX_MAX, GFP_KERNEL);
	if (!ts->q || !ts->q_spare || !ts->rxbuf)
		goto out_free;
	if (cfg->keylen) {
		ts->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
		if (IS_ERR(ts->tfm)) {
			err = PTR_ERR(ts->tfm);
			ts->tfm = NULL;
			NL_SET_ERR_MSG_MOD(extack, "no hmac(sha256) available");
			goto out_free;
		}
		err = crypto_shash_setkey(ts->tfm, cfg->key, cfg->keylen);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack, "cannot set the sync key");
			goto out_free;
		}
	}
	memzero_explicit(ts->cfg.key, sizeof(ts->cfg.key));
	/* Grows across restarts: peers take a smaller one for a replay. */
	ts->epoch = max_t(u64, ktime_get_real_ns(), tn->sync_epoch + 1);
	tn->sync_epoch = ts->epoch;
	ts->group_nonce = get_random_u32() | 1;
	ts->started = jiffies;
	ts->next_hello = jiffies;
	ts->next_refresh = jiffies + cfg->refresh * HZ;
	for (i = 0; i < cfg->npeers; i++) {
		struct tgw_sync_peer *p = &ts->peers[ts->npeers++];

		p->addr = cfg->peers[i];
		p->configured = true;
		p->bulk = TGW_SYNC_BULK_REQUESTED;
		p->bulk_at = jiffies - TGW_SYNC_BULK_RETRY;	/* ask now */
	}
	err = tgw_sync_sock_open(ts, extack);
	if (err)
		goto out_free;
	return ts;

out_free:
	tgw_sync_free(ts);
	return ERR_PTR(err);
out_nomem:
	NL_SET_ERR_MSG_MOD(extack, "out of memory");
	return ERR_PTR(err);
}

int tgw_sync_start(struct tgw_net *tn, const struct tgw_sync_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct tgw_sync *ts;

	lockdep_assert_held(&tn->cfg_lock);
	tgw_sync_proto_check();
	if (rcu_access_pointer(tn->sync)) {
		NL_SET_ERR_MSG_MOD(extack, "sync is running: stop it first");
		return -EBUSY;
	}
	ts = tgw_sync_new(tn, cfg, extack);
	if (IS_ERR(ts))
		return PTR_ERR(ts);
	rcu_assign_pointer(tn->sync, ts);
	queue_delayed_work(system_wq, &ts->tick, 0);
	return 0;
}

/* Stop and free; cfg_lock held. Queued updates are not sent. */
int tgw_sync_stop(struct tgw_net *tn, struct netlink_ext_ack *extack)
{
	struct tgw_sync *ts;
	struct sock *sk;

	lockdep_assert_held(&tn->cfg_lock);
	ts = rcu_replace_pointer(tn->sync, NULL,
				 lockdep_is_held(&tn->cfg_lock));
	if (!ts) {
		NL_SET_ERR_MSG_MOD(extack, "sync is not running");
		return -ENOENT;
	}
	sk = ts->sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	sk->sk_data_ready = ts->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	synchronize_rcu();	/* no tgw_sync_conn() or data_ready left */
	disable_delayed_work_sync(&ts->tick);
	disable_work_sync(&ts->rx_work);
	disable_work_sync(&ts->walk_work);
	disable_delayed_work_sync(&ts->tx_work);
	tgw_sync_free(ts);
	return 0;
}

bool tgw_sync_in_sync(struct tgw_sync *ts)
{
	unsigned long now = jiffies;
	unsigned int i;

	lockdep_assert_held(&ts->lock);
	if (time_before(now, ts->started + TGW_SYNC_DEAD) &&
	    (ts->cfg.npeers || ts->cfg.group)) {
		/* too early to know who is alive, unless all answered */
		for (i = 0; i < ts->npeers; i++)
			if (ts->peers[i].bulk != TGW_SYNC_BULK_DONE)
				return false;
		return ts->npeers > 0;
	}
	for (i = 0; i < ts->npeers; i++) {
		const struct tgw_sync_peer *p = &ts->peers[i];

		if (p->rx && time_before(now, p->last_rx + TGW_SYNC_DEAD) &&
		    p->bulk != TGW_SYNC_BULK_DONE)
			return false;
	}
	return true;
}
