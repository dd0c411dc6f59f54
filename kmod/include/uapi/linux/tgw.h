/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tgw - tunnel gateway: generic netlink interface.
 *
 * Family "tgw", version 1. Every command needs CAP_NET_ADMIN and acts on
 * the caller's network namespace. Multicast groups: "config" (role,
 * service and destination changes) and "conn" (connection events, sent
 * only while someone listens, rate-limited and batched; see
 * TGW_CMD_CONN_NTF).
 *
 * Each namespace has a role (TGW_CMD_ROLE_SET):
 *   gateway: TGW_A_ADDR is tgwip, the local end of the IPIP tunnels;
 *            optional TGW_A_TABLE_MAX bounds the connection table.
 *   host:    TGW_A_ADDR is hostip; one TGW_A_GATEWAY per gateway whose
 *            tunnelled packets are accepted (1..TGW_GATEWAYS_MAX);
 *            optional TGW_A_TIMEOUT {state: secs} for the host's flows
 *            (unset states get the defaults).
 *
 * Objects (nested attributes):
 *   TGW_A_SERVICE  key: VIP, PORT, PROTO; SCHED, TIMEOUT{state: secs}, MSS
 *   TGW_A_DEST     key: service key (in TGW_A_SERVICE) + HOST, VMIP, VMPORT;
 *                  WEIGHT (0 drains)
 *   TGW_A_CONN     PROTO, CIP:CPORT, VIP:VPORT, VMIP:VMPORT, PEER, STATE,
 *                  TIMEOUT (remaining ms), FLAGS
 *   TGW_A_STATS    64-bit counters; "in" is client -> VM, "out" the reverse
 *
 * Addresses are __be32 and ports __be16 (network byte order).
 */
#ifndef _UAPI_LINUX_TGW_H
#define _UAPI_LINUX_TGW_H

#define TGW_FAMILY_NAME		"tgw"
#define TGW_FAMILY_VERSION	1
#define TGW_MCGRP_CONFIG	"config"
#define TGW_MCGRP_CONN		"conn"

#define TGW_GATEWAYS_MAX	16
#define TGW_WEIGHT_MAX		65535
#define TGW_TIMEOUT_MAX		(7 * 24 * 3600)	/* seconds */

enum tgw_role {
	TGW_ROLE_NONE,		/* datapath off */
	TGW_ROLE_GATEWAY,	/* VIP -> DNAT + IPIP to hosts; replies back */
	TGW_ROLE_HOST,		/* decap to VMs; replies tunnelled back */
	__TGW_ROLE_MAX
};

#define TGW_ROLE_MAX (__TGW_ROLE_MAX - 1)

enum tgw_sched {
	TGW_SCHED_WRR,		/* weighted round-robin */
	TGW_SCHED_WLC,		/* weighted least-connections */
	TGW_SCHED_MAGLEV,	/* weighted Maglev consistent hashing */
	__TGW_SCHED_MAX
};

#define TGW_SCHED_MAX (__TGW_SCHED_MAX - 1)

/* Connection states; also the attribute types inside TGW_A_SVC_TIMEOUT. */
enum tgw_state {
	TGW_STATE_NONE,
	TGW_STATE_SYN_SENT,	/* client SYN seen */
	TGW_STATE_SYN_RECV,	/* backend SYN-ACK seen */
	TGW_STATE_ESTABLISHED,	/* handshake done (or flow picked up) */
	TGW_STATE_FIN_WAIT,	/* one side sent FIN */
	TGW_STATE_TIME_WAIT,	/* both sides sent FIN */
	TGW_STATE_CLOSE,	/* RST seen */
	TGW_STATE_UDP,		/* any UDP flow */
	__TGW_STATE_MAX
};

#define TGW_STATE_MAX (__TGW_STATE_MAX - 1)

/* Drop reasons; attribute type (reason + 1) inside TGW_A_STATS_DROPS. */
enum tgw_drop {
	TGW_DROP_NO_CONN,	/* tunnelled reply without a connection */
	TGW_DROP_NO_DEST,	/* service has no usable destination */
	TGW_DROP_TABLE_FULL,	/* table full, nothing evictable */
	TGW_DROP_NOMEM,		/* allocation or headroom failure */
	TGW_DROP_NO_ROUTE,	/* no route to host, gateway or client */
	TGW_DROP_TOO_BIG,	/* DF packet over the tunnel MTU */
	TGW_DROP_MALFORMED,	/* truncated or bad headers */
	TGW_DROP_BAD_PEER,	/* IPIP from an unknown gateway or host */
	TGW_DROP_CLASH,		/* reply tuple already used by another conn */
	TGW_DROP_TTL,		/* TTL expired on the reply path */
	__TGW_DROP_MAX
};

#define TGW_DROP_MAX (__TGW_DROP_MAX - 1)

/* TGW_A_CONN_FLAGS */
#define TGW_CONN_F_CONFIRMED	0x1	/* seen both ways: not evictable */
#define TGW_CONN_F_FALLBACK	0x2	/* picked up mid-flow (Maglev) */
#define TGW_CONN_F_FIN_IN	0x4	/* client sent FIN */
#define TGW_CONN_F_FIN_OUT	0x8	/* VM sent FIN */
#define TGW_CONN_F_SYNCED	0x10	/* learned from a peer gateway, no
					 * packet of it seen here since
					 */

/* TGW_A_NTF_EVENT of a connection event */
enum tgw_conn_event {
	TGW_CONN_EV_NEW,	/* created */
	TGW_CONN_EV_STATE,	/* state changed (TGW_A_NTF_OLD_STATE: from) */
	TGW_CONN_EV_END,	/* removed (TGW_A_NTF_REASON: why) */
	__TGW_CONN_EV_MAX
};

#define TGW_CONN_EV_MAX (__TGW_CONN_EV_MAX - 1)

/* TGW_A_NTF_REASON of TGW_CONN_EV_END */
enum tgw_conn_end {
	TGW_CONN_END_CLOSED,	/* timed out after FIN/RST, or reused by a SYN */
	TGW_CONN_END_EXPIRED,	/* idle timeout in another state */
	TGW_CONN_END_EVICTED,	/* unconfirmed, evicted from a full table */
	TGW_CONN_END_DELETED,	/* conn del/flush, service/dest del, role */
	__TGW_CONN_END_MAX
};

#define TGW_CONN_END_MAX (__TGW_CONN_END_MAX - 1)

enum tgw_cmd {
	TGW_CMD_UNSPEC,
	TGW_CMD_ROLE_SET,	/* do: ROLE [ADDR GATEWAY* CONN_MAX] */
	TGW_CMD_ROLE_GET,	/* do: reply ROLE ADDR GATEWAY* CONN_* */
	TGW_CMD_SERVICE_NEW,	/* do: SERVICE */
	TGW_CMD_SERVICE_SET,	/* do: SERVICE (key + changed fields) */
	TGW_CMD_SERVICE_DEL,	/* do: SERVICE key; its conns go too */
	TGW_CMD_SERVICE_GET,	/* do: SERVICE key; dump: all */
	TGW_CMD_DEST_NEW,	/* do: SERVICE key + DEST */
	TGW_CMD_DEST_SET,	/* do: SERVICE key + DEST */
	TGW_CMD_DEST_DEL,	/* do: SERVICE key + DEST key; its conns go */
	TGW_CMD_DEST_GET,	/* dump: [SERVICE key] */
	TGW_CMD_CONN_GET,	/* do: CONN key; dump: [CONN filter] */
	TGW_CMD_CONN_DEL,	/* do: CONN (PROTO CIP CPORT VIP VPORT) */
	TGW_CMD_CONN_FLUSH,	/* do: [SERVICE key] */
	TGW_CMD_STATS_GET,	/* do: STATS of the namespace */
	TGW_CMD_CONFIG_NTF,	/* notification: NTF_CMD + changed object */
	TGW_CMD_CONN_NTF,	/* notification: NTF_EVENT [NTF_REASON]
				 * [NTF_OLD_STATE] CONN; or NTF_SUPPRESSED
				 * alone: events lost to the rate limit
				 */
	TGW_CMD_SYNC_START,	/* do: SYNC nest (enum tgw_a_sync) */
	TGW_CMD_SYNC_STOP,	/* do: stop sync in the namespace */
	TGW_CMD_SYNC_GET,	/* do: SYNC config, state, SYNC_PEER*, stats */
	__TGW_CMD_MAX
};

#define TGW_CMD_MAX (__TGW_CMD_MAX - 1)

enum tgw_a {
	TGW_A_UNSPEC,
	TGW_A_ROLE,		/* u32 enum tgw_role */
	TGW_A_ADDR,		/* be32 tgwip or hostip */
	TGW_A_GATEWAY,		/* be32, multi-attr (host role) */
	TGW_A_TABLE_MAX,	/* u32 connection table bound */
	TGW_A_TABLE_COUNT,	/* uint */
	TGW_A_TABLE_BYTES,	/* u32 bytes per connection incl. index */
	TGW_A_SERVICE,		/* nest tgw_a_svc */
	TGW_A_DEST,		/* nest tgw_a_dest */
	TGW_A_CONN,		/* nest tgw_a_conn */
	TGW_A_STATS,		/* nest tgw_a_stats */
	TGW_A_NTF_CMD,		/* u8 command that caused a notification */
	TGW_A_TIMEOUT,		/* nest: type enum tgw_state, u32 seconds
				 * (host role: timeouts of its flows)
				 */
	TGW_A_NTF_EVENT,	/* u8 enum tgw_conn_event */
	TGW_A_NTF_REASON,	/* u8 enum tgw_conn_end */
	TGW_A_NTF_OLD_STATE,	/* u8 enum tgw_state */
	TGW_A_NTF_SUPPRESSED,	/* uint events not sent since the last
				 * report (rate limit or queue full)
				 */
	TGW_A_EVENTS_SENT,	/* uint connection events sent (stats) */
	TGW_A_EVENTS_SUPPRESSED, /* uint connection events suppressed */
	TGW_A_SYNC,		/* nest tgw_a_sync */
	__TGW_A_MAX
};

#define TGW_A_MAX (__TGW_A_MAX - 1)

enum tgw_a_svc {
	TGW_A_SVC_UNSPEC,
	TGW_A_SVC_VIP,		/* be32 */
	TGW_A_SVC_PORT,		/* be16 */
	TGW_A_SVC_PROTO,	/* u8 IPPROTO_TCP or IPPROTO_UDP */
	TGW_A_SVC_SCHED,	/* u32 enum tgw_sched */
	TGW_A_SVC_TIMEOUT,	/* nest: type enum tgw_state, u32 seconds */
	TGW_A_SVC_MSS,		/* u16 SYN MSS clamp; 0: tunnel MTU - 40 */
	TGW_A_SVC_DESTS,	/* u32 number of destinations */
	TGW_A_SVC_STATS,	/* nest tgw_a_stats */
	__TGW_A_SVC_MAX
};

#define TGW_A_SVC_MAX (__TGW_A_SVC_MAX - 1)

enum tgw_a_dest {
	TGW_A_DEST_UNSPEC,
	TGW_A_DEST_HOST,	/* be32 hostip */
	TGW_A_DEST_VMIP,	/* be32 */
	TGW_A_DEST_VMPORT,	/* be16 */
	TGW_A_DEST_WEIGHT,	/* u32 0..TGW_WEIGHT_MAX, 0 drains */
	TGW_A_DEST_ACTIVE,	/* u32 established connections */
	TGW_A_DEST_INACTIVE,	/* u32 other connections */
	TGW_A_DEST_STATS,	/* nest tgw_a_stats */
	TGW_A_DEST_SLOTS,	/* u32 Maglev table slots owned */
	__TGW_A_DEST_MAX
};

#define TGW_A_DEST_MAX (__TGW_A_DEST_MAX - 1)

enum tgw_a_conn {
	TGW_A_CONN_UNSPEC,
	TGW_A_CONN_PROTO,	/* u8 */
	TGW_A_CONN_CIP,		/* be32 client */
	TGW_A_CONN_CPORT,	/* be16 */
	TGW_A_CONN_VIP,		/* be32 */
	TGW_A_CONN_VPORT,	/* be16 */
	TGW_A_CONN_VMIP,	/* be32 */
	TGW_A_CONN_VMPORT,	/* be16 */
	TGW_A_CONN_PEER,	/* be32 hostip (gateway) or tgwip (host) */
	TGW_A_CONN_STATE,	/* u8 enum tgw_state */
	TGW_A_CONN_TIMEOUT,	/* u32 remaining milliseconds */
	TGW_A_CONN_FLAGS,	/* u32 TGW_CONN_F_* */
	__TGW_A_CONN_MAX
};

#define TGW_A_CONN_MAX (__TGW_A_CONN_MAX - 1)

enum tgw_a_stats {
	TGW_A_STATS_UNSPEC,
	TGW_A_STATS_CONNS,	/* uint connections created */
	TGW_A_STATS_PKTS_IN,	/* uint */
	TGW_A_STATS_BYTES_IN,	/* uint */
	TGW_A_STATS_PKTS_OUT,	/* uint */
	TGW_A_STATS_BYTES_OUT,	/* uint */
	TGW_A_STATS_DROPS,	/* nest: type enum tgw_drop + 1, uint */
	TGW_A_STATS_EVICTED,	/* uint connections evicted when full */
	__TGW_A_STATS_MAX
};

#define TGW_A_STATS_MAX (__TGW_A_STATS_MAX - 1)

/* Connection sync between gateways (Documentation/tgw.rst, "Sync"). */
#define TGW_SYNC_PORT		8850
#define TGW_SYNC_PEERS_MAX	16	/* configured unicast peers */
#define TGW_SYNC_KEY_MIN	16	/* bytes of HMAC-SHA256 key */
#define TGW_SYNC_KEY_MAX	64
#define TGW_SYNC_REFRESH_MAX	3600	/* seconds */
#define TGW_SYNC_BULK_RATE_MAX	1000000	/* datagrams per second */

enum tgw_a_sync {
	TGW_A_SYNC_UNSPEC,
	TGW_A_SYNC_SYNCID,	/* u32 1.. cluster id; foreign ids dropped */
	TGW_A_SYNC_ADDR,	/* be32 local address (also the sender id) */
	TGW_A_SYNC_PORT,	/* be16 UDP port, default TGW_SYNC_PORT */
	TGW_A_SYNC_PEER,	/* be32 unicast peer, multi-attr */
	TGW_A_SYNC_GROUP,	/* be32 IPv4 multicast group */
	TGW_A_SYNC_IFINDEX,	/* u32 device for the group */
	TGW_A_SYNC_KEY,		/* binary HMAC key (write only) */
	TGW_A_SYNC_REFRESH,	/* u32 seconds between refreshes, default 10 */
	TGW_A_SYNC_BULK_RATE,	/* u32 bulk datagrams per second */
	TGW_A_SYNC_AUTH,	/* flag (get): a key is set */
	TGW_A_SYNC_EPOCH,	/* u64 (get): this sender's epoch */
	TGW_A_SYNC_SEQ,		/* u64 (get): last sequence number sent */
	TGW_A_SYNC_IN_SYNC,	/* u8 (get): bulk done from every live peer */
	TGW_A_SYNC_PEER_INFO,	/* nest tgw_a_sync_peer (get), multi-attr */
	TGW_A_SYNC_STATS,	/* nest tgw_a_sync_stats (get) */
	TGW_A_SYNC_PAD,		/* padding of the u64 attributes */
	__TGW_A_SYNC_MAX
};

#define TGW_A_SYNC_MAX (__TGW_A_SYNC_MAX - 1)

enum tgw_a_sync_peer {
	TGW_A_SYNC_PEER_UNSPEC,
	TGW_A_SYNC_PEER_ADDR,	/* be32 sender id */
	TGW_A_SYNC_PEER_EPOCH,	/* u64 its current epoch, 0: never heard */
	TGW_A_SYNC_PEER_SEQ,	/* u64 highest sequence number seen */
	TGW_A_SYNC_PEER_MISSING, /* u32 sequence numbers still missing */
	TGW_A_SYNC_PEER_LAST_MS, /* u32 ms since its last datagram */
	TGW_A_SYNC_PEER_ALIVE,	/* u8 heard within the dead interval */
	TGW_A_SYNC_PEER_BULK,	/* u8 enum tgw_sync_bulk */
	TGW_A_SYNC_PEER_RX,	/* uint datagrams accepted from it */
	TGW_A_SYNC_PEER_PAD,	/* padding of the u64 attributes */
	__TGW_A_SYNC_PEER_MAX
};

#define TGW_A_SYNC_PEER_MAX (__TGW_A_SYNC_PEER_MAX - 1)

enum tgw_sync_bulk {
	TGW_SYNC_BULK_NONE,	/* not asked (yet) */
	TGW_SYNC_BULK_REQUESTED, /* full table asked for, not complete */
	TGW_SYNC_BULK_DONE,	/* full table received: in sync */
	__TGW_SYNC_BULK_MAX
};

enum tgw_sync_drop {
	TGW_SYNC_DROP_SHORT,	/* shorter than the header */
	TGW_SYNC_DROP_MAGIC,	/* not a tgw sync datagram */
	TGW_SYNC_DROP_VERSION,	/* unknown version */
	TGW_SYNC_DROP_SIZE,	/* size field != datagram length */
	TGW_SYNC_DROP_SYNCID,	/* foreign syncid */
	TGW_SYNC_DROP_AUTH,	/* bad or missing tag */
	TGW_SYNC_DROP_REPLAY,	/* old epoch or sequence already seen */
	TGW_SYNC_DROP_MALFORMED, /* bad type, count, entry or TLV */
	TGW_SYNC_DROP_PEER,	/* unknown sender, or source != sender */
	TGW_SYNC_DROP_OWN,	/* our own datagram (multicast loop) */
	TGW_SYNC_DROP_NOMEM,	/* allocation failure */
	__TGW_SYNC_DROP_MAX
};

#define TGW_SYNC_DROP_MAX (__TGW_SYNC_DROP_MAX - 1)

enum tgw_a_sync_stats {
	TGW_A_SYNC_STATS_UNSPEC,
	TGW_A_SYNC_STATS_TX_DGRAMS,	/* uint datagrams sent (per copy) */
	TGW_A_SYNC_STATS_TX_BYTES,	/* uint */
	TGW_A_SYNC_STATS_TX_CONNS,	/* uint entries sent */
	TGW_A_SYNC_STATS_TX_ERRORS,	/* uint send failures */
	TGW_A_SYNC_STATS_OVERFLOW,	/* uint updates lost: queue full */
	TGW_A_SYNC_STATS_REFRESHES,	/* uint table refresh walks */
	TGW_A_SYNC_STATS_RX_DGRAMS,	/* uint datagrams accepted */
	TGW_A_SYNC_STATS_RX_CONNS,	/* uint entries accepted */
	TGW_A_SYNC_STATS_INSTALLED,	/* uint conns created from entries */
	TGW_A_SYNC_STATS_UPDATED,	/* uint conns updated */
	TGW_A_SYNC_STATS_REMOVED,	/* uint conns removed */
	TGW_A_SYNC_STATS_SKIPPED,	/* uint entries not applied (no such
					 * service/destination here, unknown
					 * mandatory TLV, table full, clash)
					 */
	TGW_A_SYNC_STATS_GAPS,		/* uint sequence numbers found missing */
	TGW_A_SYNC_STATS_NACK_TX,	/* uint repair requests sent */
	TGW_A_SYNC_STATS_NACK_RX,	/* uint repair requests received */
	TGW_A_SYNC_STATS_RETRANS,	/* uint datagrams sent again */
	TGW_A_SYNC_STATS_LOST,		/* uint missing past the window */
	TGW_A_SYNC_STATS_BULK_REQ_TX,	/* uint full-table requests sent */
	TGW_A_SYNC_STATS_BULK_REQ_RX,	/* uint full-table requests received */
	TGW_A_SYNC_STATS_BULK_TX,	/* uint full-table walks sent */
	TGW_A_SYNC_STATS_DROPS,		/* nest: type enum tgw_sync_drop + 1,
					 * uint
					 */
	__TGW_A_SYNC_STATS_MAX
};

#define TGW_A_SYNC_STATS_MAX (__TGW_A_SYNC_STATS_MAX - 1)

#endif /* _UAPI_LINUX_TGW_H */
