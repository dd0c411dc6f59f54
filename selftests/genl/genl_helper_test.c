// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of the cpnl generic netlink helper (tools/lib/nl.c) against
 * real kernel families: nlctrl, ethtool and (loaded on demand) fou.
 * Output is TAP13. Exit: 0 all passed, 1 a test failed, 4 skipped (not root).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/ethtool_netlink.h>

#include "nl.h"

#define NTESTS		7
#define KSFT_SKIP	4

static int failed;

static void result(int num, const char *name, int ok, const char *skip)
{
	if (skip)
		printf("ok %d %s # SKIP %s\n", num, name, skip);
	else
		printf("%sok %d %s\n", ok ? "" : "not ", num, name);
	if (!skip && !ok)
		failed = 1;
	fflush(stdout);
}

static int resolve_fails(const char *name)
{
	struct cpnl *nl;

	errno = 0;
	nl = cpnl_open(name);
	if (!nl && errno == ENOENT)
		return 1;
	printf("# %s: expected ENOENT, got %p / %s\n", name, (void *)nl,
	       strerror(errno));
	cpnl_close(nl);
	return 0;
}

/* a: family resolution */
static void test_resolve(void)
{
	struct cpnl *nl = cpnl_open("nlctrl");
	int ok;

	ok = nl && cpnl_family_id(nl) == GENL_ID_CTRL &&
	     cpnl_group_id(nl, "notify") >= 0;
	if (nl)
		printf("# nlctrl: id %u version %u maxattr %u\n",
		       cpnl_family_id(nl), cpnl_family_version(nl),
		       cpnl_family_maxattr(nl));
	else
		printf("# cpnl_open(nlctrl): %s\n", strerror(errno));
	cpnl_close(nl);
	result(1, "resolve_nlctrl", ok, NULL);

	/* too long for GENL_NAMSIZ, and a short name the kernel looks up */
	ok = resolve_fails("no-such-family-xyz") & resolve_fails("nosuchfam0");
	result(2, "resolve_missing_enoent", ok, NULL);
}

/* b: family dump */
struct dump_state {
	int nfamilies;
	int nlctrl;
	int ethtool;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	const struct nlattr *a;

	st->nfamilies++;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != CTRL_ATTR_FAMILY_NAME ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			continue;
		if (!strcmp(mnl_attr_get_str(a), "nlctrl"))
			st->nlctrl++;
		else if (!strcmp(mnl_attr_get_str(a), "ethtool"))
			st->ethtool++;
	}
	return MNL_CB_OK;
}

static void dump_reset(void *data)
{
	memset(data, 0, sizeof(struct dump_state));
}

static void test_dump(struct cpnl *ctrl)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct dump_state st = {};
	struct nlmsghdr *nlh;
	int ret;

	nlh = cpnl_msg_start(ctrl, buf, CTRL_CMD_GETFAMILY, NLM_F_DUMP);
	ret = cpnl_dump_ex(ctrl, nlh, dump_cb, &st, dump_reset);
	printf("# dump: ret %d, %d families\n", ret, st.nfamilies);
	result(3, "dump_families", !ret && st.nlctrl == 1 && st.ethtool == 1,
	       NULL);
}

/* c: extended ack from ethtool */
static void test_extack(void)
{
	char buf[CPNL_REQ_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct cpnl *nl;
	int ret;

	nl = cpnl_open("ethtool");
	if (!nl) {
		printf("# cpnl_open(ethtool): %s\n", strerror(errno));
		result(4, "extack_enodev", 0, NULL);
		return;
	}
	cpnl_set_quiet(nl, true);
	nlh = cpnl_msg_start(nl, buf, ETHTOOL_MSG_LINKINFO_GET, 0);
	nest = mnl_attr_nest_start(nlh, ETHTOOL_A_LINKINFO_HEADER);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, "nosuchdev0");
	mnl_attr_nest_end(nlh, nest);
	ret = cpnl_do(nl, nlh, NULL, NULL);
	printf("# ret %d (%s), extack \"%s\"\n", ret, strerror(-ret),
	       cpnl_last_extack(nl));
	result(4, "extack_enodev",
	       ret == -ENODEV && cpnl_last_extack(nl)[0], NULL);
	cpnl_close(nl);
}

/* d: NLA_UINT helpers */
static void test_uint(void)
{
	char buf[256] __attribute__((aligned(8))) = {};
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const struct nlattr *a;
	int n = 0, ok = 1;

	cpnl_attr_put_uint(nlh, 1, 5);
	cpnl_attr_put_uint(nlh, 2, 1ULL << 40);
	cpnl_attr_put_uint(nlh, 3, UINT32_MAX);
	mnl_attr_for_each(a, nlh, 0) {
		static const struct { uint16_t len; uint64_t v; } exp[] = {
			{ 4, 5 }, { 8, 1ULL << 40 }, { 4, UINT32_MAX },
		};

		if (n >= 3 || mnl_attr_get_type(a) != n + 1 ||
		    mnl_attr_get_payload_len(a) != exp[n].len ||
		    cpnl_attr_get_uint(a) != exp[n].v)
			ok = 0;
		n++;
	}
	result(5, "nla_uint_roundtrip", ok && n == 3, NULL);
}

/* e: multicast notification when fou registers its family */
struct mcast_state {
	time_t deadline;
	int found;
};

static int mcast_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	struct mcast_state *st = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type == GENL_ID_CTRL &&
	    genl->cmd == CTRL_CMD_NEWFAMILY) {
		mnl_attr_for_each(a, nlh, sizeof(*genl)) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_NAME &&
			    !mnl_attr_validate(a, MNL_TYPE_NUL_STRING) &&
			    !strcmp(mnl_attr_get_str(a), "fou"))
				st->found = 1;
		}
	}
	if (st->found || time(NULL) > st->deadline)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

static void test_mcast(void)
{
	struct timeval tv = { .tv_sec = 5 };
	struct mcast_state st = {};
	struct cpnl *mon;
	int ret;

	/* built in (the debug kernel): no family appears on load */
	if (!system("grep -qs '/fou\\.ko$' /lib/modules/$(uname -r)/modules.builtin")) {
		result(6, "mcast_newfamily", 0, "fou is built into this kernel");
		return;
	}
	if (!access("/sys/module/fou", F_OK) &&
	    system("modprobe -q -r fou >/dev/null 2>&1")) {
		result(6, "mcast_newfamily", 0, "fou loaded and not removable");
		return;
	}
	mon = cpnl_open_monitor("nlctrl", "notify");
	if (!mon) {
		printf("# cpnl_open_monitor: %s\n", strerror(errno));
		result(6, "mcast_newfamily", 0, NULL);
		return;
	}
	setsockopt(cpnl_fd(mon), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (system("modprobe -q fou >/dev/null 2>&1")) {
		cpnl_close(mon);
		result(6, "mcast_newfamily", 0, "modprobe fou failed");
		return;
	}
	st.deadline = time(NULL) + 5;
	ret = cpnl_monitor(mon, mcast_cb, &st);
	printf("# monitor: ret %d, fou %sseen\n", ret, st.found ? "" : "not ");
	cpnl_close(mon);
	if (system("modprobe -q -r fou >/dev/null 2>&1"))
		printf("# warning: modprobe -r fou failed\n");
	result(6, "mcast_newfamily", st.found, NULL);
}

/* f: NLM_F_DUMP_INTR handling of the reply parser */
static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return MNL_CB_OK;
}

static size_t put_msg(char *buf, size_t off, uint16_t type, uint16_t flags,
		      uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + off);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	if (type == NLMSG_DONE)
		*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	else
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	return off + nlh->nlmsg_len;
}

static void test_dump_intr(struct cpnl *ctrl)
{
	char buf[1024] __attribute__((aligned(8))) = {};
	struct cpnl_rx rx = { .cb = count_cb, .seq = 42, .dump = true };
	int calls = 0, ret1, ret2, ok;
	size_t len = 0;

	/* stale, good, interrupted, good, done: 1 callback, intr set */
	len = put_msg(buf, len, GENL_ID_CTRL, NLM_F_MULTI, 41);
	len = put_msg(buf, len, GENL_ID_CTRL, NLM_F_MULTI, 42);
	len = put_msg(buf, len, GENL_ID_CTRL,
		      NLM_F_MULTI | NLM_F_DUMP_INTR, 42);
	len = put_msg(buf, len, GENL_ID_CTRL, NLM_F_MULTI, 42);
	len = put_msg(buf, len, NLMSG_DONE, NLM_F_MULTI, 42);
	rx.data = &calls;
	ret1 = cpnl_rx_feed(ctrl, &rx, buf, len);
	ok = !ret1 && rx.intr && calls == 1;

	/* clean dump split over two buffers: 2 callbacks, no intr */
	memset(&rx, 0, sizeof(rx));
	rx = (struct cpnl_rx){ .cb = count_cb, .data = &calls, .seq = 43,
			       .dump = true };
	calls = 0;
	len = put_msg(buf, 0, GENL_ID_CTRL, NLM_F_MULTI, 43);
	len = put_msg(buf, len, GENL_ID_CTRL, NLM_F_MULTI, 43);
	ret1 = cpnl_rx_feed(ctrl, &rx, buf, len);
	len = put_msg(buf, 0, NLMSG_DONE, NLM_F_MULTI, 43);
	ret2 = cpnl_rx_feed(ctrl, &rx, buf, len);
	ok = ok && ret1 == 1 && !ret2 && !rx.intr && calls == 2;
	result(7, "dump_intr_parse", ok, NULL);
}

int main(void)
{
	struct cpnl *ctrl;

	printf("TAP version 13\n");
	if (geteuid()) {
		printf("1..0 # SKIP must be run as root\n");
		return KSFT_SKIP;
	}
	printf("1..%d\n", NTESTS);
	fflush(stdout);

	test_resolve();
	ctrl = cpnl_open("nlctrl");
	if (!ctrl) {
		printf("Bail out! cannot open nlctrl: %s\n", strerror(errno));
		return 1;
	}
	test_dump(ctrl);
	test_extack();
	test_uint();
	test_mcast();
	test_dump_intr(ctrl);
	cpnl_close(ctrl);
	return failed;
}
