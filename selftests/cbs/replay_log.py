# SPDX-License-Identifier: GPL-2.0
"""Replay a dm-log-writes log onto a device (xfstests' replay-log is not
packaged in Debian): python3 replay_log.py LOG DEV FIRST MARK

Writes the logged entries from index FIRST up to and including the mark
named MARK (discards as zeroes) and prints the index after the mark.
Exit 1 if the mark is not in the log. Format: drivers/md/dm-log-writes.c.
"""
import os
import struct
import sys

MAGIC = 0x6a736677736872
FLAG_DISCARD = 1 << 2
FLAG_MARK = 1 << 3


def main():
    log, dev, first, mark = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    lf = os.open(log, os.O_RDONLY)
    df = os.open(dev, os.O_WRONLY)
    magic, version, nr, ssize = struct.unpack_from("<QQQI", os.pread(lf, 512, 0))
    if magic != MAGIC or version != 1:
        sys.exit("replay_log: %s is not a dm-log-writes log" % log)
    pos = ssize
    for i in range(nr):
        hdr = os.pread(lf, ssize, pos)
        sector, nsec, flags, dlen = struct.unpack_from("<QQQQ", hdr)
        pos += ssize
        if flags & FLAG_MARK:
            if i >= first and hdr[32:32 + dlen].decode() == mark:
                print(i + 1)
                return
            continue
        if flags & FLAG_DISCARD:
            if i >= first:
                os.pwrite(df, bytes(nsec * ssize), sector * ssize)
            continue
        if nsec and i >= first:
            os.pwrite(df, os.pread(lf, nsec * ssize, pos), sector * ssize)
        pos += nsec * ssize
    sys.exit("replay_log: mark '%s' not found" % mark)


if __name__ == "__main__":
    main()
