#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cbs.sh - dm-cbs against the raw devices and dm-cache smq, in the VM:
#   scripts/vm-run --timeout 3600 -- scripts/bench/cbs.sh [SECONDS]
#
# Devices: brd RAM disks; the "SSD" is a RAM slice (CACHE_MB), the slow
# origin a RAM disk behind dm-delay (DELAY_MS per I/O, ORIGIN_MB). Each
# cached configuration is warmed with the workload first, then measured:
#   zipf       fio 4k random reads, zipf 1.2 (theta) over the whole origin
#   zipf+scan  the same after a one-pass sequential read of the origin
#   zipf-rw    4k random 70/30 read/write, zipf 1.2
#   seq        1 MiB sequential reads
# Printed: IOPS (MiB/s for seq), p99 completion latency, read hit ratio
# from the status line, RAM per cache block. Numbers are from a TCG guest:
# compare them with each other, not with real hardware.

set -u

SECS=${1:-15}
CACHE_MB=${CACHE_MB:-64}
ORIGIN_MB=${ORIGIN_MB:-512}
DELAY_MS=${DELAY_MS:-1}
ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
OSECT=$((ORIGIN_MB * 2048))
OUT=$(mktemp -d)

cleanup()
{
	for d in bench ssd slow md; do
		dmsetup remove "$d" 2> /dev/null
	done
	rmmod dm-cbs 2> /dev/null
	rmmod brd 2> /dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT

modprobe -a dm-mod dm-bufio dm-delay dm-cache dm-cache-smq libcrc32c || exit 1
rmmod brd 2> /dev/null
modprobe brd rd_nr=3 rd_size=$((ORIGIN_MB * 1024)) || exit 1
grep -q '^dm_cbs ' /proc/modules || insmod "$ROOT/kmod/cbs/dm-cbs.ko" || exit 1
dmsetup create md --table "0 $((32 * 2048)) linear /dev/ram0 0"
dmsetup create ssd --table "0 $((CACHE_MB * 2048)) linear /dev/ram1 0"
dmsetup create slow --table "0 $OSECT delay /dev/ram2 0 $DELAY_MS"
dmsetup mknodes
# a written origin, so reads are not of holes
dd if=/dev/urandom of=/dev/ram2 bs=1M count="$ORIGIN_MB" oflag=direct status=none

# fio_run NAME DEV OPTS...: JSON result in $OUT/NAME.json
fio_run()
{
	local name=$1 dev=$2

	shift 2
	fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio \
	    --iodepth=4 --runtime="$SECS" --time_based --randseed=42 \
	    --norandommap --output-format=json "$@" > "$OUT/$name.json"
}

# fio_num NAME rw|read|write iops|p99|bw
fio_num()
{
	python3 - "$OUT/$1.json" "$2" "$3" << 'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
dirs = ["read", "write"] if sys.argv[2] == "rw" else [sys.argv[2]]
what = sys.argv[3]
if what == "iops":
    print("%.0f" % sum(j[d]["iops"] for d in dirs))
elif what == "bw":
    print("%.0f" % (sum(j[d]["bw"] for d in dirs) / 1024))
else:
    p = [j[d]["clat_ns"]["percentile"].get("99.000000", 0) for d in dirs
         if j[d]["io_bytes"]]
    print("%.0f" % (max(p) / 1000 if p else 0))
PY
}

# hits_mark / hit_ratio: read hit ratio since the mark (dm-cache has no
# clear_stats, so deltas of the status counters)
hits_mark()
{
	MARK=$(dmsetup status bench | awk '{ print $8, $9 }')
}

hit_ratio()
{
	dmsetup status bench | awk -v mark="$MARK" '{ split(mark, o, " ")
		h = $8 - o[1]; m = $9 - o[2]
		if (h + m) printf "%.1f%%", 100 * h / (h + m); else print "-" }'
}

ZIPF=(--rw=randread --bs=4k --random_distribution=zipf:1.2)
RW=(--rw=randrw --rwmixread=70 --bs=4k --random_distribution=zipf:1.2)

# bench_dev LABEL DEV CACHED(0|1) RAM
bench_dev()
{
	local label=$1 dev=$2 cached=$3 ram=$4 h1=- h2=- h3=-

	[ "$cached" = 1 ] && fio_run warm "$dev" "${ZIPF[@]}"
	[ "$cached" = 1 ] && hits_mark
	fio_run zipf "$dev" "${ZIPF[@]}"
	[ "$cached" = 1 ] && h1=$(hit_ratio)
	dd if="$dev" of=/dev/null bs=1M iflag=direct status=none
	[ "$cached" = 1 ] && hits_mark
	fio_run scan "$dev" "${ZIPF[@]}"
	[ "$cached" = 1 ] && h2=$(hit_ratio)
	[ "$cached" = 1 ] && hits_mark
	fio_run rw "$dev" "${RW[@]}"
	[ "$cached" = 1 ] && h3=$(hit_ratio)
	fio_run seq "$dev" --rw=read --bs=1M
	printf '| %-22s | %8s | %7s | %6s | %8s | %7s | %6s | %8s | %7s | %6s | %7s | %5s |\n' \
		"$label" \
		"$(fio_num zipf read iops)" "$(fio_num zipf read p99)" "$h1" \
		"$(fio_num scan read iops)" "$(fio_num scan read p99)" "$h2" \
		"$(fio_num rw rw iops)" "$(fio_num rw rw p99)" "$h3" \
		"$(fio_num seq read bw)" "$ram"
}

cache_clear()
{
	dmsetup remove bench 2> /dev/null
	dd if=/dev/zero of=/dev/mapper/md bs=1M count=32 oflag=direct status=none
	dd if=/dev/zero of=/dev/mapper/ssd bs=1M count=1 oflag=direct status=none
}

echo "cbs benchmark: cache ${CACHE_MB} MiB (RAM), origin ${ORIGIN_MB} MiB (RAM + ${DELAY_MS} ms dm-delay), fio iodepth 4, ${SECS} s per run"
echo
printf '| %-22s | %8s | %7s | %6s | %8s | %7s | %6s | %8s | %7s | %6s | %7s | %5s |\n' \
	config "zipf IOPS" "p99 us" hit "scan IOPS" "p99 us" hit "rw IOPS" "p99 us" hit "seq MiB/s" "B/blk"
echo "|------------------------|----------|---------|--------|----------|---------|--------|----------|---------|--------|---------|-------|"
bench_dev "raw SSD (limit)" /dev/mapper/ssd 0 -
bench_dev "raw slow origin" /dev/mapper/slow 0 -

for cfg in "dm-cache smq wb 32K|cache /dev/mapper/md /dev/mapper/ssd /dev/mapper/slow 64 1 writeback smq 0" \
	   "cbs writeback 4K|cbs /dev/mapper/md /dev/mapper/ssd /dev/mapper/slow 8 1 writeback" \
	   "cbs writethrough 4K|cbs /dev/mapper/md /dev/mapper/ssd /dev/mapper/slow 8 1 writethrough" \
	   "cbs writeback 32K|cbs /dev/mapper/md /dev/mapper/ssd /dev/mapper/slow 64 1 writeback"; do
	cache_clear
	dmsetup create bench --table "0 $OSECT ${cfg#*|}" || continue
	dmsetup mknodes bench
	ram=$(dmsetup status bench | awk '$3 == "cbs" { print $NF }')
	bench_dev "${cfg%%|*}" /dev/mapper/bench 1 "${ram:-~25}"
done
cache_clear
