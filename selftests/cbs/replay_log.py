# SPDX-License-Identifier: GPL-2.0
"""Replay a dm-log-writes log onto a device (xfstests' replay-log is not
packaged in Debian).

  python3 replay_log.py LOG DEV FIRST MARK [--check-bytes N CHECK...]
      Write the logged entries from index FIRST up to and including the
      mark named MARK (discards as zeroes) and print the index after the
      mark. Exit 1 if the mark is not in the log.
      With --check-bytes, the first N bytes of DEV (the metadata) as they
      are after every FLUSH or FUA entry that follows a change to them
      (as replay-log --check flush) are saved as image files and given to
      CHECK (a command and its arguments, e.g. cbs_check -q) in batches
      of 100: exit 1 if it fails.
  python3 replay_log.py --list LOG
      Print one line per logged write: index, sector, sectors, flags.

Format: drivers/md/dm-log-writes.c.
"""
import os
import struct
import subprocess
import sys
import tempfile

MAGIC = 0x6a736677736872
FLAG_FLUSH = 1 << 0
FLAG_FUA = 1 << 1
FLAG_DISCARD = 1 << 2
FLAG_MARK = 1 << 3


def entries(lf):
    """Yield (index, sector, nsectors, flags, header, data offset)."""
    magic, version, nr, ssize = struct.unpack_from("<QQQI", os.pread(lf, 512, 0))
    if magic != MAGIC or version != 1:
        sys.exit("replay_log: not a dm-log-writes log")
    pos = ssize
    for i in range(nr):
        hdr = os.pread(lf, ssize, pos)
        sector, nsec, flags, _ = struct.unpack_from("<QQQQ", hdr)
        pos += ssize
        yield i, sector, nsec, flags, hdr, pos, ssize
        if not flags & (FLAG_MARK | FLAG_DISCARD):
            pos += nsec * ssize


def list_log(log):
    lf = os.open(log, os.O_RDONLY)
    for i, sector, nsec, flags, _, _, _ in entries(lf):
        print(i, sector, nsec, flags)


def main():
    if sys.argv[1] == "--list":
        list_log(sys.argv[2])
        return
    log, dev, first, mark = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    check, nbytes = [], 0
    if len(sys.argv) > 6 and sys.argv[5] == "--check-bytes":
        nbytes, check = int(sys.argv[6]), sys.argv[7:]
    lf = os.open(log, os.O_RDONLY)
    df = os.open(dev, os.O_RDWR)
    mirror = bytearray(os.pread(df, nbytes, 0))
    tmp = tempfile.mkdtemp(prefix="replay-check.")
    pending, checks, changed = [], 0, False

    def run_checks():
        if pending and subprocess.run(check + pending).returncode:
            sys.exit("replay_log: check failed on a state between entries %s and %s" %
                     (pending[0].split(".")[-2], pending[-1].split(".")[-2]))
        for f in pending:
            os.unlink(f)
        pending.clear()
    for i, sector, nsec, flags, hdr, pos, ssize in entries(lf):
        if flags & FLAG_MARK:
            dlen = struct.unpack_from("<Q", hdr, 24)[0]
            if i >= first and hdr[32:32 + dlen].decode() == mark:
                if check:
                    run_checks()
                    os.rmdir(tmp)
                    print("# replay_log: %d metadata states checked" % checks,
                          file=sys.stderr)
                print(i + 1)
                return
            continue
        if i < first:
            continue
        data = None
        if flags & FLAG_DISCARD:
            data = bytes(nsec * ssize)
        elif nsec:
            data = os.pread(lf, nsec * ssize, pos)
        if data:
            os.pwrite(df, data, sector * ssize)
            off = sector * ssize
            if off < nbytes:
                mirror[off:off + len(data)] = data[:nbytes - off]
                changed = True
        if check and changed and flags & (FLAG_FLUSH | FLAG_FUA):
            name = os.path.join(tmp, "md.%d.img" % i)
            with open(name, "wb") as f:
                f.write(mirror)
            pending.append(name)
            checks += 1
            changed = False
            if len(pending) >= 100:
                run_checks()
    sys.exit("replay_log: mark '%s' not found" % mark)


if __name__ == "__main__":
    main()
