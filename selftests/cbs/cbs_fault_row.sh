#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW volumes under fault injection (debug kernel only): table
# construction, over fresh metadata (format) and over formatted metadata
# (open). The ROW tests of cbs_fault.sh in scripts of their own so they
# get their own timeouts: the snapshot operations are in
# cbs_fault_row_snap.sh.

CBS_FAULT_TESTS="test_row_create" exec "$(dirname "$0")/cbs_fault.sh"
