/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tgw sync: the wire format (Documentation/tgw.rst, "Sync wire format").
 * Every field is big-endian; every datagram is one UDP payload:
 *
 *   header (56 bytes, the tag covers the whole datagram with tag zeroed)
 *   payload (by type):
 *     UPDATE    nr_conn entries (36 bytes + TLVs each)
 *     BULK_END  nr_conn (requester, nonce) pairs: a full-table walk for
 *               these requests ended with this datagram
 *     HELLO     be64 last data sequence number sent (tail-loss detection)
 *     NACK      be64 epoch asked about, nr_conn (be64 seq, be32 count,
 *               be32 zero) ranges
 *     BULK_REQ  be32 nonce
 *
 * UPDATE and BULK_END are data: one sequence space per sender and epoch,
 * sent to every peer, kept in a ring for repair. HELLO, NACK and BULK_REQ
 * are control: their own strictly increasing sequence, never repaired.
 */
#ifndef _TGW_SYNC_PROTO_H
#define _TGW_SYNC_PROTO_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define TGW_SYNC_MAGIC		0x54475753	/* "TGWS" */
#define TGW_SYNC_VERSION	1
#define TGW_SYNC_TAG_LEN	16		/* truncated HMAC-SHA256 */
#define TGW_SYNC_DGRAM_MAX	1400		/* UDP payload we send */
#define TGW_SYNC_RX_MAX		65507		/* largest UDP payload */

enum tgw_sync_type {
	TGW_SYNC_T_UPDATE = 1,
	TGW_SYNC_T_BULK_END,
	TGW_SYNC_T_HELLO,
	TGW_SYNC_T_NACK,
	TGW_SYNC_T_BULK_REQ,
	__TGW_SYNC_T_MAX
};

#define TGW_SYNC_F_BULK		0x1	/* entries of a full-table walk */

struct tgw_sync_hdr {
	__be32 magic;
	u8 version;
	u8 type;		/* enum tgw_sync_type */
	__be16 nr_conn;		/* entries, pairs or ranges */
	__be32 syncid;
	__be32 sender;		/* the sender's sync address */
	__be64 epoch;		/* sender incarnation: grows on each start */
	__be64 seq;		/* data or control sequence, from 1 */
	__be16 size;		/* whole datagram, header included */
	__be16 flags;		/* TGW_SYNC_F_* */
	__be32 reserved;	/* zero */
	u8 tag[TGW_SYNC_TAG_LEN];
};

/* Entry flags on the wire: TGW_CONN_F_* (FIN_*, CONFIRMED) plus: */
#define TGW_SYNC_EF_REMOVED	0x80000000	/* the conn is gone */

struct tgw_sync_entry {
	u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	u8 state;		/* enum tgw_state */
	__be16 len;		/* entry length incl. TLVs, multiple of 4 */
	__be32 flags;
	__be32 timeout_ms;	/* remaining */
	__be32 cip;
	__be32 vip;
	__be32 vmip;
	__be32 hostip;
	__be16 cport;
	__be16 vport;
	__be16 vmport;
	__be16 pad;		/* zero */
	/* TLVs: u8 type, u8 len (of value), value; padded to 4 bytes */
};

#define TGW_SYNC_TLV_MANDATORY	0x80	/* unknown: skip the entry */
#define TGW_SYNC_TLV_PAD	0	/* padding byte, no length */

struct tgw_sync_range {
	__be64 seq;
	__be32 count;
	__be32 zero;
};

struct tgw_sync_bulk_end {
	__be32 requester;
	__be32 nonce;
};

static inline void tgw_sync_proto_check(void)
{
	BUILD_BUG_ON(sizeof(struct tgw_sync_hdr) != 56);
	BUILD_BUG_ON(sizeof(struct tgw_sync_entry) != 36);
	BUILD_BUG_ON(sizeof(struct tgw_sync_range) != 16);
	BUILD_BUG_ON(sizeof(struct tgw_sync_bulk_end) != 8);
}

#endif /* _TGW_SYNC_PROTO_H */
