// SPDX-License-Identifier: GPL-2.0
/* cpnl - small generic netlink helper on top of libmnl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nl.h"

#define CPNL_MAX_GRPS	16

struct cpnl_grp {
	char name[GENL_NAMSIZ];
	uint32_t id;
};

struct cpnl {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint8_t version;
	uint32_t maxattr;
	bool quiet;
	int ngrps;
	struct cpnl_grp grps[CPNL_MAX_GRPS];
	int extack_off;
	char extack[256];
	char buf[CPNL_BUF_SIZE] __attribute__((aligned(8)));
};

static uint32_t cpnl_next_seq(struct cpnl *nl)
{
	if (!++nl->seq)
		++nl->seq;
	return nl->seq;
}

/* @off: offset of the TLVs from the start of the payload */
static void cpnl_parse_extack(struct cpnl *nl, const struct nlmsghdr *nlh,
			      size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    off > nlh->nlmsg_len - MNL_NLMSG_HDRLEN)
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(nl->extack, sizeof(nl->extack), "%.*s",
				 (int)strnlen(mnl_attr_get_str(a),
					      mnl_attr_get_payload_len(a)),
				 mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS &&
			 !mnl_attr_validate(a, MNL_TYPE_U32))
			nl->extack_off = mnl_attr_get_u32(a);
	}
}

static int cpnl_report(struct cpnl *nl, int err)
{
	if (nl->quiet || (!err && !nl->extack[0]))
		return err;
	if (err)
		fprintf(stderr, "Error: %s", strerror(-err));
	else
		fprintf(stderr, "Warning");
	if (nl->extack[0])
		fprintf(stderr, ": %s", nl->extack);
	if (nl->extack_off >= 0)
		fprintf(stderr, " (attribute at offset %d)", nl->extack_off);
	fputc('\n', stderr);
	return err;
}

static int cpnl_msg_ctl(struct cpnl *nl, struct cpnl_rx *rx,
			const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;
	int err;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (!rx->dump)
			return 1;
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int)))
			return rx->err;
		memcpy(&err, e, sizeof(err));
		off = sizeof(int);
	} else {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
			return -EBADMSG;
		err = e->error;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
		    e->msg.nlmsg_len >= sizeof(struct nlmsghdr))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (err > 0)
		err = -err;
	cpnl_parse_extack(nl, nlh, off);
	cpnl_report(nl, err);
	return err ? err : rx->err;
}

int cpnl_rx_feed(struct cpnl *nl, struct cpnl_rx *rx, const void *buf,
		 size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int rem = len, ret;

	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (rx->seq && nlh->nlmsg_seq != rx->seq)
			continue;	/* stale reply of an earlier request */
		if (cpnl_dump_intr(nlh)) {
			rx->intr = true;
			rx->muted = true;
		}
		if (nlh->nlmsg_type == NLMSG_NOOP)
			continue;
		if (nlh->nlmsg_type == NLMSG_ERROR ||
		    nlh->nlmsg_type == NLMSG_DONE) {
			ret = cpnl_msg_ctl(nl, rx, nlh);
			if (ret <= 0)
				return ret;
			continue;
		}
		if (rx->muted || !rx->cb)
			continue;
		errno = 0;
		ret = rx->cb(nlh, rx->data);
		if (ret == MNL_CB_ERROR)
			rx->err = errno ? -errno : -EINVAL;
		if (ret <= MNL_CB_STOP) {
			if (rx->monitor)
				return rx->err;
			rx->muted = true;
		}
	}
	return 1;
}

static int cpnl_run(struct cpnl *nl, struct cpnl_rx *rx)
{
	ssize_t n;
	int ret;

	do {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, sizeof(nl->buf));
		ret = n < 0 ? -errno : cpnl_rx_feed(nl, rx, nl->buf, n);
	} while (ret > 0);
	return ret;
}

static int cpnl_send(struct cpnl *nl, struct nlmsghdr *req)
{
	nl->extack[0] = '\0';
	nl->extack_off = -1;
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return -errno;
	return 0;
}

struct nlmsghdr *cpnl_msg_start(struct cpnl *nl, char *buf, uint8_t cmd,
				uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = nl->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = cpnl_next_seq(nl);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = nl->version;
	return nlh;
}

int cpnl_do(struct cpnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct cpnl_rx rx = { .cb = cb, .data = data, .seq = req->nlmsg_seq };
	int ret;

	req->nlmsg_flags |= NLM_F_ACK;
	ret = cpnl_send(nl, req);
	return ret ? ret : cpnl_run(nl, &rx);
}

int cpnl_dump_ex(struct cpnl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		 void *data, void (*reset)(void *data))
{
	int i, ret;

	/* A dump is never ACKed: errors come in NLMSG_DONE or NLMSG_ERROR. */
	req->nlmsg_flags = (req->nlmsg_flags | NLM_F_DUMP) & ~NLM_F_ACK;
	for (i = 0; i < CPNL_DUMP_RETRIES; i++) {
		struct cpnl_rx rx = { .cb = cb, .data = data, .dump = true };

		if (i && reset)
			reset(data);
		req->nlmsg_seq = cpnl_next_seq(nl);
		rx.seq = req->nlmsg_seq;
		ret = cpnl_send(nl, req);
		if (!ret)
			ret = cpnl_run(nl, &rx);
		if (ret || !rx.intr)
			return ret;
	}
	return -EINTR;
}

int cpnl_dump(struct cpnl *nl, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	return cpnl_dump_ex(nl, req, cb, data, NULL);
}

int cpnl_monitor(struct cpnl *nl, mnl_cb_t cb, void *data)
{
	struct cpnl_rx rx = { .cb = cb, .data = data, .monitor = true };

	return cpnl_run(nl, &rx);
}

static int cpnl_grp_cb(struct cpnl *nl, const struct nlattr *grp)
{
	const struct nlattr *a, *name = NULL, *id = NULL;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			name = a;
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
			 !mnl_attr_validate(a, MNL_TYPE_U32))
			id = a;
	}
	if (!name || !id || nl->ngrps >= CPNL_MAX_GRPS)
		return MNL_CB_OK;
	snprintf(nl->grps[nl->ngrps].name, GENL_NAMSIZ, "%s",
		 mnl_attr_get_str(name));
	nl->grps[nl->ngrps++].id = mnl_attr_get_u32(id);
	return MNL_CB_OK;
}

static int cpnl_family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *g;
	struct cpnl *nl = data;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (!mnl_attr_validate(a, MNL_TYPE_U16))
				nl->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				nl->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MAXATTR:
			if (!mnl_attr_validate(a, MNL_TYPE_U32))
				nl->maxattr = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				cpnl_grp_cb(nl, g);
			break;
		}
	}
	return MNL_CB_OK;
}

struct cpnl *cpnl_open(const char *family)
{
	char req[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct cpnl *nl;
	int one = 1, ret;

	/* The kernel rejects such names with EINVAL; none can be registered. */
	if (strnlen(family, GENL_NAMSIZ) >= GENL_NAMSIZ) {
		errno = ENOENT;
		return NULL;
	}
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk)
		goto err;
	/* Older kernels lack these; not fatal. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = time(NULL);
	nl->extack_off = -1;

	nl->family = GENL_ID_CTRL;
	nl->version = 1;
	nlh = cpnl_msg_start(nl, req, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	nl->family = 0;
	nl->quiet = true;
	ret = cpnl_do(nl, nlh, cpnl_family_cb, nl);
	nl->quiet = false;
	if (!ret && !nl->family)
		ret = -EPROTO;
	if (!ret)
		return nl;
	errno = -ret;
err:
	cpnl_close(nl);
	return NULL;
}

void cpnl_close(struct cpnl *nl)
{
	int err = errno;

	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl);
	errno = err;
}

int cpnl_group_id(const struct cpnl *nl, const char *group)
{
	int i;

	for (i = 0; i < nl->ngrps; i++)
		if (!strcmp(nl->grps[i].name, group))
			return nl->grps[i].id;
	return -ENOENT;
}

int cpnl_mcast_join(struct cpnl *nl, const char *group)
{
	int id = cpnl_group_id(nl, group);

	if (id < 0)
		return id;
	if (mnl_socket_setsockopt(nl->sk, NETLINK_ADD_MEMBERSHIP, &id,
				  sizeof(id)) < 0)
		return -errno;
	return 0;
}

struct cpnl *cpnl_open_monitor(const char *family, const char *group)
{
	struct cpnl *nl = cpnl_open(family);
	int ret;

	if (!nl)
		return NULL;
	ret = cpnl_mcast_join(nl, group);
	if (!ret)
		return nl;
	cpnl_close(nl);
	errno = -ret;
	return NULL;
}

uint16_t cpnl_family_id(const struct cpnl *nl)
{
	return nl->family;
}

uint8_t cpnl_family_version(const struct cpnl *nl)
{
	return nl->version;
}

uint32_t cpnl_family_maxattr(const struct cpnl *nl)
{
	return nl->maxattr;
}

int cpnl_fd(const struct cpnl *nl)
{
	return mnl_socket_get_fd(nl->sk);
}

void cpnl_set_quiet(struct cpnl *nl, bool quiet)
{
	nl->quiet = quiet;
}

const char *cpnl_last_extack(const struct cpnl *nl)
{
	return nl->extack;
}

uint64_t cpnl_attr_get_uint(const struct nlattr *attr)
{
	switch (mnl_attr_get_payload_len(attr)) {
	case sizeof(uint32_t):
		return mnl_attr_get_u32(attr);
	case sizeof(uint64_t):
		return mnl_attr_get_u64(attr);
	}
	return 0;
}

void cpnl_attr_put_uint(struct nlmsghdr *nlh, uint16_t type, uint64_t v)
{
	if (v <= UINT32_MAX)
		mnl_attr_put_u32(nlh, type, v);
	else
		mnl_attr_put_u64(nlh, type, v);
}
