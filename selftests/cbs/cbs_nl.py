# SPDX-License-Identifier: GPL-2.0
"""Raw "cbs" generic netlink requests for cbs_netlink.sh (not a test).

usage: python3 cbs_nl.py [dump] COMMAND [ATTR=TYPE:VALUE]...
       python3 cbs_nl.py - < one request per line
  COMMAND  volume-get | cache-flush | cache-set | stats-clear |
           snapshot-new | snapshot-del | snapshot-rollback | snapshot-get |
           NUMBER
  ATTR     an attribute name of the volume set (dashes) or a number;
           snapshot.NAME: an attribute of the snapshot set, nested in a
           "snapshot" attribute (NLA_F_NESTED; snapshot~NAME: without it)
  TYPE     str (NUL-terminated), bytes (no NUL), u8, u16, u32, u64, flag,
           nest (an empty nest)
Prints "<errno> <extack message>" (0 on success), whatever the kernel said,
so a test can send what cbsctl never would: wrong types, missing or
unknown attributes, values out of range. A dump prints one line per
snapshot, "snap <id> <name> <ctime> <creation-time> <mapped-blocks>",
then "<errno> <extack> msgs=<datagrams with snapshots> intr=<0|1>".
"""
import socket
import struct
import sys

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLM_F_DUMP = 0x300
NLM_F_DUMP_INTR = 0x10
NLA_F_NESTED = 0x8000
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSGERR_ATTR_MSG = 1

CMDS = {"volume-get": 1, "cache-flush": 2, "cache-set": 3, "stats-clear": 4,
        "snapshot-new": 6, "snapshot-del": 7, "snapshot-rollback": 8,
        "snapshot-get": 9}
ATTRS = """name major minor start length mode cleaner no-discard-passdown
read-only needs-check cache-failed block-sectors cache-blocks
cache-blocks-used dirty dirty-at-risk metadata-blocks metadata-blocks-used
read-hits read-misses write-hits write-misses read-hit-ratio write-hit-ratio
promotions demotions writebacks writeback-in-flight writeback-failures
bypassed cache-errors origin-errors ram-per-block sequential-cutoff
promote-threshold migration-threshold dirty-low dirty-high event
error snapshot""".split()
SNAP_ATTRS = "id name ctime creation-time mapped-blocks".split()


def attr(atype, payload):
    hdr = struct.pack("HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def encode(spec, names=ATTRS):
    name, val = spec.split("=", 1)
    kind, _, text = val.partition(":")
    atype = int(name) if name.isdigit() else names.index(name) + 1
    if kind == "str":
        payload = text.encode() + b"\0"
    elif kind == "bytes":
        payload = text.encode()
    elif kind == "flag":
        payload = b""
    elif kind == "nest":
        payload, atype = b"", atype | NLA_F_NESTED
    else:
        fmt = {"u8": "B", "u16": "H", "u32": "I", "u64": "Q"}[kind]
        payload = struct.pack(fmt, int(text, 0))
    return attr(atype, payload)


def encode_all(specs):
    """The volume attributes, then the "snapshot" nest if any."""
    plain, nested, flag = [], [], NLA_F_NESTED
    for spec in specs:
        if spec.startswith(("snapshot.", "snapshot~")):
            if spec[8] == "~":
                flag = 0
            nested.append(encode(spec[9:], SNAP_ATTRS))
        else:
            plain.append(encode(spec))
    if nested:
        plain.append(attr(flag | (ATTRS.index("snapshot") + 1), b"".join(nested)))
    return plain


def request(sock, family, cmd, attrs, seq, dump=False):
    """The replies to one request, and how many datagrams held replies."""
    body = struct.pack("BBH", cmd, 1, 0) + b"".join(attrs)
    flags = NLM_F_REQUEST | (NLM_F_DUMP if dump else NLM_F_ACK)
    msg = struct.pack("IHHII", 16 + len(body), family, flags, seq, 0) + body
    sock.send(msg)
    replies, datagrams = [], 0
    while True:
        data = sock.recv(1 << 20)
        off, mine = 0, False
        while off + 16 <= len(data):
            length, mtype, flags, rseq, _ = struct.unpack_from("IHHII", data, off)
            if rseq == seq:
                replies.append((mtype, flags, data[off + 16:off + length]))
                if mtype == NLMSG_ERROR or (dump and mtype == NLMSG_DONE):
                    return replies, datagrams + mine
                mine = True
            off += (length + 3) & ~3
        datagrams += mine


def attrs_of(payload):
    off, out = 0, {}
    while off + 4 <= len(payload):
        length, atype = struct.unpack_from("HH", payload, off)
        if length < 4:
            break
        out[atype & 0x3fff] = payload[off + 4:off + length]
        off += (length + 3) & ~3
    return out


def error_of(reply):
    mtype, flags, payload = reply
    err = struct.unpack_from("i", payload)[0]
    msg = ""
    # NLM_F_CAPPED (0x100): the request is not echoed; TLVs (0x200) follow
    if mtype == NLMSG_DONE:
        skip = 4
    else:
        skip = 4 + (16 if flags & 0x100 else struct.unpack_from("I", payload, 4)[0])
    if flags & 0x200:
        tlv = attrs_of(payload[skip:])
        msg = tlv.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
    return err, msg


def uint(data):
    return struct.unpack("I" if len(data) == 4 else "Q", data)[0]


def print_dump(replies, datagrams):
    intr = 0
    for mtype, flags, payload in replies:
        intr |= bool(flags & NLM_F_DUMP_INTR)
        if mtype in (NLMSG_ERROR, NLMSG_DONE):
            print("%d %s msgs=%d intr=%d" % (*error_of((mtype, flags, payload)),
                                             datagrams, intr))
            return
        snap = attrs_of(attrs_of(payload[4:]).get(ATTRS.index("snapshot") + 1, b""))
        print("snap %d %s %d %d %d" % (
            uint(snap[1]), snap[2].rstrip(b"\0").decode(), uint(snap[3]),
            uint(snap[4]), uint(snap[5])))


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    sock.bind((0, 0))
    rep, _ = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                     [attr(CTRL_ATTR_FAMILY_NAME, b"cbs\0")], 1)
    if rep[0][0] == NLMSG_ERROR:
        print("%d %s" % error_of(rep[0]))
        return
    family = struct.unpack("H", attrs_of(rep[0][2][4:])[CTRL_ATTR_FAMILY_ID])[0]
    # one request from the arguments, or one per line of stdin ("-")
    lines = [l.split() for l in sys.stdin] if sys.argv[1] == "-" else [sys.argv[1:]]
    for seq, words in enumerate(lines, 2):
        dump = words[0] == "dump"
        words = words[dump:]
        cmd = CMDS.get(words[0]) or int(words[0])
        rep, datagrams = request(sock, family, cmd, encode_all(words[1:]), seq, dump)
        if dump:
            print_dump(rep, datagrams)
        else:
            print("%d %s" % error_of(rep[-1]))


main()
