#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cbs_check, the offline metadata checker: clean metadata (fresh, after
# writeback I/O with dirty blocks, after removal) checks clean and its
# --dump / -j counts match `dmsetup status`; every kind of damage (a
# superblock byte, a mapping block byte, a duplicate mapping, an index out
# of range, dirty without valid, a wrong dirty count, an origin block
# beyond the origin) is reported with exit status 1; usage errors exit 2.
# ROW volumes: the B-trees and space maps check clean after writes,
# snapshots, deletes in several orders and a rollback, the -j counts match
# the status line, and a damaged node, a leaked or over-counted data or
# metadata block and a wrong mapped_blocks are each reported; the target
# refuses to count a leaf whose value size is not its own.

ALL_TESTS="test_clean test_dump_matches_status test_corruption test_usage
	   test_row_clean test_row_corruption test_row_value_size"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

CHECK=$TOOLS_DIR/cbs_check/cbs_check
DEV=/dev/mapper/cbs0
WB="writeback sequential_cutoff 0 promote_threshold 1 dirty_low 100 dirty_high 100"
IMG=/tmp/cbs-check.img

ROW_EDIT=$(dirname "$0")/row_edit.py
VOL_MB=64

[ -x "$CHECK" ] || ktap_skip_all "cbs_check not built (make -C tools/cbs_check)"

dirty_io()
{
	fio_job $DEV --rw=randwrite --bs=4k --size=8M --verify=crc32c \
		--randseed=21 --do_verify=0 --end_fsync=1
}

# json_field FIELD: a top-level field of `cbs_check -j $MD`
json_field()
{
	"$CHECK" -j "${2:-$MD}" | python3 -c \
		"import json, sys; print(json.load(sys.stdin)['$1'])"
}

test_clean()
{
	local out

	RET=0
	wipe_md
	"$CHECK" $MD > /dev/null
	check_err $? "all-zero metadata (not formatted) must check clean"
	# shellcheck disable=SC2086
	cbs_create $WB
	check_err $? "create"
	dmsetup suspend cbs0 && "$CHECK" $MD > /dev/null
	check_err $? "fresh metadata"
	dmsetup resume cbs0
	dirty_io
	check_err $? "fio"
	dmsetup suspend cbs0
	out=$("$CHECK" $MD)
	check_err $? "suspended after writeback I/O: $out"
	log_info "$out"
	dmsetup resume cbs0
	dm_remove cbs0
	"$CHECK" -q $MD
	check_err $? "after removal (clean shutdown)"
	log_test "clean metadata checks clean (fresh, dirty, removed)"
}

test_dump_matches_status()
{
	local used dirty dv dd

	RET=0
	wipe_md
	# shellcheck disable=SC2086
	cbs_create $WB
	dirty_io
	check_err $? "fio"
	dmsetup suspend cbs0
	used=$(status_named cache_used)
	dirty=$(status_named dirty)
	[ "$dirty" -gt 500 ]
	check_err $? "too few dirty blocks ($dirty)"
	read -r dv dd < <("$CHECK" --dump $MD | awk '$1 == "mapping:" { print $3, $5 }')
	check_eq "$dv" "$used" "--dump valid blocks vs status"
	check_eq "$dd" "$dirty" "--dump dirty blocks vs status"
	check_eq "$(json_field dirty_blocks)" "$dirty" "-j dirty_blocks vs status"
	check_eq "$("$CHECK" --dump $MD | grep -c '^  cblock .* dirty$')" "$dirty" \
		"--dump dirty entries"
	dmsetup resume cbs0
	# after a flush: nothing dirty, same number cached
	dmsetup message cbs0 0 flush
	dmsetup suspend cbs0
	check_eq "$(json_field dirty_blocks)" 0 "-j dirty_blocks after flush"
	check_eq "$(json_field valid_blocks)" "$(status_named cache_used)" \
		"-j valid_blocks after flush"
	dmsetup resume cbs0
	dm_remove cbs0
	log_test "--dump and -j counts match dmsetup status"
}

# corrupt IMG CASE: damage a copy of the metadata (python: needs CRC32C)
corrupt()
{
	python3 - "$1" "$2" <<'EOF'
import struct, sys

TABLE = []
for n in range(256):
    for _ in range(8):
        n = (n >> 1) ^ 0x82f63b78 if n & 1 else n >> 1
    TABLE.append(n)

def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc = TABLE[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc

img, case = sys.argv[1], sys.argv[2]
f = open(img, "r+b")
def blk(n):
    f.seek(n * 4096)
    return bytearray(f.read(4096))
def put(n, b, resum=True):
    if resum:
        b[0:4] = struct.pack("<I", crc32c(bytes(b[4:])))
    f.seek(n * 4096)
    f.write(b)
sbs = [blk(0), blk(1)]
gens = [struct.unpack_from("<Q", s, 16)[0] for s in sbs]
cur = 1 if gens[1] > gens[0] else 0
sb = sbs[cur]
start = struct.unpack_from("<Q", sb, 64)[0]
m = struct.unpack_from("<I", sb, 44)[0]
ncb = struct.unpack_from("<Q", sb, 48)[0]
def entries(b):
    return [struct.unpack_from("<Q", b, 16 + 8 * i)[0] for i in range(510)]
VALID, DIRTY = 1 << 63, 1 << 62
# a mapping block with at least two valid entries, one with a free entry
for k in range(m):
    ents = entries(blk(start + k))
    used = [i for i, e in enumerate(ents) if e & VALID]
    if len(used) >= 2:
        break
full = start + k
mb = blk(full)
if case == "sb_byte":
    sb[200] ^= 0x40
    put(cur, sb, resum=False)
elif case == "sb_other_byte":
    o = sbs[1 - cur]
    o[30] ^= 1
    put(1 - cur, o, resum=False)
elif case == "map_byte":
    mb[16 + 8 * used[0]] ^= 1
    put(full, mb, resum=False)
elif case == "duplicate":
    struct.pack_into("<Q", mb, 16 + 8 * used[1],
                     (ents[used[1]] & (VALID | DIRTY)) |
                     (ents[used[0]] & ((1 << 56) - 1)))
    put(full, mb)
elif case == "index_range":
    last = start + m - 1
    b = blk(last)
    i = ncb - (m - 1) * 510     # first entry past the last cache block
    struct.pack_into("<Q", b, 16 + 8 * i, VALID | 7)
    put(last, b)
elif case == "dirty_not_valid":
    for k in range(m):
        b = blk(start + k)
        free = [i for i, e in enumerate(entries(b))
                if not e and k * 510 + i < ncb]
        if free:
            break
    struct.pack_into("<Q", b, 16 + 8 * free[0], DIRTY | 5)
    put(start + k, b)
elif case == "count":
    struct.pack_into("<Q", sb, 72, struct.unpack_from("<Q", sb, 72)[0] + 1)
    put(cur, sb)
elif case == "beyond_origin":
    struct.pack_into("<Q", mb, 16 + 8 * used[0], VALID | ((1 << 40) + 3))
    put(full, mb)
elif case == "misdirected":
    b = blk(start + 1)
    put(start, b)
else:
    sys.exit("unknown case " + case)
EOF
}

test_corruption()
{
	local case msg out

	RET=0
	wipe_md
	# shellcheck disable=SC2086
	cbs_create $WB
	dirty_io
	check_err $? "fio"
	dm_remove cbs0
	dd if=$MD of=$IMG.orig bs=1M count=1 iflag=direct status=none
	"$CHECK" -q $IMG.orig
	check_err $? "image of clean metadata"
	while read -r case msg; do
		cp $IMG.orig $IMG
		corrupt $IMG "$case"
		check_err $? "corrupting ($case)"
		out=$("$CHECK" $IMG 2>&1)
		check_eq "$?" 1 "exit status for $case"
		echo "$out" | grep -q -- "$msg"
		check_err $? "$case: no '$msg' in: $out"
		log_info "$case: $(echo "$out" | head -n 1)"
		"$CHECK" -q $IMG
		check_eq "$?" 1 "exit status with -q for $case"
		[ -z "$("$CHECK" -q $IMG 2>&1)" ]
		check_err $? "-q printed something ($case)"
	done <<-EOF
		sb_byte checksum mismatch
		sb_other_byte checksum mismatch
		map_byte checksum mismatch
		duplicate mapped by cache blocks
		index_range beyond the
		dirty_not_valid entry not valid
		count dirty blocks, the mapping has
		beyond_origin beyond the origin
		misdirected misdirected write
	EOF
	# the kernel agrees with the checker on a duplicate mapping
	cp $IMG.orig $IMG
	corrupt $IMG duplicate
	dd if=$IMG of=$MD bs=1M oflag=direct status=none
	dmesg -C
	# shellcheck disable=SC2086
	cbs_create $WB 2> /dev/null
	check_fail $? "duplicate mapping accepted by the target"
	dmesg | grep -q "Origin block mapped twice"
	check_err $? "no clear error from the target"
	rm -f $IMG $IMG.orig
	log_test "damaged metadata: each error reported, exit status 1"
}

test_usage()
{
	RET=0
	"$CHECK" > /dev/null 2>&1
	check_eq "$?" 2 "no argument"
	"$CHECK" --bogus $MD > /dev/null 2>&1
	check_eq "$?" 2 "unknown option"
	"$CHECK" /nonexistent > /dev/null 2>&1
	check_eq "$?" 1 "missing device"
	"$CHECK" --help | grep -q "Exit status"
	check_err $? "usage documents the exit status"
	log_test "usage errors exit 2, unreadable device exits 1"
}

row_create()
{
	# shellcheck disable=SC2086
	ORIGIN_SECTORS=$((VOL_MB * 2048)) cbs_create row $WB
}

snap()
{
	dmsetup message cbs0 0 snapshot "$@"
}

# row_write MIB_OFFSET MIB: new data there (64k writes, fast under TCG)
row_write()
{
	dd if=/dev/urandom of=$DEV bs=64k seek=$(($1 * 16)) count=$(($2 * 16)) \
		oflag=direct status=none
}

# row_checked WHAT: cbs_check the suspended volume, its -j counts against
# the status line
row_checked()
{
	local out want got

	dmsetup suspend cbs0 || return 1
	out=$("$CHECK" -j $MD 2>&1)
	check_err $? "$1: $out"
	want="$(status_named data_used) $(status_named meta_used)"
	want+=" $(status_named mapped) $(status_named snapshots)"
	got=$(echo "$out" | python3 -c 'import json, sys
r = json.load(sys.stdin)["row"]
print(r["data_used"], r["meta_used"], r["mapped"], r["snapshots"])')
	check_eq "$got" "$want" "$1: -j data, metadata used, mapped, snapshots vs status"
	dmsetup resume cbs0
}

test_row_clean()
{
	local order s

	RET=0
	for order in "a b c" "c a b"; do
		wipe_md
		row_create
		check_err $? "create a ROW volume"
		row_checked "fresh ROW volume"
		row_write 0 4
		fio_job $DEV --rw=randwrite --bs=4k --offset=8M --size=1M --randseed=1
		snap create a && row_write 2 4 && snap create b &&
			row_write 4 4 && snap create c && row_write 0 2
		check_err $? "three snapshots, writes between"
		row_checked "three snapshots"
		dmsetup suspend cbs0 && snap rollback b && dmsetup resume cbs0
		check_err $? "rollback to b"
		row_checked "after the rollback to b"
		for s in $order; do
			snap delete $s
			check_err $? "delete $s"
			row_checked "after deleting $s (order $order)"
		done
		row_write 0 8
		row_checked "no snapshot left, overwritten"
		dm_remove cbs0
		"$CHECK" -q $MD
		check_err $? "removed (order $order)"
	done
	log_info "$("$CHECK" $MD | tail -n 1)"
	log_test "ROW: clean after writes, snapshots, rollback, deletes in 2 orders"
}

test_row_corruption()
{
	local case msg out what

	RET=0
	wipe_md
	row_create
	row_write 0 8
	snap create s1 && row_write 0 4 && snap create s2 && row_write 2 4
	check_err $? "writes and two snapshots"
	dm_remove cbs0
	dd if=$MD of=$IMG.orig bs=1M iflag=direct conv=sparse status=none
	"$CHECK" -q $IMG.orig
	check_err $? "image of clean ROW metadata"
	# CASE, then the message after what row_edit.py names (";" = none)
	while read -r case msg; do
		cp --sparse=always $IMG.orig $IMG
		what=$(python3 "$ROW_EDIT" $IMG "$case")
		check_err $? "damaging ($case)"
		[ "$msg" = ";" ] && msg=
		out=$("$CHECK" $IMG 2>&1)
		check_eq "$?" 1 "exit status for $case"
		echo "$out" | grep -q -- "$what$msg"
		check_err $? "$case: no '$what$msg' in: $out"
		log_info "$case: $(echo "$out" | head -n 1)"
		case $case in
		leaf_*) ;;
		*)	check_eq "$(echo "$out" | grep -c "error:")" 1 \
				"$case: exactly one error";;
		esac
		"$CHECK" -q $IMG
		check_eq "$?" 1 "exit status with -q for $case"
	done <<-EOF
		leaf_zero : all zero
		leaf_csum : checksum mismatch
		leak : leaked
		data_over : over-counted
		meta_leak : leaked
		mapped , its subtree has
	EOF
	rm -f $IMG $IMG.orig
	log_test "ROW: damaged node, leaks, over-count, mapped_blocks each reported"
}

# A snapshot's leaf that claims 4-byte values passes the kernel's node
# check (max_entries fits that size), but the exclusive count reads 8-byte
# values: it must refuse the leaf, not read past the block.
test_row_value_size()
{
	local what out

	RET=0
	wipe_md
	row_create
	row_write 0 8
	snap create s1 && row_write 0 8
	check_err $? "a snapshot, then every block it maps overwritten"
	dm_remove cbs0
	dd if=$MD of=$IMG bs=1M iflag=direct conv=sparse status=none
	what=$(python3 "$ROW_EDIT" $IMG value_size)
	check_err $? "damaging (value_size)"
	out=$("$CHECK" $IMG 2>&1)
	check_eq "$?" 1 "cbs_check exit status"
	echo "$out" | grep -q -- "$what: value size 4"
	check_err $? "no '$what: value size 4' in: $out"
	dd if=$IMG of=$MD bs=1M oflag=direct conv=notrunc status=none
	row_create
	check_err $? "the table loads (the damaged leaf is only the snapshot's)"
	snap list > /dev/null 2>&1
	check_fail $? "snapshot list counts over the damaged leaf"
	dmesg | tail -n 5 | grep -q "snapshot list: cannot read the snapshot list"
	check_err $? "no error for the snapshot list in the kernel log"
	dd if=$DEV of=/dev/null bs=1M count=8 iflag=direct status=none
	check_err $? "the volume still reads"
	dm_remove cbs0
	rm -f $IMG
	log_test "ROW: a leaf with a foreign value size is refused, not read past"
}

cbs_setup
tests_run
exit "$EXIT_STATUS"
