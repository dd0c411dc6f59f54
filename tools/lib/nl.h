/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpnl - small generic netlink helper on top of libmnl, shared by the
 * cloudplane CLIs.
 */
#ifndef CPNL_NL_H
#define CPNL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>

#ifdef MNL_SOCKET_DUMP_SIZE
#define CPNL_BUF_SIZE		MNL_SOCKET_DUMP_SIZE
#else
#define CPNL_BUF_SIZE		32768
#endif
/* Suggested size of a request buffer passed to cpnl_msg_start(). */
#define CPNL_REQ_SIZE		8192
#define CPNL_DUMP_RETRIES	10

struct cpnl;

/* Returns NULL with errno set (ENOENT: family not registered). */
struct cpnl *cpnl_open(const char *family);
/* cpnl_open() + cpnl_mcast_join() on a dedicated socket. */
struct cpnl *cpnl_open_monitor(const char *family, const char *group);
void cpnl_close(struct cpnl *nl);

uint16_t cpnl_family_id(const struct cpnl *nl);
uint8_t cpnl_family_version(const struct cpnl *nl);
uint32_t cpnl_family_maxattr(const struct cpnl *nl);
/* Multicast group id, or -ENOENT. */
int cpnl_group_id(const struct cpnl *nl, const char *group);
int cpnl_fd(const struct cpnl *nl);
/* Do not print errors/warnings to stderr (still kept in last_extack). */
void cpnl_set_quiet(struct cpnl *nl, bool quiet);
/* Kernel extack message of the last request, "" if none. */
const char *cpnl_last_extack(const struct cpnl *nl);

/* nlmsghdr + genlmsghdr; NLM_F_REQUEST | NLM_F_ACK are always set. */
struct nlmsghdr *cpnl_msg_start(struct cpnl *nl, char *buf, uint8_t cmd,
				uint16_t flags);
/* All return 0 or a negative errno. */
int cpnl_do(struct cpnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);
int cpnl_dump(struct cpnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data);
/* Like cpnl_dump(); reset(data) is called before a restarted dump. */
int cpnl_dump_ex(struct cpnl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		 void *data, void (*reset)(void *data));
int cpnl_mcast_join(struct cpnl *nl, const char *group);
/* Receive notifications until cb returns MNL_CB_STOP (0) or an error. */
int cpnl_monitor(struct cpnl *nl, mnl_cb_t cb, void *data);

/* NLA_UINT: 4 or 8 byte payload. */
uint64_t cpnl_attr_get_uint(const struct nlattr *attr);
void cpnl_attr_put_uint(struct nlmsghdr *nlh, uint16_t type, uint64_t v);

static inline bool cpnl_dump_intr(const struct nlmsghdr *nlh)
{
	return nlh->nlmsg_flags & NLM_F_DUMP_INTR;
}

/* Reply parser state; internal, exposed for the selftest. */
struct cpnl_rx {
	mnl_cb_t cb;
	void *data;
	uint32_t seq;		/* 0: accept any sequence number */
	bool dump;		/* NLMSG_DONE ends the exchange */
	bool monitor;		/* MNL_CB_STOP ends the exchange */
	bool intr;		/* saw NLM_F_DUMP_INTR */
	bool muted;		/* stop calling cb, drain until the end */
	int err;		/* error returned via cb */
};

/* Returns 1 if more data is expected, 0 when done, or a negative errno. */
int cpnl_rx_feed(struct cpnl *nl, struct cpnl_rx *rx, const void *buf,
		 size_t len);

#endif /* CPNL_NL_H */
