#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs ROW volumes under fault injection (debug kernel only): table
# construction (format and open), snapshot operations and cbs-snap
# devices, the ROW tests of cbs_fault.sh in a script of their own so they
# get their own timeout.

CBS_FAULT_TESTS="test_row_create test_row_snap test_row_rollback test_row_snapdev" \
	exec "$(dirname "$0")/cbs_fault.sh"
