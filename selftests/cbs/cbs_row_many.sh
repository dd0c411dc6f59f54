#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW volumes with many snapshots (1000; fewer on slow kernels):
# each snapshot is its own point in time, one redirect per shared block
# whatever their number, and deleting them all in random order frees
# every block they held. Its own script: creating them takes minutes
# under TCG.

ALL_TESTS="test_many"

RAM_MB=128
ORIGIN_MB=32
CACHE_MB=8
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

DEV=/dev/mapper/cbs0
VOL_MB=64
T=/tmp/cbs_row_many

# Many snapshots: block i written before snapshot i, so snapshot i maps
# blocks 0..i-1 with their first contents. Spot checks through cbs-snap,
# then everything deleted in random order leaves the volume's blocks only.
test_many()
{
	local n=${SNAP_MANY:-$((1000 / ${CLOUDPLANE_TIMEOUT_SCALE:-1}))} i t0 used

	RET=0
	wipe_md
	row_create
	t0=$(date +%s)
	for ((i = 1; i <= n; i++)); do
		printf '%4096d' $i | dd of=$DEV bs=4k seek=$((i - 1)) oflag=direct status=none &&
			snap create "s$i" || break
	done
	check_eq "$i" $((n + 1)) "$n writes and snapshots"
	log_info "$n snapshots in $(($(date +%s) - t0)) s"
	check_eq "$(status_named snapshots)" "$n" "snapshots in status"
	check_eq "$(snap list | wc -l)" "$n" "snapshots listed"
	head -c 4M /dev/urandom > $T.v
	dd if=$T.v of=$DEV bs=4k oflag=direct status=none
	check_eq "$(status_named redirects)" "$n" "one redirect per shared block"
	for i in 1 $((n / 2)) $n; do
		snap_dev snapm "s$i" &&
			cmp -s <(printf '%4096d' $i) <(dd if=/dev/mapper/snapm bs=4k skip=$((i - 1)) \
						       count=1 iflag=direct status=none) &&
			cmp -s -n 4096 /dev/zero <(dd if=/dev/mapper/snapm bs=4k skip=$i count=1 \
						   iflag=direct status=none) &&
			dm_remove snapm
		check_err $? "snapshot s$i holds block $i's first data and nothing after"
	done
	used=$(status_named data_used)
	check_eq "$used" $((1024 + n)) "data blocks: the volume's and the snapshots' old ones"
	for i in $(seq 1 "$n" | shuf); do
		snap delete "s$i" || break
	done
	check_eq "$(status_named snapshots)" 0 "all deleted"
	check_eq "$(status_named data_used)" 1024 "only the volume's blocks left"
	same $T.v 0
	check_err $? "volume data"
	dm_remove cbs0
	log_test "$n snapshots: each its own point in time, deleted in random order"
}

cbs_setup
row_data_setup || exit 1
defer rm -f "$T".*
tests_run
exit "$EXIT_STATUS"
