// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD helper for fault_inject_each (selftests/lib.sh): arms
 * /proc/thread-self/fail-nth with $FAIL_NTH after exec, so the command's
 * own system calls are counted and exec's are not, and at exit writes the
 * count left to $FAIL_NTH_REPORT: 0 means the n-th injection point was
 * reached and failed, anything else that the command made fewer calls.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAIL_NTH_PATH "/proc/thread-self/fail-nth"

__attribute__((constructor)) static void fail_nth_arm(void)
{
	const char *nth = getenv("FAIL_NTH");
	int fd;

	if (!nth || !*nth)
		return;
	fd = open(FAIL_NTH_PATH, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, nth, strlen(nth)) < 0)
		perror("fail_nth: " FAIL_NTH_PATH);
	close(fd);
}

__attribute__((destructor)) static void fail_nth_report(void)
{
	const char *report = getenv("FAIL_NTH_REPORT");
	char left[32] = "";
	ssize_t len;
	int fd;

	if (!report || !*report)
		return;
	fd = open(FAIL_NTH_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	len = read(fd, left, sizeof(left) - 1);
	/* disarm, whatever is left */
	if (write(fd, "0", 1) < 0)
		len = -1;
	close(fd);
	if (len <= 0)
		return;
	fd = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, left, len) < 0)
		perror("fail_nth: report");
	close(fd);
}
