#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cbs-snap.sh - dm-cbs ROW snapshots against dm-thin snapshots and
# dm-snapshot (COW), same RAM devices, one VM run (make bench-cbs-snap):
#   scripts/vm-run --mem 4G --timeout 3600 -- scripts/bench/cbs-snap.sh [SECONDS]
#
# For each target and 0, 1 and 10 snapshots: a 32 MiB region is written
# (mapped), the snapshots are taken, then 4k random writes, fio iodepth 4:
#   first  each block of the region overwritten once, in random order:
#          every write lands on a block the snapshots share (the snapshot
#          cost: redirect, copy-out or copy)
#   steady SECONDS of random overwrites of the region afterwards
# Then cbs snapshot create and rollback times (the message ioctl alone,
# and dmsetup suspend + message + resume) on 1 GiB and 16 GiB volumes with
# 256 MiB written before the snapshot and 64 or 256 MiB after, dm-thin's
# create_snap for comparison, and the metadata used per TiB of mapped
# data, cbs and dm-thin.
# cbs runs in passthrough mode (the ROW map alone, no SSD cache in the
# way), with 4 KiB blocks and with 64 KiB blocks; dm-thin's smallest block
# is 64 KiB, so its snapshot writes copy 64 KiB blocks. Numbers are from a TCG guest:
# compare them with each other, not with real hardware.

set -u

SECS=${1:-10}
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
OUT=$(mktemp -d)
REGION_MB=32
MSG=$ROOT/scripts/bench/dm_msg.py
NAMES=()

cleanup()
{
	local i

	for ((i = ${#NAMES[@]} - 1; i >= 0; i--)); do
		dmsetup remove --retry "${NAMES[i]}" 2> /dev/null
	done
	rmmod dm-cbs 2> /dev/null
	rmmod brd 2> /dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT

# dm NAME TABLE [--readonly]: create a device
dm()
{
	dmsetup create "$1" --table "$2" || exit 1
	dmsetup mknodes "$1"
	NAMES+=("$1")
}

# undm NAME...: remove devices
undm()
{
	local n i

	for n in "$@"; do
		dmsetup remove --retry "$n" || exit 1
		for i in "${!NAMES[@]}"; do
			[ "${NAMES[i]}" = "$n" ] && unset "NAMES[i]"
		done
	done
	NAMES=("${NAMES[@]}")
}

modprobe -a dm-mod dm-bufio dm-persistent-data dm-thin-pool dm-snapshot libcrc32c || exit 1
rmmod brd 2> /dev/null
modprobe brd rd_nr=2 rd_size=$((2048 * 1024)) || exit 1
grep -q '^dm_cbs ' /proc/modules || insmod "$ROOT/kmod/cbs/dm-cbs.ko" || exit 1
MB=2048
dm cdata "0 $((512 * MB)) linear /dev/ram0 0"
dm tdata "0 $((512 * MB)) linear /dev/ram0 $((512 * MB))"
dm sbase "0 $((REGION_MB * 2 * MB)) linear /dev/ram0 $((1024 * MB))"
for i in $(seq 1 10); do
	dm "cow$i" "0 $((48 * MB)) linear /dev/ram0 $(((1088 + 48 * (i - 1)) * MB))"
done
dm cmd "0 $((64 * MB)) linear /dev/ram1 0"
dm ssd "0 $((64 * MB)) linear /dev/ram1 $((64 * MB))"
dm tmd "0 $((64 * MB)) linear /dev/ram1 $((128 * MB))"

# fio_iops NAME DEV OPTS...: IOPS of a 4k random write run
fio_iops()
{
	local name=$1 dev=$2

	shift 2
	fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio --iodepth=4 \
	    --rw=randwrite --bs=4k --offset=0 --size=${REGION_MB}M --randseed=42 \
	    --output-format=json "$@" > "$OUT/$name.json" || return 1
	python3 -c 'import json, sys; print("%.0f" % json.load(open(sys.argv[1]))["jobs"][0]["write"]["iops"])' \
		"$OUT/$name.json"
}

# ms MICROSECONDS: in milliseconds, one decimal
ms()
{
	awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'
}

fill()
{
	dd if=/dev/urandom of="$1" bs=1M count=$REGION_MB oflag=direct status=none
}

zero()
{
	dd if=/dev/zero of="$1" bs=1M count="$2" oflag=direct status=none
}

# cbs_row_field N: the Nth field after "row" in the volume's status
cbs_row_field()
{
	dmsetup status "$1" | awk -v n="$2" '{ for (i = NF; i > 0; i--) if ($i == "row") {
		print $(i + n); exit } }'
}

# Each setup function creates the device "vol" with N snapshots of the
# written region, each teardown removes what it made.
cbs_setup()
{
	local i

	zero /dev/mapper/cmd 4
	dm vol "0 $((1024 * MB)) cbs /dev/mapper/cmd /dev/mapper/ssd /dev/mapper/cdata ${CBS_BLOCK:-8} 2 row passthrough"
	fill /dev/mapper/vol
	for ((i = 1; i <= $1; i++)); do
		dmsetup message vol 0 snapshot create "s$i" || exit 1
	done
}

cbs_teardown()
{
	undm vol
}

# cbs with 64 KiB blocks, as dm-thin's: a 4k write to a shared block
# copies the other 60 KiB
cbs64_setup()
{
	CBS_BLOCK=128 cbs_setup "$@"
}

cbs64_teardown()
{
	undm vol
}

thin_setup()
{
	local i

	zero /dev/mapper/tmd 4
	dm pool "0 $((512 * MB)) thin-pool /dev/mapper/tmd /dev/mapper/tdata 128 0 1 skip_block_zeroing"
	dmsetup message pool 0 "create_thin 0" || exit 1
	dm vol "0 $((1024 * MB)) thin /dev/mapper/pool 0"
	fill /dev/mapper/vol
	for ((i = 1; i <= $1; i++)); do
		dmsetup suspend vol && dmsetup message pool 0 "create_snap $i 0" &&
			dmsetup resume vol || exit 1
	done
}

thin_teardown()
{
	undm vol pool
}

cow_setup()
{
	local i

	fill /dev/mapper/sbase
	dm vol "0 $((REGION_MB * 2 * MB)) snapshot-origin /dev/mapper/sbase"
	for ((i = 1; i <= $1; i++)); do
		zero "/dev/mapper/cow$i" 1
		dmsetup suspend vol || exit 1
		dm "snap$i" "0 $((REGION_MB * 2 * MB)) snapshot /dev/mapper/sbase /dev/mapper/cow$i P 8"
		dmsetup resume vol || exit 1
	done
	COW_N=$1
}

cow_teardown()
{
	local i

	undm vol
	for ((i = 1; i <= COW_N; i++)); do
		undm "snap$i"
	done
}

echo "cbs ROW snapshot benchmark: ${REGION_MB} MiB region, 4k random writes, fio iodepth 4, ${SECS} s steady runs"
echo
printf '| %-28s | %11s | %11s | %11s | %11s | %11s | %11s |\n' target \
	"first, 0 sn" "first, 1 sn" "first, 10 sn" "steady, 0" "steady, 1" "steady, 10"
echo "|------------------------------|-------------|-------------|-------------|-------------|-------------|-------------|"
for t in "cbs|cbs ROW 4K (passthrough)" "cbs64|cbs ROW 64K (passthrough)" "thin|dm-thin 64K" \
	 "cow|dm-snapshot COW 4K"; do
	first=() steady=()
	for n in 0 1 10; do
		"${t%%|*}_setup" "$n"
		first+=("$(fio_iops "${t%%|*}-first-$n" /dev/mapper/vol)")
		steady+=("$(fio_iops "${t%%|*}-steady-$n" /dev/mapper/vol --norandommap \
			--time_based --runtime="$SECS")")
		"${t%%|*}_teardown"
	done
	printf '| %-28s | %11s | %11s | %11s | %11s | %11s | %11s |\n' "${t#*|}" \
		"${first[@]}" "${steady[@]}"
done

echo
echo "cbs snapshot create and rollback: the message ioctl alone (dm_msg.py), and dmsetup suspend + message + resume"
echo "(three dmsetup runs, each about 140 ms to start under TCG); 256 MiB written before the snapshot:"
printf '| %-12s | %-22s | %10s | %11s | %13s |\n' volume "written after snapshot" "create ms" "rollback ms" "susp+msg+res"
echo "|--------------|------------------------|------------|-------------|---------------|"
for vol_gb in 1 16; do
	for after in 64 256; do
		zero /dev/mapper/cmd 4
		dm vol "0 $((vol_gb * 1024 * MB)) cbs /dev/mapper/cmd /dev/mapper/ssd /dev/mapper/cdata 8 2 row passthrough"
		dd if=/dev/urandom of=/dev/mapper/vol bs=1M count=256 oflag=direct status=none
		create=$("$MSG" vol snapshot create base) || exit 1
		dd if=/dev/urandom of=/dev/mapper/vol bs=1M count="$after" oflag=direct status=none
		t0=$(date +%s%N)
		dmsetup suspend vol || exit 1
		rollback=$("$MSG" vol snapshot rollback base) || exit 1
		dmsetup resume vol || exit 1
		t1=$(date +%s%N)
		printf '| %-12s | %-22s | %10s | %11s | %13s |\n' "$vol_gb GiB" "$after MiB" \
			"$(ms "$create")" "$(ms "$rollback")" $(((t1 - t0) / 1000000))
		undm vol
	done
done

zero /dev/mapper/tmd 4
dm pool "0 $((512 * MB)) thin-pool /dev/mapper/tmd /dev/mapper/tdata 128 0 1 skip_block_zeroing"
dmsetup message pool 0 "create_thin 0" || exit 1
dm vol "0 $((1024 * MB)) thin /dev/mapper/pool 0"
dd if=/dev/urandom of=/dev/mapper/vol bs=1M count=256 oflag=direct status=none
dmsetup suspend vol || exit 1
create=$("$MSG" pool create_snap 1 0) || exit 1
dmsetup resume vol || exit 1
undm vol pool
echo "dm-thin create_snap on the same 1 GiB / 256 MiB (origin suspended, message ioctl alone): $(ms "$create") ms; dm-thin has no rollback"

echo
echo "metadata per TiB of mapped data (256 MiB written to a new volume):"
zero /dev/mapper/cmd 4
dm vol "0 $((1024 * MB)) cbs /dev/mapper/cmd /dev/mapper/ssd /dev/mapper/cdata 8 2 row passthrough"
m0=$(cbs_row_field vol 2 | cut -d/ -f1)
dd if=/dev/urandom of=/dev/mapper/vol bs=1M count=256 oflag=direct status=none
dmsetup message vol 0 flush > /dev/null
m1=$(cbs_row_field vol 2 | cut -d/ -f1)
undm vol
zero /dev/mapper/tmd 4
dm pool "0 $((512 * MB)) thin-pool /dev/mapper/tmd /dev/mapper/tdata 128 0 1 skip_block_zeroing"
dmsetup message pool 0 "create_thin 0" || exit 1
dm vol "0 $((1024 * MB)) thin /dev/mapper/pool 0"
t0=$(dmsetup status pool | awk '{ split($5, a, "/"); print a[1] }')
dd if=/dev/urandom of=/dev/mapper/vol bs=1M count=256 oflag=direct status=none
sync
dmsetup message pool 0 "reserve_metadata_snap" 2> /dev/null
dmsetup message pool 0 "release_metadata_snap" 2> /dev/null
t1=$(dmsetup status pool | awk '{ split($5, a, "/"); print a[1] }')
undm vol pool
# 4 KiB metadata blocks per 256 MiB, times 4096 for a TiB, in MiB
printf '| %-20s | %10s | %14s |\n' target "block size" "MiB per TiB"
echo "|----------------------|------------|----------------|"
printf '| %-20s | %10s | %14s |\n' "cbs ROW" "4 KiB" $(((m1 - m0) * 4096 * 4 / 1024))
printf '| %-20s | %10s | %14s |\n' "dm-thin" "64 KiB" $(((t1 - t0) * 4096 * 4 / 1024))
