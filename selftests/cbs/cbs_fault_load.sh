#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dm-cbs table construction over formatted metadata with dirty blocks
# under fault injection (debug kernel only): the load test of
# cbs_fault.sh, in a script of its own so it gets its own timeout.

CBS_FAULT_TESTS="test_create_load" exec "$(dirname "$0")/cbs_fault.sh"
