#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs control plane: the "cbs" generic netlink family and cbsctl.
# volume show agrees with dmsetup status; cache flush drains dirty blocks;
# cache set changes knobs atomically (the status shows them); dmsetup
# messages and netlink reach the same functions (flush-done from both);
# the events group reports dirty-high/low, a failing cache device (with the
# dirty blocks at risk), read-only metadata and flush results; bad requests
# are refused with their extack text; reading needs no privilege, changing
# does; dumps stay consistent while volumes come and go; the YAML spec
# drives ynl cli.py.

ALL_TESTS="
	test_show_matches_status
	test_select_by_devno
	test_flush_drains
	test_set_knobs
	test_messages_same_path
	test_events_dirty_flush
	test_events_cache_failed
	test_events_read_only
	test_bad_input
	test_permission
	test_dump_consistent
	test_ynl_client
"

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/cbs_lib.sh"

CBSCTL=$TOOLS_DIR/cbsctl/cbsctl
NL="python3 $(dirname "$0")/cbs_nl.py"
DEV=/dev/mapper/cbs0
MON_PID=
MON_OUT=

declare -A J

# jload JSON_ARRAY: J[key] for every key of the first volume (knobs.X for
# a knob); one python run (slow under emulation) for all of them
jload()
{
	local k v

	J=()
	while IFS='=' read -r k v; do
		J[$k]=$v
	done < <(python3 -c 'import json, sys
v = json.loads(sys.argv[1])[0]
v.update({"knobs." + k: x for k, x in v.pop("knobs").items()})
for k, x in v.items():
	print("%s=%s" % (k, str(x).lower() if isinstance(x, bool) else x))' "$1")
}

# jget JSON_ARRAY KEY: KEY of the first volume
jget()
{
	jload "$1"
	echo "${J[$2]}"
}

show()
{
	"$CBSCTL" volume show cbs0 -j
}

swap_table()
{
	dmsetup load "$1" --table "$2" && dmsetup suspend "$1" &&
		dmsetup resume "$1"
}

# fresh [FEATURES...]: a new cbs0 on a zeroed metadata device
fresh()
{
	dm_remove cbs0
	wipe_md
	cbs_create "$@"
}

# dirty_blocks N: N whole-block writes that each land dirty in the cache
# (promote_threshold 1, writeback, no sequential bypass)
dirty_blocks()
{
	dd if=/dev/urandom of=$DEV bs=4k count="$1" seek=8192 oflag=direct status=none
}

mon_start()
{
	MON_OUT=$(mktemp)
	"$CBSCTL" monitor -j > "$MON_OUT" &
	MON_PID=$!
	defer kill "$MON_PID"
	sleep 0.3
}

mon_stop()
{
	kill "$MON_PID" 2> /dev/null
	wait "$MON_PID" 2> /dev/null
}

# mon_has EVENT [KEY VALUE]: an EVENT line (with KEY == VALUE) was seen
mon_has()
{
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
	e = json.loads(line)
	if e.get("event") != sys.argv[2]:
		continue
	if len(sys.argv) < 5 or str(e.get(sys.argv[3])) == sys.argv[4]:
		sys.exit(0)
sys.exit(1)' "$MON_OUT" "$@"
}

# mon_get EVENT KEY: KEY of the last EVENT line
mon_get()
{
	python3 -c 'import json, sys
v = ""
for line in open(sys.argv[1]):
	e = json.loads(line)
	if e.get("event") == sys.argv[2]:
		v = e.get(sys.argv[3])
print(v)' "$MON_OUT" "$@"
}

test_show_matches_status()
{
	local out f keys

	RET=0
	fresh writeback sequential_cutoff 0 dirty_low 100 dirty_high 100
	fio_job $DEV --rw=randrw --bs=4k --size=2M --loops=3 --randseed=7
	dd if=$DEV of=/dev/null bs=1M count=8 skip=16 iflag=direct status=none
	busywait 5000 test "$(status_named wb_inflight)" = 0
	out=$(show)
	check_err $? "volume show -j"
	log_info "$(dmsetup status cbs0)"
	jload "$out"
	keys="read_hits read_misses write_hits write_misses promotions demotions
	      dirty bypassed writebacks cache_errors origin_errors"
	for f in $keys; do
		check_eq "${J[$f]}" "$(status_named "$f")" "$f"
	done
	check_eq "${J[cache_blocks_used]}" "$(status_named cache_used)" "used"
	check_eq "${J[cache_blocks]}" "$(status_named cache_total)" "total"
	check_eq "${J[ram_per_block]}" "$(status_named ram)" "ram"
	check_eq "${J[mode]}" writeback "mode"
	check_eq "${J[read_only]}" false "read_only"
	check_eq "${J[length]}" $((ORIGIN_MB * 2048)) "length"
	check_eq "${J[knobs.dirty_high]}" 100 "knob"
	[ "${J[read_hits]}" -gt 0 ] && [ "${J[dirty]}" -gt 0 ]
	check_err $? "no hits or no dirty blocks: a weak comparison"
	check_eq "${J[read_hit_ratio_bp]}" \
		"$((J[read_hits] * 10000 / (J[read_hits] + J[read_misses])))" "hit ratio"
	"$CBSCTL" volume show cbs0 | grep -q "^cbs0 ([0-9]*:[0-9]*): writeback, metadata rw$"
	check_err $? "text header"
	[ "$("$CBSCTL" volume show | grep -c '^cbs0 ')" = 1 ]
	check_err $? "listing every volume"
	log_test "volume show: the numbers of dmsetup status"
}

test_select_by_devno()
{
	local devno

	RET=0
	devno=$(devno $DEV)
	check_eq "$(jget "$("$CBSCTL" volume show "$devno" -j)" name)" cbs0 "by major:minor"
	check_eq "$(jget "$("$CBSCTL" volume show $DEV -j)" name)" cbs0 "by path"
	jload "$(show)"
	check_eq "${J[major]}:${J[minor]}" "$devno" "major:minor in the reply"
	$NL volume-get name=str:cbs0 major=u32:"${devno%:*}" minor=u32:"${devno#*:}" |
		grep -q "^0 "
	check_err $? "name and matching device number"
	log_test "volumes are named by dm name, device path or major:minor"
}

test_flush_drains()
{
	RET=0
	fresh writeback sequential_cutoff 0 promote_threshold 1 dirty_low 100 dirty_high 100
	dirty_blocks 300
	[ "$(status_named dirty)" -gt 100 ]
	check_err $? "no dirty blocks to flush ($(status_named dirty))"
	"$CBSCTL" cache flush cbs0
	check_err $? "cache flush"
	check_eq "$(status_named dirty)" 0 "dirty after flush"
	check_eq "$(jget "$(show)" dirty)" 0 "dirty after flush (netlink)"
	blockdev --flushbufs $DEV $ORIGIN
	cmp -s -i 32M -n $((300 * 4096)) $DEV $ORIGIN
	check_err $? "device differs from the origin after the flush"
	log_test "cache flush writes back every dirty block"
}

test_set_knobs()
{
	local out table

	RET=0
	fresh writeback
	table=$(dmsetup table cbs0)
	"$CBSCTL" cache set cbs0 sequential_cutoff 128 promote_threshold 3 \
		migration-threshold 4096 dirty_low 80 dirty_high 90
	check_err $? "cache set (dirty_low above the old dirty_high: atomic)"
	dmsetup status cbs0 | grep -q " 2 migration_threshold 4096 slru 8 sequential_cutoff 128 promote_threshold 3 dirty_low 80 dirty_high 90 "
	check_err $? "knobs not in the status: $(dmsetup status cbs0)"
	"$CBSCTL" cache set cbs0 sequential_cutoff 999 dirty_low 95 2> /dev/null
	check_fail $? "dirty_low above dirty_high accepted"
	check_eq "$(status_named_knob sequential_cutoff)" 128 "a refused set changed a knob"
	"$CBSCTL" cache set "$(devno $DEV)" dirty_low 0
	check_err $? "cache set by major:minor"
	"$CBSCTL" cache cleaner $DEV
	check_err $? "cache cleaner"
	dmsetup status cbs0 | grep -q " 2 writeback cleaner 2 "
	check_err $? "cleaner not in the status"
	jload "$(show)"
	check_eq "${J[cleaner]}" true "cleaner (netlink)"
	check_eq "${J[knobs.dirty_low]}" 0 "dirty_low (netlink)"
	check_eq "$(dmsetup table cbs0)" "$table" "the table line changed"
	log_test "cache set: knobs applied together, shown in the status"
}

# status_named_knob KNOB: a policy knob from the status line
status_named_knob()
{
	dmsetup status cbs0 | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

test_messages_same_path()
{
	RET=0
	fresh writeback sequential_cutoff 0 promote_threshold 1 dirty_low 0 dirty_high 100
	mon_start
	dmsetup message cbs0 0 dirty_high 70
	check_eq "$(jget "$(show)" knobs.dirty_high)" 70 "message seen by netlink"
	"$CBSCTL" cache set cbs0 dirty_high 60
	check_eq "$(status_named_knob dirty_high)" 60 "netlink seen by the status"
	dmsetup message cbs0 0 dirty_low 61 2> /dev/null
	check_fail $? "message: dirty_low above dirty_high accepted"
	dd if=$DEV of=/dev/null bs=4k count=32 iflag=direct status=none
	dmsetup message cbs0 0 clear_stats
	check_eq "$(jget "$(show)" read_misses)" 0 "clear_stats seen by netlink"
	dd if=$DEV of=/dev/null bs=4k count=32 iflag=direct status=none
	"$CBSCTL" stats clear cbs0
	check_eq "$(status_named read_misses)" 0 "stats clear seen by the status"
	dirty_blocks 50
	dmsetup message cbs0 0 flush
	check_err $? "flush message"
	busywait 3000 mon_has flush-done
	check_err $? "no flush-done event for the flush message"
	mon_stop
	log_test "dmsetup messages and netlink reach the same functions"
}

test_events_dirty_flush()
{
	local dirty

	RET=0
	fresh writeback sequential_cutoff 0 promote_threshold 1 dirty_low 1 dirty_high 2
	mon_start
	# 2% of the cache, then some: background writeback runs above 1%
	"$CBSCTL" cache set cbs0 dirty_low 100 dirty_high 100
	dirty_blocks $((CACHE_MB * 256 * 5 / 100))
	dirty=$(status_named dirty)
	"$CBSCTL" cache set cbs0 dirty_low 1 dirty_high 2
	busywait 5000 mon_has dirty-high
	check_err $? "no dirty-high event ($dirty dirty blocks)"
	"$CBSCTL" cache flush cbs0
	check_err $? "flush"
	busywait 5000 mon_has dirty-low
	check_err $? "no dirty-low event after the flush"
	busywait 3000 mon_has flush-done dirty 0
	check_err $? "no flush-done event with 0 dirty"
	mon_stop
	log_info "$(cut -c1-120 "$MON_OUT" | tr '\n' '|')"
	log_test "events: dirty-high, dirty-low, flush-done"
}

test_events_cache_failed()
{
	local dirty

	RET=0
	fresh writeback sequential_cutoff 0 promote_threshold 1 dirty_low 100 dirty_high 100
	dirty_blocks 200
	dirty=$(status_named dirty)
	mon_start
	swap_table cbs_ssd "0 $((CACHE_MB * 2048)) error"
	dd if=$DEV of=/dev/null bs=4k count=16 skip=8192 iflag=direct status=none 2> /dev/null
	check_fail $? "dirty blocks read back from a dead cache"
	# writeback reads the cache: the first error fails the cache
	"$CBSCTL" cache flush cbs0 2> /dev/null
	check_fail $? "flush succeeded on a dead cache"
	busywait 5000 mon_has cache-failed
	check_err $? "no cache-failed event"
	check_eq "$(mon_get cache-failed dirty_at_risk)" "$dirty" "dirty blocks at risk"
	check_eq "$(jget "$(show)" cache_failed)" true "cache_failed state"
	"$CBSCTL" volume show cbs0 | grep -q "CACHE FAILED: $dirty dirty blocks at risk"
	check_err $? "text output names the blocks at risk"
	busywait 3000 mon_has flush-done error 5
	check_err $? "no failed flush-done event (EIO)"
	swap_table cbs_ssd "0 $((CACHE_MB * 2048)) linear /dev/ram1 0"
	"$CBSCTL" stats clear cbs0
	check_eq "$(jget "$(show)" cache_failed)" false "cache_failed after stats clear"
	"$CBSCTL" cache flush cbs0
	check_err $? "flush after the cache came back"
	mon_stop
	log_test "events: cache-failed with the dirty blocks at risk, failed flush"
}

test_events_read_only()
{
	local out

	RET=0
	dm_remove cbs0
	wipe_md
	dm_create cbs_md "0 $((RAM_MB * 2048)) linear /dev/ram0 0"
	MD=/dev/mapper/cbs_md cbs_create writeback sequential_cutoff 0
	mon_start
	swap_table cbs_md "0 $((RAM_MB * 2048)) error"
	fio_job $DEV --rw=randwrite --bs=4k --size=1M --end_fsync=1 2> /dev/null
	busywait 5000 mon_has read-only
	check_err $? "no read-only event"
	jload "$(show)"
	check_eq "${J[read_only]}" true "read_only"
	check_eq "${J[needs_check]}" true "needs_check"
	"$CBSCTL" cache set cbs0 dirty_high 60 2> "$MON_OUT.err"
	check_fail $? "cache set in read-only mode"
	grep -q "metadata is read-only" "$MON_OUT.err"
	check_err $? "no extack for read-only: $(cat "$MON_OUT.err")"
	mon_stop
	dm_remove cbs0
	dm_remove cbs_md
	log_test "events: read-only metadata (needs_check); changes refused"
}

# cli_fails PATTERN CMD...: cbsctl exits non-zero and says PATTERN
cli_fails()
{
	local pattern=$1 out

	shift
	out=$("$CBSCTL" "$@" 2>&1)
	check_fail $? "cbsctl $* succeeded"
	case $out in
	*"$pattern"*) ;;
	*) check_err 1 "cbsctl $*: '$out', want '$pattern'" ;;
	esac
}

test_bad_input()
{
	local devno long

	RET=0
	fresh writeback
	devno=$(devno $DEV)
	long=$(printf 'x%.0s' {1..130})
	nl_case -22 "missing volume (name, or major and minor)" volume-get
	nl_case -22 "missing volume" cache-flush
	nl_case -22 "missing volume" stats-clear
	nl_case -22 "missing volume" cache-set dirty-high=u32:50
	nl_case -22 "no knob to change" cache-set name=str:cbs0
	nl_case -22 "major and minor go together" volume-get major=u32:"${devno%:*}"
	nl_case -22 "major and minor go together" cache-flush minor=u32:0
	nl_case -19 "no such cbs volume" volume-get name=str:nosuch
	nl_case -19 "no such cbs volume" cache-flush name=str:cbs_ssd
	nl_case -19 "no such cbs volume" volume-get major=u32:1 minor=u32:3
	nl_case -19 "with this name and device number" volume-get name=str:cbs0 major=u32:1 minor=u32:3
	nl_case -22 "invalid device number" volume-get major=u32:99999 minor=u32:0
	nl_case -34 "integer out of range" cache-set name=str:cbs0 promote-threshold=u32:0
	nl_case -34 "integer out of range" cache-set name=str:cbs0 promote-threshold=u32:8
	nl_case -34 "integer out of range" cache-set name=str:cbs0 dirty-low=u32:101
	nl_case -34 "integer out of range" cache-set name=str:cbs0 dirty-high=u32:4294967295
	nl_case -34 "integer out of range" cache-set name=str:cbs0 sequential-cutoff=u32:4194305
	nl_case -34 "integer out of range" cache-set name=str:cbs0 migration-threshold=u32:0
	nl_case -34 "integer out of range" cache-set name=str:cbs0 migration-threshold=u32:1073741825
	nl_case -22 "dirty_low above dirty_high" cache-set name=str:cbs0 dirty-low=u32:60
	nl_case -22 "invalid attribute length" cache-set name=str:cbs0 dirty-high=u8:50
	nl_case -22 "invalid attribute length" volume-get major=u16:1 minor=u32:1
	nl_case -22 "" volume-get name=bytes:cbs0
	nl_case -22 "" volume-get name=str:"$long"
	nl_case -22 "Unknown attribute type" volume-get name=str:cbs0 dirty=u32:1
	nl_case -22 "Unsupported attribute" cache-set name=str:cbs0 mode=u32:1
	nl_case -22 "Unknown attribute type" cache-flush name=str:cbs0 99=u32:1
	nl_case -95 "" 99 name=str:cbs0
	nl_case 0 "" cache-set name=str:cbs0 dirty-low=u32:5 dirty-high=u32:40
	nl_run
	check_eq "$(status_named_knob dirty_high)" 40 "valid raw request"
	cli_fails "no such cbs volume" volume show nosuch
	cli_fails "no such cbs volume" cache flush cbs_ssd
	cli_fails "no such cbs volume" stats clear 1:3
	cli_fails "integer out of range" cache set cbs0 promote_threshold 99
	cli_fails "dirty_low above dirty_high" cache set cbs0 dirty_low 90
	cli_fails "unknown knob 'frob'" cache set cbs0 frob 1
	cli_fails "invalid value 'x'" cache set cbs0 dirty_low x
	cli_fails "usage" cache set cbs0 dirty_low
	cli_fails "usage" cache frob cbs0
	cli_fails "unknown option '-x'" -x volume show
	cli_fails "not a block device" volume show /etc/passwd
	cli_fails "usage" volume show a b
	check_eq "$(status_named_knob dirty_low)" 5 "a refused request changed a knob"
	log_test "bad requests refused with their extack text, cbsctl exits non-zero"
}

test_permission()
{
	local nobody="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"

	RET=0
	$nobody "$CBSCTL" volume show cbs0 > /dev/null
	check_err $? "an unprivileged user cannot read a volume"
	$nobody "$CBSCTL" cache set cbs0 dirty_high 41 2> /dev/null
	check_fail $? "an unprivileged user changed a knob"
	$nobody "$CBSCTL" cache flush cbs0 2> /dev/null
	check_fail $? "an unprivileged user flushed"
	$nobody "$CBSCTL" stats clear cbs0 2> /dev/null
	check_fail $? "an unprivileged user cleared the stats"
	check_eq "$(status_named_knob dirty_high)" 40 "knob after refused changes"
	log_test "reading needs no privilege, changes need CAP_NET_ADMIN/CAP_SYS_ADMIN"
}

# Extra volumes on 1 MiB slices (metadata, cache) and 4 MiB origins.
NR_EXTRA=4

extra_table()
{
	echo "0 8192 cbs /dev/mapper/cbsx_md$1 /dev/mapper/cbsx_c$1 /dev/mapper/cbsx_o$1 8 0"
}

churn()
{
	local i round

	for ((round = 0; round < 2; round++)); do
		for ((i = 0; i < NR_EXTRA; i++)); do
			dmsetup create "cbsx$i" --table "$(extra_table $i)" || return 1
		done
		for ((i = 0; i < NR_EXTRA; i++)); do
			dmsetup remove "cbsx$i" || return 1
		done
	done
}

test_dump_consistent()
{
	local i pid bad=0 runs=0 dir

	RET=0
	for ((i = 0; i < NR_EXTRA; i++)); do
		dd if=/dev/zero of=/dev/ram0 bs=1M count=1 seek=$((64 + i)) oflag=direct status=none
		dm_create "cbsx_md$i" "0 2048 linear /dev/ram0 $(((64 + i) * 2048))"
		dm_create "cbsx_c$i" "0 2048 linear /dev/ram1 $(((64 + i) * 2048))"
		dm_create "cbsx_o$i" "0 8192 linear /dev/ram2 $(((64 + 4 * i) * 2048))"
	done
	churn &
	pid=$!
	dir=$(mktemp -d)
	while kill -0 "$pid" 2> /dev/null; do
		"$CBSCTL" -j volume show > "$dir/$runs" || bad=$((bad + 1))
		runs=$((runs + 1))
	done
	wait "$pid"
	check_err $? "creating and removing volumes failed"
	python3 -c 'import json, sys
bad = 0
for f in sys.argv[1:]:
	names = [v["name"] for v in json.load(open(f))]
	if names.count("cbs0") != 1 or len(names) != len(set(names)):
		print("# bad dump: %s" % names)
		bad += 1
sys.exit(bad)' "$dir"/*
	check_err $? "inconsistent dumps"
	rm -rf "$dir"
	check_eq "$bad" 0 "failed dumps out of $runs"
	[ "$runs" -gt 3 ]
	check_err $? "only $runs dumps during the churn"
	for ((i = 0; i < NR_EXTRA; i++)); do
		dmsetup remove "cbsx$i" 2> /dev/null
		dm_remove "cbsx_md$i"
		dm_remove "cbsx_c$i"
		dm_remove "cbsx_o$i"
	done
	check_eq "$("$CBSCTL" volume show | grep -c '^cbs')" 1 "volumes left after the churn"
	log_info "$runs dumps while $NR_EXTRA volumes were created and removed twice"
	log_test "dumps stay consistent while volumes come and go"
}

# The YAML spec drives the kernel's ynl cli.py as a second client.
test_ynl_client()
{
	local out

	RET=0
	if ! cbs_ynl_ok; then
		log_test_skip "YAML spec drives ynl cli.py" "ynl or python3-yaml missing"
		return
	fi
	cbs_ynl --do cache-set \
		--json '{"name": "cbs0", "dirty-high": 45, "promote-threshold": 4}' > /dev/null
	check_err $? "ynl cache-set failed"
	check_eq "$(status_named_knob dirty_high) $(status_named_knob promote_threshold)" \
		"45 4" "knobs set by ynl"
	out=$(cbs_ynl --dump volume-get)
	case $out in
	*"'dirty-high': 45"*"'mode': 'writeback'"*"'name': 'cbs0'"*) ;;
	*) check_err 1 "ynl dump: $out" ;;
	esac
	log_test "the YAML spec drives ynl cli.py (second client)"
}

[ -x "$CBSCTL" ] || ktap_skip_all "cbsctl not built (make tools)"
cbs_setup
trap 'mon_stop; dm_remove_all; cleanup' EXIT
wipe_md
cbs_create
tests_run
exit "$EXIT_STATUS"
