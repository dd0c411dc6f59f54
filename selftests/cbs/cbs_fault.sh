#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs under fault injection (debug kernel only, skips elsewhere): the
# n-th allocation made from module code fails, for every n, in table
# construction over fresh and over formatted metadata, a table reload, the
# flush message and every netlink command; for ROW volumes (run by
# cbs_fault_row.sh) their construction, snapshot create, delete, list and
# rollback, and the construction of a cbs-snap device. After each run the device is
# either absent or works (I/O, status) and is removed without leftovers;
# no splat (run.sh) and no leak (kmemleak scan of run.sh -k). Each run
# costs seconds on the emulated debug kernel: the checks are lean, and the
# table construction tests run as cbs_fault_fresh.sh and cbs_fault_load.sh,
# each with its own timeout.
# CBS_FAULT_TESTS (or CLOUDPLANE_CBS_FAULT_TESTS, which travels into the
# VM) picks tests.

ALL_TESTS="
	test_netlink
	test_flush_message
	test_reload
"
TESTS=${CBS_FAULT_TESTS:-${CLOUDPLANE_CBS_FAULT_TESTS:-}}

. "$(dirname "$0")/../lib.sh"

require_vm
require_root
fault_inject_setup || exit 1

# dm_param NAME VALUE: set a dm-mod parameter for this test (restored at
# exit). The library objects a table builds preallocate in loops: the
# kcopyd client's page reserve (one allocation per page of a sub-job:
# 256 injection points at the default 512 KiB) and each dm-io client's
# mempools (reserved_bio_based_ios elements each). Every iteration is the
# same call site and the same error path, so the runs shrink them to one
# page and one element: hundreds fewer runs, the same code covered.
dm_param()
{
	local f=/sys/module/dm_mod/parameters/$1

	[ -w "$f" ] || return 0
	defer sh -c "echo $(cat "$f") > $f"
	echo "$2" > "$f"
}
dm_param kcopyd_subjob_size_kb 4
dm_param reserved_bio_based_ios 1

# small devices: fewer allocations, faster runs (brd is 64 MiB when built in)
RAM_MB=64
CACHE_MB=1
ORIGIN_MB=8
. "$(dirname "$0")/cbs_lib.sh"

CBSCTL=$TOOLS_DIR/cbsctl/cbsctl
DEV=/dev/mapper/cbsf
MAX=1500
CREATED=0

table()
{
	cbs_table writeback sequential_cutoff 0 promote_threshold 1 "$@"
}

# Each check below runs once per injection point, hundreds of times per
# test, and a process start costs about a second on the emulated
# debug kernel: the checks use shell builtins and sysfs where a program
# is not needed (dm_exists, one dmsetup status per check).

# dm_exists NAME: a device-mapper device NAME exists; its node (devtmpfs)
# is left in DM_DEV. No dmsetup: sysfs names it.
dm_exists()
{
	local f n

	for f in /sys/block/dm-*/dm/name; do
		[ -r "$f" ] || continue
		read -r n < "$f" && [ "$n" = "$1" ] || continue
		f=${f#/sys/block/}
		DM_DEV=/dev/${f%%/*}
		[ -b "$DM_DEV" ]
		return
	done
	return 1
}

# status_rw: RW="rw" or "ro", the metadata state in cbsf's status line
# $ST (the field status_named calls rw, found the same way, without awk)
status_rw()
{
	local -a f
	local i

	read -ra f <<< "$ST"
	i=$((15 + f[14]))		# after the feature words: core args
	i=$((i + f[i] + 2))		# after them and the policy name: its args
	i=$((i + f[i] + 1))
	RW=${f[i]}
}

# works: the live device serves reads and writes and reports a status
# (left in ST)
works()
{
	dm_exists cbsf &&
		dd if=/dev/urandom of="$DM_DEV" bs=4k count=8 seek=16 oflag=direct status=none &&
		dd if="$DM_DEV" of=/dev/null bs=4k count=32 iflag=direct status=none &&
		ST=$(dmsetup status cbsf) && [[ "$ST" == *" cbs "* ]]
}

# after_create: the device is absent, or works and is removed; a failed
# format may leave a partial superblock: zero both slots for the next run
after_create()
{
	if dm_exists cbsf; then
		works || { log_info "created, but does not work"; return 1; }
		dmsetup remove cbsf || { log_info "cannot remove"; return 1; }
		CREATED=$((CREATED + 1))
	fi
	[ -z "${FRESH:-}" ] ||
		dd if=/dev/zero of="$MD" bs=8k count=1 oflag=direct status=none
}

test_create_fresh()
{
	RET=0
	wipe_md
	CREATED=0
	FRESH=1 FAULT_AFTER=after_create fault_inject_each $MAX \
		dmsetup create --noudevsync cbsf --table "$(table)"
	check_err $? "create over fresh metadata under fault injection"
	log_info "$FAULT_POINTS injection points, $CREATED runs created the device"
	dmsetup create --noudevsync cbsf --table "$(table)" && works && dmsetup remove cbsf &&
		! dm_exists cbsf
	check_err $? "create and remove after the fault runs"
	log_test "create (format): each allocation failing in turn"
}

# after_load: as after_create, and the dirty blocks are still known
after_load()
{
	local dirty

	if dm_exists cbsf; then
		dirty=$(CBS=cbsf status_named dirty)
		[ "$dirty" = "$DIRTY" ] || { log_info "dirty $dirty, want $DIRTY"; return 1; }
	fi
	after_create
}

test_create_load()
{
	RET=0
	wipe_md
	dmsetup create --noudevsync cbsf --table "$(table dirty_low 100 dirty_high 100)" &&
		dmsetup mknodes cbsf &&
		dd if=/dev/urandom of=$DEV bs=4k count=64 oflag=direct status=none
	check_err $? "setup"
	DIRTY=$(CBS=cbsf status_named dirty)
	dmsetup remove cbsf
	CREATED=0
	FAULT_AFTER=after_load fault_inject_each $MAX \
		dmsetup create --noudevsync cbsf --table "$(table dirty_low 100 dirty_high 100)"
	check_err $? "create over formatted metadata under fault injection"
	log_info "$FAULT_POINTS injection points, $CREATED runs created the device ($DIRTY dirty)"
	log_test "create (load, $DIRTY dirty blocks): each allocation failing in turn"
}

# after_reload: the live table still works; a loaded one resumes
after_reload()
{
	if dmsetup info cbsf | grep -q "INACTIVE"; then
		dmsetup resume cbsf || { log_info "cannot resume the new table"; return 1; }
		CREATED=$((CREATED + 1))
	else
		dmsetup resume cbsf 2> /dev/null
	fi
	works || { log_info "device does not work after the reload"; return 1; }
}

test_reload()
{
	RET=0
	wipe_md
	dmsetup create --noudevsync cbsf --table "$(table)"
	check_err $? "setup"
	CREATED=0
	FAULT_AFTER=after_reload fault_inject_each $MAX \
		dmsetup reload --noudevsync cbsf --table "$(table cleaner)"
	check_err $? "reload under fault injection"
	log_info "$FAULT_POINTS injection points, $CREATED reloads loaded"
	dmsetup remove cbsf
	check_err $? "remove"
	log_test "reload (shared cache object): each allocation failing in turn"
}

# after_flush: the device works; metadata turned read-only by a failed
# commit means a new device on fresh metadata; dirty blocks again
after_flush()
{
	works || { log_info "device does not work after the flush"; return 1; }
	status_rw
	if [ "$RW" = ro ]; then
		READ_ONLY=$((READ_ONLY + 1))
		dmsetup remove cbsf || return 1
		wipe_md
		dmsetup create --noudevsync cbsf --table "$(table dirty_low 100 dirty_high 100)" ||
			return 1
	fi
	dd if=/dev/urandom of=$DEV bs=4k count=32 oflag=direct status=none
}

test_flush_message()
{
	RET=0
	wipe_md
	READ_ONLY=0
	dmsetup create --noudevsync cbsf --table "$(table dirty_low 100 dirty_high 100)" &&
		dmsetup mknodes cbsf &&
		dd if=/dev/urandom of=$DEV bs=4k count=32 oflag=direct status=none
	check_err $? "setup"
	FAULT_AFTER=after_flush fault_inject_each $MAX dmsetup message cbsf 0 flush
	check_err $? "flush message under fault injection"
	log_info "$FAULT_POINTS injection points, $READ_ONLY turned the metadata read-only"
	dmsetup message cbsf 0 flush && dmsetup message cbsf 0 dirty_low 50
	check_err $? "messages after the fault runs"
	dmsetup remove cbsf
	log_test "flush message: each allocation failing in turn"
}

# after_nl: the volume is still there, readable over netlink, and works
after_nl()
{
	"$CBSCTL" volume show cbsf > /dev/null ||
		{ log_info "volume show fails after the run"; return 1; }
	after_flush
}

test_netlink()
{
	local args total=0

	RET=0
	[ -x "$CBSCTL" ] || { log_test_skip "netlink commands" "cbsctl not built"; return; }
	wipe_md
	READ_ONLY=0
	dmsetup create --noudevsync cbsf --table "$(table dirty_low 100 dirty_high 100)" &&
		dmsetup mknodes cbsf &&
		dd if=/dev/urandom of=$DEV bs=4k count=32 oflag=direct status=none
	check_err $? "setup"
	"$CBSCTL" monitor > /dev/null &
	defer kill $!
	for args in "volume show cbsf" "-j volume show" "cache set cbsf dirty_high 90" \
		    "cache flush cbsf" "stats clear cbsf" "cache cleaner cbsf"; do
		# shellcheck disable=SC2086
		FAULT_AFTER=after_nl fault_inject_each $MAX "$CBSCTL" $args
		check_err $? "cbsctl $args under fault injection"
		total=$((total + FAULT_POINTS))
	done
	log_info "$total injection points, $READ_ONLY turned the metadata read-only"
	dmsetup remove cbsf
	check_err $? "remove"
	log_test "netlink commands: each allocation failing in turn"
}

# ---- ROW volumes (cbs_fault_row.sh) ----------------------------------

row_table()
{
	ORIGIN_SECTORS=$((16 * 2048)) cbs_table row writeback sequential_cutoff 0 \
		promote_threshold 1 "$@"
}

# row_fresh: a ROW volume on fresh metadata with 32 blocks written
row_fresh()
{
	wipe_md
	dmsetup create --noudevsync cbsf --table "$(row_table)" &&
		dmsetup mknodes cbsf &&
		dd if=/dev/urandom of=$DEV bs=4k count=32 oflag=direct status=none
}

# after_row_load: as after_create, and the volume maps what it mapped
after_row_load()
{
	local mapped

	if [ -z "${FRESH:-}" ] && dm_exists cbsf; then
		mapped=$(CBS=cbsf status_named mapped)
		[ "$mapped" = "$MAPPED" ] || { log_info "mapped $mapped, want $MAPPED"; return 1; }
	fi
	after_create
}

test_row_create()
{
	RET=0
	wipe_md
	CREATED=0
	FRESH=1 FAULT_AFTER=after_row_load fault_inject_each $MAX \
		dmsetup create --noudevsync cbsf --table "$(row_table)"
	check_err $? "ROW create over fresh metadata under fault injection"
	log_info "format: $FAULT_POINTS injection points, $CREATED runs created the device"
	row_fresh
	check_err $? "setup"
	MAPPED=$(CBS=cbsf status_named mapped)
	dmsetup remove cbsf
	CREATED=0
	FAULT_AFTER=after_row_load fault_inject_each $MAX \
		dmsetup create --noudevsync cbsf --table "$(row_table)"
	check_err $? "ROW create over formatted metadata under fault injection"
	log_info "open: $FAULT_POINTS injection points, $CREATED runs created the device"
	log_test "ROW create (format, open): each allocation failing in turn"
}

# after_snap: the volume works; read-only metadata means a fresh volume;
# then the snapshots are SNAPS again (the next run's starting point)
after_snap()
{
	local list

	ST=$(dmsetup status cbsf) || return 1
	status_rw
	if [ "$RW" = ro ]; then
		# read-only: the volume still reads; then a fresh one
		dd if=$DEV of=/dev/null bs=4k count=32 iflag=direct status=none ||
			{ log_info "read-only volume does not read"; return 1; }
		READ_ONLY=$((READ_ONLY + 1))
		dmsetup remove cbsf && row_fresh || return 1
	fi
	works || { log_info "volume does not work after the run"; return 1; }
	list=$(dmsetup message cbsf 0 snapshot list | awk '{ print $2 }' | xargs)
	case " $list " in
	*" x "*) dmsetup message cbsf 0 snapshot delete x || return 1 ;;
	esac
	case " $list " in
	*" y "*) ;;
	*) dmsetup message cbsf 0 snapshot create y || return 1 ;;
	esac
}

test_row_snap()
{
	local cmd total=0

	RET=0
	READ_ONLY=0
	row_fresh && dmsetup message cbsf 0 snapshot create y
	check_err $? "setup"
	for cmd in "dmsetup message cbsf 0 snapshot create x" \
		   "dmsetup message cbsf 0 snapshot delete y" \
		   "$CBSCTL snapshot create cbsf x" "$CBSCTL snapshot delete cbsf y" \
		   "$CBSCTL snapshot list cbsf"; do
		[ -x "$CBSCTL" ] || [ "${cmd#"$CBSCTL"}" = "$cmd" ] || continue
		# shellcheck disable=SC2086
		FAULT_AFTER=after_snap fault_inject_each $MAX $cmd
		check_err $? "'$cmd' under fault injection"
		total=$((total + FAULT_POINTS))
	done
	log_info "$total injection points, $READ_ONLY turned the metadata read-only"
	dmsetup remove cbsf
	check_err $? "remove"
	log_test "ROW snapshot create, delete, list: each allocation failing in turn"
}

# after_rollback: the suspended volume still answers; read-only metadata
# means a fresh volume (suspended again, with its snapshot)
after_rollback()
{
	ST=$(dmsetup status cbsf) || return 1
	status_rw
	if [ "$RW" = ro ]; then
		READ_ONLY=$((READ_ONLY + 1))
		dmsetup resume cbsf && dmsetup remove cbsf && row_fresh &&
			dmsetup message cbsf 0 snapshot create y && dmsetup suspend cbsf ||
			return 1
	fi
}

test_row_rollback()
{
	RET=0
	READ_ONLY=0
	row_fresh && dmsetup message cbsf 0 snapshot create y &&
		dd if=/dev/urandom of=$DEV bs=4k count=64 oflag=direct status=none &&
		dmsetup suspend cbsf
	check_err $? "setup"
	FAULT_AFTER=after_rollback fault_inject_each $MAX \
		dmsetup message cbsf 0 snapshot rollback y
	check_err $? "rollback under fault injection"
	log_info "$FAULT_POINTS injection points, $READ_ONLY turned the metadata read-only"
	dmsetup resume cbsf && works && dmsetup remove cbsf
	check_err $? "the volume works after the runs"
	log_test "ROW snapshot rollback: each allocation failing in turn"
}

# after_snapdev: the snapshot device is absent, or reads and is removed
after_snapdev()
{
	if dm_exists snapf; then
		dd if="$DM_DEV" of=/dev/null bs=4k count=64 iflag=direct status=none ||
			{ log_info "snapshot device does not read"; return 1; }
		dmsetup remove snapf || return 1
		CREATED=$((CREATED + 1))
	fi
}

test_row_snapdev()
{
	RET=0
	CREATED=0
	row_fresh && dmsetup message cbsf 0 snapshot create y
	check_err $? "setup"
	FAULT_AFTER=after_snapdev fault_inject_each $MAX \
		dmsetup create --noudevsync --readonly snapf \
		--table "0 $((16 * 2048)) cbs-snap $MD y"
	check_err $? "cbs-snap create under fault injection"
	log_info "$FAULT_POINTS injection points, $CREATED runs created the device"
	dmsetup message cbsf 0 snapshot delete y
	check_err $? "no reference on the snapshot left behind"
	dmsetup remove cbsf
	log_test "cbs-snap create: each allocation failing in turn"
}

cbs_setup
trap 'dm_remove_all; dmsetup remove snapf 2> /dev/null; dmsetup resume cbsf 2> /dev/null;
      dmsetup remove cbsf 2> /dev/null; cleanup' EXIT
tests_run
exit "$EXIT_STATUS"
