# SPDX-License-Identifier: GPL-2.0
#
# row_edit.py IMAGE CASE: damage the ROW map of a dm-cbs metadata image in
# one precise way, recomputing the checksums that would otherwise give it
# away, for cbs_check.sh (a helper, not a test). Formats: the kernel's
# drivers/md/persistent-data (B-tree nodes, space map roots, index and
# bitmap blocks) as Documentation/design/cbs-row.rst places them.
#
# Cases: leaf_zero, leaf_csum (a mapping subtree leaf zeroed / one byte
# flipped), leak (a free data block marked used, index entry and
# nr_allocated adjusted: nothing but the leak is wrong), data_over (a
# data block's count 1 -> 2), meta_leak (a free metadata block marked used,
# index block and nr_allocated adjusted), mapped (the volume's
# mapped_blocks + 1, node checksum recomputed), value_size (the first
# snapshot's first mapping leaf claims 4-byte values, max_entries as the
# node check allows for them, checksum recomputed). Prints what it
# changed, as cbs_check names it.

import struct
import sys

BLOCK = 4096
BTREE_XOR, BITMAP_XOR, INDEX_XOR = 121107, 240779, 160478
EPB = (BLOCK - 16) * 4          # entries per bitmap
META_SM, DATA_SM = 152, 280     # space map roots in the superblock

TABLE = []
for n in range(256):
    for _ in range(8):
        n = (n >> 1) ^ 0x82f63b78 if n & 1 else n >> 1
    TABLE.append(n)


def crc32c(data):
    crc = 0xffffffff
    for b in data:
        crc = TABLE[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc


class Image:
    def __init__(self, path):
        self.f = open(path, "r+b")
        sbs = [self.read(0), self.read(1)]
        gens = [struct.unpack_from("<Q", s, 16)[0] for s in sbs]
        self.cur = 1 if gens[1] > gens[0] else 0
        self.sb = sbs[self.cur]

    def read(self, n):
        self.f.seek(n * BLOCK)
        return bytearray(self.f.read(BLOCK))

    def write(self, n, b, xor=None):
        if xor is not None:
            struct.pack_into("<I", b, 0, crc32c(bytes(b[4:])) ^ xor)
        self.f.seek(n * BLOCK)
        self.f.write(b)

    def write_sb(self):
        self.write(self.cur, self.sb, 0)

    def sb64(self, off):
        return struct.unpack_from("<Q", self.sb, off)[0]

    def add_sb64(self, off, delta):
        struct.pack_into("<Q", self.sb, off, self.sb64(off) + delta)


def node(img, n):
    b = img.read(n)
    flags, _, nr, mx, vs = struct.unpack_from("<IQIII", b, 4)
    keys = [struct.unpack_from("<Q", b, 32 + 8 * i)[0] for i in range(nr)]
    return b, flags, keys, 32 + 8 * mx, vs


def first_leaf(img, root):
    """The leftmost leaf under root: (block, data, keys, values offset)."""
    while True:
        b, flags, keys, voff, vs = node(img, root)
        if flags == 2:
            return root, b, keys, voff, vs
        root = struct.unpack_from("<Q", b, voff)[0]


def bitmap_entry(bm, j):
    byte, shift = bm[16 + j // 4], (j % 4) * 2
    return ((byte >> shift) & 1) << 1 | ((byte >> (shift + 1)) & 1)


def set_entry(bm, j, v):
    shift = (j % 4) * 2
    byte = bm[16 + j // 4] & ~(3 << shift)
    bm[16 + j // 4] = byte | ((v >> 1) & 1) << shift | (v & 1) << (shift + 1)


def data_bitmap(img):
    """Data space map: index leaf, its first entry and bitmap."""
    n, leaf, keys, voff, _ = first_leaf(img, img.sb64(DATA_SM + 16))
    assert keys[0] == 0
    bmb = struct.unpack_from("<Q", leaf, voff)[0]
    return n, leaf, voff, bmb, img.read(bmb)


def main():
    img, case = Image(sys.argv[1]), sys.argv[2]
    if case in ("leaf_zero", "leaf_csum"):
        _, top, _, voff, _ = first_leaf(img, img.sb64(104))
        sub = struct.unpack_from("<Q", top, voff)[0]      # device 0's root
        n, leaf, keys, _, _ = first_leaf(img, sub)
        assert keys, "the volume maps nothing"
        if case == "leaf_zero":
            img.write(n, bytearray(BLOCK))
        else:
            leaf[40] ^= 0x10
            img.write(n, leaf)
        print(f"mapping subtree block {n}")
    elif case in ("leak", "data_over"):
        n, leaf, voff, bmb, bm = data_bitmap(img)
        nr_blocks = img.sb64(DATA_SM)
        want = 0 if case == "leak" else 1
        j = next(j for j in range(min(EPB, nr_blocks))
                 if bitmap_entry(bm, j) == want)
        set_entry(bm, j, want + 1)
        img.write(bmb, bm, BITMAP_XOR)
        if case == "leak":
            nfree = struct.unpack_from("<I", leaf, voff + 8)[0]
            struct.pack_into("<I", leaf, voff + 8, nfree - 1)
            img.write(n, leaf, BTREE_XOR)
            img.add_sb64(DATA_SM + 8, 1)
            img.write_sb()
        print(f"data block {j}")
    elif case == "meta_leak":
        idx_blk = img.sb64(META_SM + 16)
        idx = img.read(idx_blk)
        bmb = struct.unpack_from("<Q", idx, 16)[0]
        bm = img.read(bmb)
        j = next(j for j in range(EPB) if bitmap_entry(bm, j) == 0)
        set_entry(bm, j, 1)
        img.write(bmb, bm, BITMAP_XOR)
        nfree = struct.unpack_from("<I", idx, 24)[0]
        struct.pack_into("<I", idx, 24, nfree - 1)
        img.write(idx_blk, idx, INDEX_XOR)
        img.add_sb64(META_SM + 8, 1)
        img.write_sb()
        print(f"metadata block {j}")
    elif case == "value_size":
        _, top, keys, voff, _ = first_leaf(img, img.sb64(104))
        assert 1 in keys, "no snapshot 1"
        sub = struct.unpack_from("<Q", top, voff + 8 * keys.index(1))[0]
        n, leaf, keys, _, vs = first_leaf(img, sub)
        assert keys and vs == 8
        struct.pack_into("<II", leaf, 20, (BLOCK - 32) // (8 + 4), 4)
        img.write(n, leaf, BTREE_XOR)
        print(f"mapping subtree node {n}")
    elif case == "mapped":
        n, leaf, keys, voff, vs = first_leaf(img, img.sb64(112))
        assert keys[0] == 0 and vs == 64
        mapped = struct.unpack_from("<Q", leaf, voff)[0]
        struct.pack_into("<Q", leaf, voff, mapped + 1)
        img.write(n, leaf, BTREE_XOR)
        print(f"mapped_blocks {mapped + 1}")
    else:
        sys.exit("unknown case " + case)


main()
