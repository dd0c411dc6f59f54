# SPDX-License-Identifier: GPL-2.0
#
# cloudplane: out-of-tree kernel modules (kmod/), their CLIs (tools/),
# selftests run in a QEMU VM (selftests/, scripts/vm-run).
#
#   make            modules + tools + selftest binaries
#   make check      deps, build, the whole selftest suite in the VM
#   make check-debug  the suite on a KASAN/lockdep/kmemleak kernel (~30 min build)
#   make demo       each module's demo scenario in the VM
#   make bench      every benchmark (scripts/bench/<mod>.sh) in the VM, next
#                   to its in-kernel anchor; make bench-<mod> for one
#   make lint       checkpatch --strict, sparse, W=1 -Werror
#   make deps       install build/VM/test dependencies (apt-get)
#   make install    modules, CLIs and man pages (DESTDIR, PREFIX)

# KDIR: the running kernel's build tree if it exists, else the newest
# Debian 6.12 headers (the build machine's kernel often has none).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	  $(lastword $(sort $(wildcard /lib/modules/6.12.*-amd64/build))))
KVER := $(patsubst /lib/modules/%/build,%,$(KDIR))
PREFIX ?= /usr/local

MODULE_DIRS := $(patsubst %/Kbuild,%,$(wildcard kmod/*/Kbuild))
SELFTEST_BUILD := $(patsubst %/Makefile,%,$(wildcard selftests/*/Makefile))
SPLAT_MOD := selftests/harness/splat_mod

.PHONY: all modules tools selftests check check-debug demo lint deps install \
	modules_install clean help check-kdir

all: modules tools selftests

check-kdir:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { \
		echo "No kernel build tree: run 'make deps' or set KDIR=" >&2; \
		exit 1; }

modules: check-kdir
	$(if $(MODULE_DIRS),$(MAKE) -C $(KDIR) M=$(CURDIR) modules,@true)

tools:
	$(MAKE) -C tools

selftests: check-kdir tools
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(SPLAT_MOD) modules
	$(foreach d,$(SELFTEST_BUILD),$(MAKE) -C $(d) &&) true

deps:
	scripts/install-deps

check: deps
	$(MAKE) all
	scripts/check $(T)

check-debug: deps
	$(MAKE) all
	scripts/check-debug $(T)

BENCHES := $(patsubst scripts/bench/%.sh,bench-%,$(wildcard scripts/bench/*.sh))
.PHONY: bench $(BENCHES)
bench: deps
	$(MAKE) all
	scripts/vm-run --mem 4G -- sh -c 'rc=0; for b in scripts/bench/*.sh; do \
		[ -x "$$b" ] || continue; echo "== $$b"; "$$b" || rc=1; done; exit $$rc'

$(BENCHES): bench-%: deps
	$(MAKE) all
	scripts/vm-run --mem 4G -- scripts/bench/$*.sh

demo: deps
	$(MAKE) all
	scripts/vm-run -- scripts/demo/run

lint: deps
	scripts/lint

modules_install: modules
	$(if $(MODULE_DIRS),$(MAKE) -C $(KDIR) M=$(CURDIR) \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates/cloudplane modules_install,@true)
	$(if $(DESTDIR),,depmod -a $(KVER))

install: modules_install tools
	$(MAKE) -C tools install PREFIX=$(PREFIX)

clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR)/$(SPLAT_MOD) clean)
	$(MAKE) -C tools clean
	$(foreach d,$(SELFTEST_BUILD),$(MAKE) -C $(d) clean &&) true

help:
	@sed -n '3,14s/^# \?//p' Makefile
