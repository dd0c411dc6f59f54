#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW snapshot demo (run in the VM by `make demo`): a 1 GiB thin
# volume over a 64 MiB data device. Write, snapshot, overwrite, read the
# snapshot through a read-only cbs-snap device while the volume changes,
# roll back, verify.

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
export PATH=$ROOT/tools/cbsctl:$PATH
T=$(mktemp -d)

run()
{
	echo "# $*"
	"$@" 2>&1 | sed 's/^/  /'
}

cleanup()
{
	for d in vol-backup vol ssd data; do
		dmsetup remove "$d" 2> /dev/null
	done
	rmmod dm-cbs brd 2> /dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# row_status: the ROW part of the status line
row_status()
{
	dmsetup status vol | awk '{ for (i = NF; i > 0; i--) if ($i == "row") {
		printf "  data %s, metadata %s, mapped %s, snapshots %s, redirected writes %s\n",
			$(i + 1), $(i + 2), $(i + 3), $(i + 5), $(i + 6); exit } }'
}

modprobe -a dm-mod dm-bufio dm-persistent-data libcrc32c || exit 1
rmmod brd 2> /dev/null
modprobe brd rd_nr=2 rd_size=$((64 * 1024)) || exit 1
insmod "$ROOT/kmod/cbs/dm-cbs.ko" || exit 1
dd if=/dev/zero of=/dev/ram0 bs=1M count=4 oflag=direct status=none
dmsetup create ssd --table "0 $((8 * 2048)) linear /dev/ram1 0"
dmsetup create data --table "0 $((56 * 2048)) linear /dev/ram1 $((8 * 2048))"
dmsetup mknodes

run dmsetup create vol --table "0 2097152 cbs /dev/ram0 /dev/mapper/ssd /dev/mapper/data 8 2 row writeback"
dmsetup mknodes vol
echo "# write 16 MiB (the 'release 1' state)"
head -c 16M /dev/urandom > "$T/v1"
dd if="$T/v1" of=/dev/mapper/vol bs=1M oflag=direct status=none
row_status
run cbsctl snapshot create vol release-1
echo "# the upgrade overwrites 8 MiB (whole blocks: redirected, no copy)"
head -c 8M /dev/urandom > "$T/v2"
dd if="$T/v2" of=/dev/mapper/vol bs=1M oflag=direct status=none
row_status
run cbsctl snapshot list vol
echo "# the snapshot as its own read-only device, for a backup"
run dmsetup create --readonly vol-backup --table "0 2097152 cbs-snap /dev/ram0 release-1"
dmsetup mknodes vol-backup
cmp -s -n 16M "$T/v1" /dev/mapper/vol-backup && echo "  vol-backup holds release 1"
cmp -s -n 8M "$T/v2" /dev/mapper/vol && echo "  vol holds the upgrade"
run dmsetup remove vol-backup
echo "# the upgrade went wrong: roll back (suspended)"
run dmsetup suspend vol
run cbsctl snapshot rollback vol release-1
run dmsetup resume vol
cmp -s -n 16M "$T/v1" <(dd if=/dev/mapper/vol bs=1M count=16 iflag=direct status=none) &&
	echo "  vol holds release 1 again"
row_status
run cbsctl snapshot delete vol release-1
row_status
run dmsetup remove vol
