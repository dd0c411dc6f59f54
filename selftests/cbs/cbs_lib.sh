# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the dm-cbs selftests (sourced after ../lib.sh, not a test).
# Devices: three brd ram disks; the metadata is ram0, the cache a slice of
# ram1 (CACHE_MB), the origin ram2 (optionally behind dm-delay/dm-flakey).

RAM_MB=${RAM_MB:-128}
RD_NR=${RD_NR:-3}
CACHE_MB=${CACHE_MB:-16}
ORIGIN_MB=${ORIGIN_MB:-128}
BS=${BS:-8}
DM_NAMES=()

cbs_setup()
{
	require_root
	require_vm
	require_cmd dmsetup fio cmp
	modprobe dm-mod && modprobe dm-bufio && modprobe libcrc32c ||
		ktap_skip_all "device-mapper modules missing"
	if grep -q '^brd ' /proc/modules; then
		rmmod brd || ktap_skip_all "brd busy"
	fi
	modprobe brd rd_nr=$RD_NR rd_size=$((RAM_MB * 1024)) ||
		ktap_skip_all "brd not available"
	defer rmmod brd
	load_module dm-cbs || ktap_skip_all "cannot load dm-cbs"
	trap 'dm_remove_all; cleanup' EXIT
	MD=/dev/ram0
	dm_create cbs_ssd "0 $((CACHE_MB * 2048)) linear /dev/ram1 0" || exit 1
	SSD=/dev/mapper/cbs_ssd
	ORIGIN=/dev/ram2
}

# dm_create NAME TABLE: create a device (and its node: no udev in the VM).
dm_create()
{
	dmsetup create "$1" --table "$2" || return 1
	dmsetup mknodes "$1"
	DM_NAMES+=("$1")
}

dm_remove()
{
	local i

	dmsetup remove "$1" 2> /dev/null || return 1
	for i in "${!DM_NAMES[@]}"; do
		[ "${DM_NAMES[i]}" = "$1" ] && unset "DM_NAMES[i]"
	done
	return 0
}

dm_remove_all()
{
	local i

	for ((i = ${#DM_NAMES[@]} - 1; i >= 0; i--)); do
		[ -n "${DM_NAMES[i]:-}" ] && dmsetup remove --retry "${DM_NAMES[i]}" 2> /dev/null
	done
	DM_NAMES=()
}

devno()
{
	printf '%d:%d' "$(stat -L -c '0x%t' "$1")" "$(stat -L -c '0x%T' "$1")"
}

wipe_md()
{
	dd if=/dev/zero of="$MD" bs=1M count=4 oflag=direct status=none
}

# cbs_table [FEATURE WORDS...]: table line over the whole origin
cbs_table()
{
	local sectors=${ORIGIN_SECTORS:-$((ORIGIN_MB * 2048))}

	echo "0 $sectors cbs $MD $SSD ${ORIGIN_DEV:-$ORIGIN} $BS $# $*"
}

cbs_create()
{
	dm_create "${CBS:-cbs0}" "$(cbs_table "$@")"
}

# status_field N: the Nth field (1-based) of the INFO status line
status_field()
{
	dmsetup status "${CBS:-cbs0}" | awk -v n="$(($1 + 3))" '{ print $n }'
}

# status_named NAME: our counters and dm-cache fields by name
status_named()
{
	dmsetup status "${CBS:-cbs0}" | awk -v want="$1" '{
		split($5, m, "/"); split($7, c, "/")
		v["cache_used"] = c[1]; v["cache_total"] = c[2]
		v["read_hits"] = $8; v["read_misses"] = $9
		v["write_hits"] = $10; v["write_misses"] = $11
		v["demotions"] = $12; v["promotions"] = $13; v["dirty"] = $14
		i = 15; nf = $i; v["mode"] = $(i + 1); i += nf + 1
		i += $i + 1			# core args
		i += 1; i += $i + 1		# policy name + args
		v["rw"] = $i; v["needs_check"] = $(i + 1)
		v["bypassed"] = $(i + 2); v["wb_inflight"] = $(i + 3)
		v["writebacks"] = $(i + 4); v["cache_errors"] = $(i + 5)
		v["origin_errors"] = $(i + 6); v["ram"] = $(i + 7)
		if ($(i + 8) == "row") {	# ROW volumes
			split($(i + 9), d, "/"); split($(i + 10), md, "/")
			v["data_used"] = d[1]; v["data_total"] = d[2]
			v["meta_used"] = md[1]; v["meta_total"] = md[2]
			v["mapped"] = $(i + 11); v["no_space"] = $(i + 12)
			v["snapshots"] = $(i + 13); v["redirects"] = $(i + 14)
		}
		print v[want]
	}'
}

# same_as_origin: the cache device reads the same as its origin (both
# read around the page cache, which writes through dm do not update)
same_as_origin()
{
	blockdev --flushbufs "${CBS_DEV:-/dev/mapper/cbs0}" "$ORIGIN"
	cmp -s -n $((ORIGIN_MB << 20)) "${CBS_DEV:-/dev/mapper/cbs0}" "$ORIGIN"
}

# fio_job FILE [fio options]: one quiet fio job
fio_job()
{
	fio --name=cbs --filename="$1" --direct=1 --ioengine=psync \
	    --verify_state_save=0 --output-format=terse --minimal "${@:2}" > /dev/null
}

# slices BASE PREFIX: md (8 MiB), ssd (16 MiB), origin or data (64 MiB),
# dm-linear slices of one device (the crash tests: one dm-log-writes
# device, so one log orders the writes of all three)
slices()
{
	dm_create "$2md" "0 16384 linear $1 0" &&
		dm_create "$2ssd" "0 32768 linear $1 16384" &&
		dm_create "$2org" "0 131072 linear $1 49152"
}

unslice()
{
	dm_remove "$1org"
	dm_remove "$1ssd"
	dm_remove "$1md"
}

# Raw netlink requests (cbs_nl.py, in $NL), queued then sent in one run:
NL_REQ=()
NL_WANT=()
NL_TEXT=()

# nl_case WANT_ERRNO EXTACK_SUBSTRING CMD ATTRS...: queue a raw request
nl_case()
{
	NL_WANT+=("$1")
	NL_TEXT+=("$2")
	shift 2
	NL_REQ+=("$*")
}

# nl_run: send the queued requests (one python run), check each answer
nl_run()
{
	local i out

	mapfile -t out < <(printf '%s\n' "${NL_REQ[@]}" | $NL -)
	for i in "${!NL_REQ[@]}"; do
		check_eq "${out[i]%% *}" "${NL_WANT[i]}" "${NL_REQ[i]}: errno"
		case ${out[i]} in
		*"${NL_TEXT[i]}"*) ;;
		*) check_err 1 "${NL_REQ[i]}: extack '${out[i]}', want '${NL_TEXT[i]}'" ;;
		esac
	done
	NL_REQ=()
	NL_WANT=()
	NL_TEXT=()
}

# ---- ROW volumes (cbs_row*.sh) ------------------------------------------
# A ROW volume of VOL_MB (default 64) over the data device, a slice of
# ORIGIN_MB of the origin ram disk (row_data_setup).

row_data_setup()
{
	dm_create cbs_data "0 $((ORIGIN_MB * 2048)) linear $ORIGIN 0" || return 1
	ORIGIN_DEV=/dev/mapper/cbs_data
}

# row_create [FEATURE WORDS...]: writeback, no sequential cutoff, plus these
row_create()
{
	ORIGIN_SECTORS=$((${VOL_MB:-64} * 2048)) cbs_create row writeback sequential_cutoff 0 "$@"
}

# snap ARGS...: a snapshot message to the volume
snap()
{
	dmsetup message "${CBS:-cbs0}" 0 snapshot "$@"
}

# put FILE MIB_OFFSET [BS]: write FILE there in BS (default 4k) writes
put()
{
	dd if="$1" of="${CBS_DEV:-/dev/mapper/cbs0}" bs="${3:-4k}" seek=$(($2 << 20)) \
		oflag=direct,seek_bytes status=none
}

# same FILE MIB_OFFSET: the volume at MIB_OFFSET holds FILE
same()
{
	cmp -s "$1" <(dd if="${CBS_DEV:-/dev/mapper/cbs0}" bs=64k skip=$(($2 << 20)) \
			     count="$(stat -c %s "$1")" iflag=direct,skip_bytes,count_bytes \
			     status=none)
}

# snap_dev NAME SNAPSHOT [SECTORS]: a read-only cbs-snap device
snap_dev()
{
	dmsetup create --readonly "$1" \
		--table "0 ${3:-$((${VOL_MB:-64} * 2048))} cbs-snap $MD $2" || return 1
	dmsetup mknodes "$1"
	DM_NAMES+=("$1")
}

# cbs_ynl ARGS...: the kernel's ynl cli.py driven by our YAML spec, a
# second client (cbs_ynl_ok: ynl and python3-yaml are there)
CBS_YNL=$REPO_DIR/.cache/linux-src/tools/net/ynl/cli.py

cbs_ynl_ok()
{
	[ -f "$CBS_YNL" ] && python3 -c 'import yaml, jsonschema' 2> /dev/null
}

cbs_ynl()
{
	python3 "$CBS_YNL" --schema "$REPO_DIR/.cache/linux-src/Documentation/netlink/genetlink.yaml" \
		--spec "$REPO_DIR/Documentation/netlink/specs/cbs.yaml" "$@"
}
