#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs demo (run in the VM by `make demo`): a RAM "SSD" caches a slow
# origin (a RAM disk behind dm-delay, 2 ms per I/O). A hot set is read
# twice and promoted; reads of it then come from the cache. A one-pass
# scan does not push it out. Writes in writeback mode stay dirty until a
# flush; the dirty state survives removing and re-creating the device.

set -u

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
export PATH=$ROOT/tools/cbsctl:$PATH
MB=64
SECTORS=$((MB * 2048))

run()
{
	echo "# $*"
	"$@" 2>&1 | sed 's/^/  /'
}

cleanup()
{
	for d in cbsdemo slow ssd; do
		dmsetup remove "$d" 2> /dev/null
	done
	rmmod dm-cbs brd 2> /dev/null
}
trap cleanup EXIT

iops()
{
	fio --name=demo --filename=/dev/mapper/cbsdemo --direct=1 --ioengine=psync \
	    --rw=randread --bs=4k --size=1M --runtime=2 --time_based \
	    --output-format=terse --terse-version=3 | awk -F';' '{ print $8 " IOPS" }'
}

modprobe -a dm-mod dm-bufio dm-delay libcrc32c || exit 1
rmmod brd 2> /dev/null
modprobe brd rd_nr=3 rd_size=$((MB * 1024)) || exit 1
insmod "$ROOT/kmod/cbs/dm-cbs.ko" || exit 1
dd if=/dev/zero of=/dev/ram0 bs=1M count=1 oflag=direct status=none
dmsetup create ssd --table "0 $((4 * 2048)) linear /dev/ram1 0"
dmsetup create slow --table "0 $SECTORS delay /dev/ram2 0 2"
dmsetup mknodes

TABLE="0 $SECTORS cbs /dev/ram0 /dev/mapper/ssd /dev/mapper/slow 8 1 writeback"
run dmsetup create cbsdemo --table "$TABLE"
dmsetup mknodes cbsdemo
run dmsetup table cbsdemo
echo "# cache 4 MiB; random 4k reads of a 1 MiB hot set, cold: $(iops)"
for i in 1 2; do
	dd if=/dev/mapper/cbsdemo of=/dev/null bs=4k count=256 iflag=direct status=none
done
echo "# same hot set, once promoted:                           $(iops)"
echo "# a 12 MiB one-pass scan (3x the cache)..."
dd if=/dev/mapper/cbsdemo of=/dev/null bs=4k skip=1024 count=3072 iflag=direct status=none
run cbsctl stats clear cbsdemo
echo "# hot set after the scan:                                $(iops)"
run cbsctl volume show cbsdemo
echo "# 1 MiB of random writes, twice, in writeback mode (the SSD absorbs them)"
fio --name=w --filename=/dev/mapper/cbsdemo --direct=1 --rw=randwrite --bs=4k \
    --offset=16M --size=1M --loops=2 --output-format=terse > /dev/null
run cbsctl -j volume show cbsdemo
echo "# remove and re-create: the dirty blocks are still known"
run dmsetup remove cbsdemo
run dmsetup create cbsdemo --table "$TABLE"
dmsetup status cbsdemo | awk '{ print "  dirty blocks: " $14 }'
run cbsctl cache flush cbsdemo
dmsetup status cbsdemo | awk '{ print "  dirty blocks after flush: " $14 }'
run dmsetup remove cbsdemo
