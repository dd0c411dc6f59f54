// SPDX-License-Identifier: GPL-2.0
/*
 * na_pkt - raw frame helper for the netagent selftests (scapy is far too
 * slow to start once per frame under TCG).
 *
 *   na_pkt send IFACE HEX...	send each hex-encoded frame on IFACE
 *   na_pkt flood IFACE MS HEX...	send the frames round-robin for MS ms
 *   na_pkt count IFACE MS	count frames received on IFACE for MS ms
 *				(keeps a packet tap open: shared skbs)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME	16384

static int open_sock(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
	};
	int fd;

	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "na_pkt: %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("na_pkt: socket");
		return -1;
	}
	return fd;
}

static int unhex(const char *s, unsigned char *buf)
{
	size_t n = strlen(s), i;
	unsigned int v;

	if (n % 2 || n / 2 > MAX_FRAME)
		return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		buf[i] = v;
	}
	return n / 2;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Send every frame once, or round-robin for @ms ms when @ms > 0. */
static int do_send(const char *ifname, long ms, int argc, char **argv)
{
	long end = now_ms() + ms;
	unsigned long sent = 0;
	unsigned char **frames;
	int fd, i, *lens;

	frames = calloc(argc + 1, sizeof(*frames));
	lens = calloc(argc + 1, sizeof(*lens));
	if (!frames || !lens)
		return 1;
	for (i = 0; i < argc; i++) {
		frames[i] = malloc(MAX_FRAME);
		if (!frames[i])
			return 1;
		lens[i] = unhex(argv[i], frames[i]);
		if (lens[i] < 0) {
			fprintf(stderr, "na_pkt: bad hex frame #%d\n", i);
			return 1;
		}
	}
	fd = open_sock(ifname);
	if (fd < 0)
		return 1;
	do {
		for (i = 0; i < argc; i++) {
			if (send(fd, frames[i], lens[i], 0) == lens[i]) {
				sent++;
			} else if (!ms) {
				perror("na_pkt: send");
				return 1;
			} else if (errno != ENOBUFS) {
				goto out;	/* the device went away */
			}
		}
	} while (ms && now_ms() < end);
out:
	close(fd);
	if (ms)
		printf("%lu\n", sent);
	return 0;
}

static int do_count(const char *ifname, long ms)
{
	static unsigned char buf[MAX_FRAME];
	struct sockaddr_ll from;
	socklen_t flen;
	long end = now_ms() + ms;
	unsigned long n = 0;
	struct pollfd pfd;

	pfd.fd = open_sock(ifname);
	if (pfd.fd < 0)
		return 1;
	pfd.events = POLLIN;
	while (now_ms() < end) {
		if (poll(&pfd, 1, end - now_ms()) <= 0)
			continue;
		flen = sizeof(from);
		if (recvfrom(pfd.fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &flen) >= 0 && from.sll_pkttype != PACKET_OUTGOING)
			n++;
	}
	printf("%lu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "send"))
		return do_send(argv[2], 0, argc - 3, argv + 3);
	if (argc >= 4 && !strcmp(argv[1], "flood"))
		return do_send(argv[2], atol(argv[3]), argc - 4, argv + 4);
	if (argc == 4 && !strcmp(argv[1], "count"))
		return do_count(argv[2], atol(argv[3]));
	fprintf(stderr,
		"usage: na_pkt send IFACE HEX... | flood IFACE MS HEX... | count IFACE MS\n");
	return 2;
}
