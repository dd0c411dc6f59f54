#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side: `make install` puts every module, CLI and man page where an
# operator expects them, and dkms.conf builds every module with DKMS. Both
# run on a copy of the tracked files, so the working tree is left alone.

. "$(dirname "$0")/../lib.sh"

require_cmd git make
TMP=$(mktemp -d)
defer rm -rf "$TMP"
trap cleanup EXIT

KDIR=$(make -s --no-print-directory -C "$REPO_DIR" -f - print-kdir <<'MK'
include Makefile
print-kdir: ; @echo $(KDIR)
MK
)
KVER=${KDIR#/lib/modules/}
KVER=${KVER%/build}

mapfile -t MODS < <(our_modules)
[ ${#MODS[@]} -gt 0 ] || ktap_skip_all "no modules in kmod/ yet"

# A copy of what git tracks (plus what is new and not ignored).
SRC=$TMP/cloudplane-0.1
mkdir -p "$SRC"
(cd "$REPO_DIR" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$SRC")

test_make_install()
{
	local dest=$TMP/dest m cli

	RET=0
	make -s -C "$SRC" install DESTDIR="$dest" PREFIX=/usr > "$TMP/install.log" 2>&1
	check_err $? "make install failed: $(tail -n 5 "$TMP/install.log")"
	for m in "${MODS[@]}"; do
		[ -n "$(find "$dest/lib/modules/$KVER/updates/cloudplane" -name "$m.ko*")" ]
		check_err $? "$m.ko not installed under updates/cloudplane"
	done
	for cli in "$SRC"/tools/*ctl/main.c; do
		[ -f "$cli" ] || continue
		cli=${cli%/main.c}
		cli=${cli##*/}
		[ -x "$dest/usr/sbin/$cli" ]
		check_err $? "$cli not installed in /usr/sbin"
		[ -f "$dest/usr/share/man/man8/$cli.8" ]
		check_err $? "no man page for $cli"
	done
	log_test "make install: modules, CLIs and man pages"
}

test_dkms()
{
	local tree=$TMP/dkms m

	RET=0
	if ! command -v dkms > /dev/null; then
		log_test_skip "dkms builds every module" "dkms not installed"
		return
	fi
	make -s -C "$SRC" clean > /dev/null 2>&1
	mkdir -p "$tree"
	dkms --dkmstree "$tree" --sourcetree "$TMP" add -m cloudplane -v 0.1 > "$TMP/dkms.log" 2>&1
	check_err $? "dkms add failed: $(tail -n 5 "$TMP/dkms.log")"
	dkms --dkmstree "$tree" --sourcetree "$TMP" build -m cloudplane -v 0.1 -k "$KVER" \
		--kernelsourcedir "$KDIR" >> "$TMP/dkms.log" 2>&1
	check_err $? "dkms build failed: $(tail -n 15 "$TMP/dkms.log")"
	for m in "${MODS[@]}"; do
		ls "$tree/cloudplane/0.1/$KVER/"*/module/"$m".ko* > /dev/null 2>&1
		check_err $? "dkms did not build $m"
	done
	log_test "dkms builds every module"
}

ALL_TESTS="test_make_install test_dkms"
tests_run
exit "$EXIT_STATUS"
