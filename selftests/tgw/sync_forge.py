# SPDX-License-Identifier: GPL-2.0
"""Forged tgw sync datagrams against one gateway (run with python3).

  cases --from-ns NS --tgwctl PATH --key HEX --syncid N --addr A
        --peer P --stranger S --vip V:PORT --host H --vm VM:PORT
        [--timeout S] [--only NAME,...]
        Runs in the gateway's namespace; sends from NS, which owns P (the
        gateway's configured peer) and S (an address that is not a peer).
        Sends one crafted datagram (or a few) per case to A:8850 and reads
        the gateway's counters (tgwctl sync stats, role show) until the
        expected ones moved. Prints one JSON line per case:
          {"case": NAME, "ok": true|false, "why": TEXT}
        A case passes when exactly the expected counters moved by the
        expected amounts, no other drop counter moved, and the
        connection table grew or shrank as expected.
  fuzz  (same options) [--count N] [--seed N]
        N random and mutated datagrams, a third of them signed with the
        right key after the mutation so they get past the tag to the
        parser. Prints {"sent": N, "accounted": M, ...}: every datagram
        must be accounted for, as a drop, as accepted or as dropped by
        the socket (UDP RcvbufErrors).

The wire format is kmod/tgw/sync_proto.h: 56-byte header (magic, version,
type, nr_conn, syncid, sender, epoch, seq, size, flags, reserved, tag),
tag = HMAC-SHA256(key, datagram with the tag zeroed)[:16]; UPDATE entries
are 36 bytes plus TLVs (u8 type, u8 len, value; 4-byte aligned).
"""
import argparse
import ctypes
import hashlib
import hmac
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

MAGIC = 0x54475753
VERSION = 1
T_UPDATE, T_BULK_END, T_HELLO, T_NACK, T_BULK_REQ = 1, 2, 3, 4, 5
HDR = struct.Struct("!IBBHIIQQHHI16s")
ENTRY = struct.Struct("!BBHIIIIIIHHHH")
TCP, UDP = 6, 17
ST_ESTABLISHED, ST_UDP = 3, 7
F_CONFIRMED = 0x1
EF_REMOVED = 0x80000000
PORT = 8850
CLONE_NEWNET = 0x40000000
DROPS = ("short", "magic", "version", "size", "syncid", "auth", "replay",
         "malformed", "peer", "own", "nomem")


def ip2int(a):
    return struct.unpack("!I", socket.inet_aton(a))[0]


def tag(key, dgram):
    z = dgram[:40] + b"\0" * 16 + dgram[56:]
    return hmac.new(key, z, hashlib.sha256).digest()[:16]


def entry(proto=TCP, state=ST_ESTABLISHED, flags=F_CONFIRMED,
          timeout_ms=600000, cip="10.9.0.1", cport=1000, vip=None,
          vport=None, vm=None, vmport=None, host=None, tlvs=b"",
          length=None, pad=0, ctx=None):
    body = ENTRY.pack(proto, state, 0, flags, timeout_ms,
                      ip2int(cip), ip2int(vip or ctx.vip),
                      ip2int(vm or ctx.vm), ip2int(host or ctx.host),
                      cport, vport if vport is not None else ctx.vport,
                      vmport if vmport is not None else ctx.vmport, pad)
    tl = tlvs + b"\0" * (-len(tlvs) % 4)
    n = length if length is not None else len(body) + len(tl)
    return body[:2] + struct.pack("!H", n) + body[4:] + tl


def setns(fd):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET):
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


class Sender:
    """Sockets bound to the peer's and the stranger's address, made in
    the namespace that has them; everything else runs in the gateway's."""

    def __init__(self, a):
        self.a = a
        self.key = bytes.fromhex(a.key)
        self.epoch = time.time_ns()
        self.seq = 0		# data
        self.ctl = 0		# control
        self.socks = {}
        here = os.open("/proc/self/ns/net", os.O_RDONLY)
        there = os.open("/run/netns/" + a.from_ns, os.O_RDONLY)
        setns(there)
        try:
            for src in (a.peer, a.stranger):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind((src, 0))
                self.socks[src] = s
        finally:
            setns(here)
            os.close(here)
            os.close(there)

    def next_seq(self, control=False):
        if control:
            self.ctl += 1
            return self.ctl
        self.seq += 1
        return self.seq

    def build(self, typ, payload, nr, seq=None, epoch=None, key=None,
              sender=None, syncid=None, magic=MAGIC, version=VERSION,
              size=None, flags=0, sign=True, reserved=0):
        if seq is None:
            seq = self.next_seq(typ in (T_HELLO, T_NACK, T_BULK_REQ))
        n = HDR.size + len(payload)
        h = HDR.pack(magic, version, typ, nr,
                     self.a.syncid if syncid is None else syncid,
                     ip2int(sender or self.a.peer),
                     self.epoch if epoch is None else epoch, seq,
                     n if size is None else size, flags, reserved,
                     b"\0" * 16)
        d = h + payload
        key = self.key if key is None else key
        if sign and key:	# no key: the tag stays zero
            d = d[:40] + tag(key, d) + d[56:]
        return d

    def update(self, entries, nr=None, **kw):
        return self.build(T_UPDATE, b"".join(entries),
                          len(entries) if nr is None else nr, **kw)

    def send(self, d, src=None):
        self.socks[src or self.a.peer].sendto(d, (self.a.addr, PORT))


class Target:
    """The gateway's counters: one tgwctl run per reading."""

    def __init__(self, a):
        self.a = a

    def conn(self, cport, cip="10.9.0.1"):
        """State of the conn from cip:cport, "" if there is none."""
        out = subprocess.run([self.a.tgwctl, "conn", "show", "client",
                              "%s:%d" % (cip, cport)], capture_output=True,
                             text=True, check=True).stdout.split()
        return out[8] if len(out) > 8 else ""

    def stats(self):
        r = subprocess.run([self.a.tgwctl, "-j", "-b", "-"],
                           input="sync stats\nrole show\n",
                           capture_output=True, text=True, check=True)
        dec = json.JSONDecoder()
        s, i = dec.raw_decode(r.stdout)
        role, _ = dec.raw_decode(r.stdout[i:].lstrip())
        out = {k: v for k, v in s.items() if not isinstance(v, dict)}
        for k, v in s["drops"].items():
            out["drops." + k] = v
        out["conns"] = role.get("conns", 0)
        return out

    def sock_drops(self):
        with open("/proc/net/snmp") as f:
            udp = [line.split() for line in f if line.startswith("Udp:")]
        vals = dict(zip(udp[0], udp[1]))
        return int(vals["RcvbufErrors"]) + int(vals["InErrors"])


def delta(before, after):
    return {k: after[k] - before.get(k, 0) for k in after
            if after[k] != before.get(k, 0)}


def run_cases(a):
    tx = Sender(a)
    tgt = Target(a)
    ctx = a
    E = lambda **kw: entry(ctx=ctx, **kw)	# noqa: E731
    saved = {}
    cport = [10000 + (tx.epoch // 1000) % 50000]	# new conns each run

    def port():
        cport[0] += 1
        return cport[0]

    def valid_update(**kw):
        return tx.update([E(cport=port())], **kw)

    def case_valid():
        d = valid_update()
        saved["valid"] = d
        return [d], {"rx_dgrams": 1, "rx_conns": 1, "installed": 1,
                     "conns": 1}

    def case_replay():
        return [saved["valid"]], {"drops.replay": 1}

    def case_tagged():
        return [valid_update(key=b"y" * 32)], {"drops.auth": 1}

    def case_wrong_key():
        return [valid_update(key=b"x" * 32)], {"drops.auth": 1}

    def case_no_tag():
        return [valid_update(sign=False)], {"drops.auth": 1}

    def case_short():
        return [valid_update()[:40]], {"drops.short": 1}

    def case_empty():
        return [b""], {"drops.short": 1}

    def case_truncated():
        return [valid_update()[:-8]], {"drops.size": 1}

    def case_size_small():
        d = valid_update(size=HDR.size + 20)
        return [d], {"drops.size": 1}

    def case_size_large():
        return [valid_update(size=1400)], {"drops.size": 1}

    def case_syncid():
        return [valid_update(syncid=a.syncid + 1)], {"drops.syncid": 1}

    def case_magic():
        return [valid_update(magic=0x49505653)], {"drops.magic": 1}

    def case_version():
        return [valid_update(version=2)], {"drops.version": 1}

    def case_stranger():
        d = valid_update(sender=a.stranger)
        return [(d, a.stranger)], {"drops.peer": 1}

    def case_spoofed_source():
        # the sender field names the peer, the packet comes from elsewhere
        return [(valid_update(), a.stranger)], {"drops.peer": 1}

    def case_own():
        return [valid_update(sender=a.addr)], {"drops.own": 1}

    def case_nr_conn_large():
        return [tx.update([E(cport=port())], nr=2)], {"drops.malformed": 1}

    def case_nr_conn_max():
        return [tx.update([E(cport=port())], nr=0xFFFF)], \
            {"drops.malformed": 1}

    def case_nr_conn_small():
        return [tx.update([E(cport=port()), E(cport=port())], nr=1)], \
            {"drops.malformed": 1}

    def case_entry_len_short():
        return [tx.update([E(cport=port(), length=32)])], \
            {"drops.malformed": 1}

    def case_entry_len_unaligned():
        e = E(cport=port(), tlvs=b"\x01\x00\x00\x00", length=38)
        return [tx.update([e])], {"drops.malformed": 1}

    def case_entry_len_beyond():
        return [tx.update([E(cport=port(), length=40)])], \
            {"drops.malformed": 1}

    def case_bad_proto():
        return [tx.update([E(cport=port(), proto=1)])], \
            {"drops.malformed": 1}

    def case_bad_state():
        return [tx.update([E(cport=port(), state=ST_UDP)])], \
            {"drops.malformed": 1}

    def case_state_none():
        return [tx.update([E(cport=port(), state=0)])], \
            {"drops.malformed": 1}

    def case_state_huge():
        return [tx.update([E(cport=port(), state=200)])], \
            {"drops.malformed": 1}

    def case_udp_tcp_state():
        return [tx.update([E(cport=port(), proto=UDP)])], \
            {"drops.malformed": 1}

    def case_pad():
        return [tx.update([E(cport=port(), pad=1)])], {"drops.malformed": 1}

    def case_zero_cip():
        return [tx.update([E(cport=port(), cip="0.0.0.0")])], \
            {"drops.malformed": 1}

    def case_trailing():
        d = tx.build(T_UPDATE, E(cport=port()) + b"\0\0\0\0", 1)
        return [d], {"drops.malformed": 1}

    def case_tlv_overrun():
        e = E(cport=port(), tlvs=b"\x01\x09\x00\x00")
        return [tx.update([e])], {"drops.malformed": 1}

    def case_bad_type():
        return [tx.build(9, b"", 0)], {"drops.malformed": 1}

    def case_type_zero():
        return [tx.build(0, b"", 0)], {"drops.malformed": 1}

    def case_epoch_zero():
        return [valid_update(epoch=0)], {"drops.malformed": 1}

    def case_seq_zero():
        return [valid_update(seq=0)], {"drops.malformed": 1}

    def case_seq_jump():
        # more than 2^31 ahead: a broken or hostile sender, not a gap
        return [valid_update(seq=tx.seq + (1 << 31) + 10)], \
            {"drops.malformed": 1}

    def case_hello_jump():
        d = tx.build(T_HELLO, struct.pack("!Q", tx.seq + (1 << 31) + 10), 0)
        return [d], {"drops.malformed": 1}

    def case_hello_bad():
        return [tx.build(T_HELLO, b"\0" * 4, 0)], {"drops.malformed": 1}

    def case_nack_zero_count():
        p = struct.pack("!QQII", tx.epoch, 1, 0, 0)
        return [tx.build(T_NACK, p, 1)], {"drops.malformed": 1}

    def case_nack_huge_count():
        p = struct.pack("!QQII", tx.epoch, 1, 1 << 20, 0)
        return [tx.build(T_NACK, p, 1)], {"drops.malformed": 1}

    def case_bulk_end_bad():
        return [tx.build(T_BULK_END, b"\0" * 12, 1)], {"drops.malformed": 1}

    def case_mandatory_tlv():
        # unknown mandatory TLV: the datagram is fine, the entry skipped
        e = E(cport=port(), tlvs=b"\x81\x02\xab\xcd")
        return [tx.update([e])], {"rx_dgrams": 1, "rx_conns": 1,
                                  "skipped": 1}

    def case_optional_tlv():
        # unknown optional TLV (and padding): the entry is installed
        e = E(cport=port(), tlvs=b"\x00\x01\x03\xaa\xbb\xcc\x00\x00")
        saved["opt_port"] = cport[0]
        return [tx.update([e])], {"rx_dgrams": 1, "rx_conns": 1,
                                  "installed": 1, "conns": 1}

    def case_no_service():
        return [tx.update([E(cport=port(), vport=9)])], \
            {"rx_dgrams": 1, "rx_conns": 1, "skipped": 1}

    def case_removed():
        e = E(cport=saved["opt_port"], flags=EF_REMOVED | F_CONFIRMED)
        return [tx.update([e])], {"rx_dgrams": 1, "rx_conns": 1,
                                  "removed": 1, "conns": -1}

    def case_control_replay():
        s = tx.next_seq(control=True)
        d = tx.build(T_HELLO, struct.pack("!Q", tx.seq), 0, seq=s)
        return [d, d], {"rx_dgrams": 1, "drops.replay": 1}

    def case_old_epoch():
        return [valid_update(epoch=tx.epoch - 1)], {"drops.replay": 1}

    def case_outside_window():
        # jump 2000 ahead (an empty UPDATE), then one from far behind
        far = tx.seq + 2000
        jump = tx.update([], seq=far)
        old = valid_update(seq=tx.seq + 1)
        tx.seq = far
        return [jump, old], {"rx_dgrams": 1, "drops.replay": 1,
                             "gaps": None, "lost": None, "nack_tx": None}

    # A datagram repaired late (sent again after a NACK) carries older
    # news than the ones that arrived meanwhile: it must not win.
    def case_late_repair_state():
        p = port()
        est = tx.update([E(cport=p, timeout_ms=900000)])
        fin = tx.update([E(cport=p, state=4, flags=0x5, timeout_ms=120000)])
        tw = tx.update([E(cport=p, state=5, flags=0xd, timeout_ms=120000)])

        def verify():
            st = tgt.conn(p)
            return "" if st == "time_wait" else \
                "state %s after the late fin_wait, want time_wait" % st
        return [est, tw, fin], {"rx_dgrams": 3, "rx_conns": 3,
                                "installed": 1, "updated": "any",
                                "gaps": "any", "nack_tx": "any",
                                "conns": 1}, verify

    def case_late_repair_removed():
        p = port()
        est = tx.update([E(cport=p, timeout_ms=900000)])
        again = tx.update([E(cport=p, timeout_ms=900000)])	# a refresh
        gone = tx.update([E(cport=p, state=6, timeout_ms=0,
                            flags=EF_REMOVED | F_CONFIRMED)])

        def verify():
            st = tgt.conn(p)
            return "" if not st else \
                "conn back (%s) after the late refresh" % st
        return [est, gone, again], {"rx_dgrams": 3, "rx_conns": 3,
                                    "installed": 1, "removed": 1,
                                    "updated": "any", "skipped": "any",
                                    "gaps": "any", "nack_tx": "any"}, \
            verify

    # A gap never repaired (this sender ignores NACKs): after a second
    # the receiver gives it up, applies what it held past it, counts the
    # number lost and asks for the whole table.
    def case_gap_given_up():
        never = tx.update([E(cport=port())])
        past = tx.update([E(cport=port())])
        saved["given_up"] = never
        return [past], {"rx_dgrams": 1, "rx_conns": 1, "installed": 1,
                        "conns": 1, "gaps": 1, "lost": 1, "nack_tx": None,
                        "bulk_req_tx": None}

    def case_given_up_late():
        return [saved["given_up"]], {"drops.replay": 1}

    def case_new_epoch():
        # a restarted peer: new epoch, sequence from 1 again
        saved["old_epoch"] = tx.epoch
        tx.epoch += 1000
        tx.seq = 0
        tx.ctl = 0
        return [valid_update()], {"rx_dgrams": 1, "rx_conns": 1,
                                  "installed": 1, "conns": 1}

    def case_previous_epoch():
        return [valid_update(epoch=saved["old_epoch"], seq=99999)], \
            {"drops.replay": 1}

    cases = [
        ("valid datagram installs its entry", case_valid),
        ("replayed datagram", case_replay),
        ("wrong key", case_wrong_key),
        ("no tag", case_no_tag),
        ("truncated below the header", case_short),
        ("empty datagram", case_empty),
        ("truncated payload", case_truncated),
        ("size field smaller than the datagram", case_size_small),
        ("size field larger than the datagram", case_size_large),
        ("foreign syncid", case_syncid),
        ("wrong magic", case_magic),
        ("unknown version", case_version),
        ("sender not a peer", case_stranger),
        ("peer's sender id from another address", case_spoofed_source),
        ("our own sender id", case_own),
        ("nr_conn above the entries", case_nr_conn_large),
        ("nr_conn 65535", case_nr_conn_max),
        ("nr_conn below the entries", case_nr_conn_small),
        ("entry len below 36", case_entry_len_short),
        ("entry len not a multiple of 4", case_entry_len_unaligned),
        ("entry len beyond the datagram", case_entry_len_beyond),
        ("entry proto icmp", case_bad_proto),
        ("tcp entry in state udp", case_bad_state),
        ("tcp entry in state none", case_state_none),
        ("entry state 200", case_state_huge),
        ("udp entry in a tcp state", case_udp_tcp_state),
        ("entry pad not zero", case_pad),
        ("entry client 0.0.0.0", case_zero_cip),
        ("trailing bytes", case_trailing),
        ("TLV beyond its entry", case_tlv_overrun),
        ("unknown datagram type", case_bad_type),
        ("datagram type 0", case_type_zero),
        ("epoch 0", case_epoch_zero),
        ("sequence 0", case_seq_zero),
        ("sequence 2^31 ahead", case_seq_jump),
        ("HELLO announcing 2^31 ahead", case_hello_jump),
        ("HELLO of the wrong length", case_hello_bad),
        ("NACK range of 0", case_nack_zero_count),
        ("NACK range above the window", case_nack_huge_count),
        ("BULK_END of the wrong length", case_bulk_end_bad),
        ("unknown mandatory TLV: entry skipped", case_mandatory_tlv),
        ("unknown optional TLV: entry installed", case_optional_tlv),
        ("entry for a service not here: skipped", case_no_service),
        ("REMOVED entry deletes the synced conn", case_removed),
        ("replayed control datagram", case_control_replay),
        ("older epoch", case_old_epoch),
        ("sequence behind the window", case_outside_window),
        ("late repair does not turn time_wait back to fin_wait",
         case_late_repair_state),
        ("late repair does not bring a removed conn back",
         case_late_repair_removed),
        ("gap not repaired in a second: given up, held datagram applied",
         case_gap_given_up),
        ("late copy of a given-up datagram", case_given_up_late),
        ("restarted peer: new epoch accepted", case_new_epoch),
        ("previous epoch after a restart", case_previous_epoch),
    ]
    if not tx.key:
        cases = [
            ("untagged datagram accepted", case_valid),
            ("tagged datagram dropped", case_tagged),
            ("replayed datagram", case_replay),
            ("foreign syncid", case_syncid),
        ]
    only = set(a.only.split(",")) if a.only else None
    for name, fn in cases:
        if only and fn.__name__[5:] not in only:
            continue
        before = tgt.stats()
        seq0 = tx.seq
        dgrams, want, *verify = fn()
        for d in dgrams:
            if isinstance(d, tuple):
                tx.send(*d)
            else:
                tx.send(d)
        # wait until what we expect moved (the receiver is a workqueue)
        end = time.monotonic() + a.timeout
        while True:
            got = delta(before, tgt.stats())
            done = all(got.get(k, 0) == v for k, v in want.items()
                       if v not in (None, "any"))
            if done or time.monotonic() > end:
                break
            time.sleep(0.05)
        time.sleep(0.1)	# anything else that would move, moves now
        got = delta(before, tgt.stats())
        why = []
        for k, v in want.items():
            if v == "any":
                continue
            if v is None:
                if not got.get(k):
                    why.append("%s did not move" % k)
            elif got.get(k, 0) != v:
                why.append("%s %+d, want %+d" % (k, got.get(k, 0), v))
        for k, v in got.items():
            if k.startswith("drops.") and k not in want:
                why.append("%s %+d unexpected" % (k, v))
            if k in ("installed", "updated", "removed") and k not in want:
                why.append("%s %+d unexpected" % (k, v))
        if "conns" not in want and got.get("conns"):
            why.append("conns %+d unexpected" % got["conns"])
        for v in verify:
            msg = v()
            if msg:
                why.append(msg)
        if "rx_dgrams" not in want:
            # Every datagram of the case was refused: the receiver never
            # saw their sequence numbers, so the next case reuses them
            # (a hole would hold back what follows, waiting for repair).
            tx.seq = seq0
        print(json.dumps({"case": name, "ok": not why,
                          "why": "; ".join(why) or "ok",
                          "moved": got}))
        sys.stdout.flush()


def fuzz(a):
    rnd = random.Random(a.seed)
    tx = Sender(a)
    tgt = Target(a)
    tx.epoch = time.time_ns()
    before = tgt.stats()
    sock0 = tgt.sock_drops()
    ctx = a

    def rand_entry():
        tl = b""
        if rnd.random() < 0.3:
            tl = bytes([rnd.choice((0, 1, 0x81, rnd.randrange(256))),
                        rnd.randrange(8)]) + rnd.randbytes(rnd.randrange(8))
        return entry(proto=rnd.choice((TCP, TCP, UDP, rnd.randrange(256))),
                     state=rnd.randrange(9),
                     flags=rnd.choice((0, 1, EF_REMOVED,
                                       rnd.getrandbits(32))),
                     timeout_ms=rnd.getrandbits(32),
                     cip="10.9.%d.%d" % (rnd.randrange(256),
                                         rnd.randrange(256)),
                     cport=rnd.randrange(65536),
                     vport=rnd.choice((ctx.vport, rnd.randrange(65536))),
                     tlvs=tl, ctx=ctx)

    def rand_valid():
        t = rnd.choice((T_UPDATE, T_UPDATE, T_UPDATE, T_HELLO, T_NACK,
                        T_BULK_END, T_BULK_REQ))
        if t == T_UPDATE:
            es = [rand_entry() for _ in range(rnd.randrange(4))]
            return t, b"".join(es), len(es)
        if t == T_HELLO:
            return t, struct.pack("!Q", rnd.randrange(1 << 12)), 0
        if t == T_NACK:
            n = rnd.randrange(1, 4)
            p = struct.pack("!Q", rnd.choice((tx.epoch, 0)))
            for _ in range(n):
                p += struct.pack("!QII", rnd.randrange(1 << 12),
                                 rnd.randrange(2048), 0)
            return t, p, n
        if t == T_BULK_END:
            n = rnd.randrange(3)
            return t, rnd.randbytes(8 * n), n
        return t, rnd.randbytes(4), 0

    def mutate(d):
        d = bytearray(d)
        for _ in range(rnd.randrange(1, 6)):
            op = rnd.randrange(4)
            if op == 0 and d:
                d[rnd.randrange(len(d))] = rnd.randrange(256)
            elif op == 1 and d:
                i = rnd.randrange(len(d))
                d[i] ^= 1 << rnd.randrange(8)
            elif op == 2:
                d = d[:rnd.randrange(len(d) + 1)]
            else:
                d += rnd.randbytes(rnd.randrange(1, 64))
        return bytes(d)

    sent = 0
    for i in range(a.count):
        k = rnd.random()
        if k < 0.15:
            d = rnd.randbytes(rnd.choice((rnd.randrange(64),
                                          rnd.randrange(1500),
                                          rnd.randrange(65508))))
        elif k < 0.35:
            t, p, n = rand_valid()
            d = mutate(tx.build(t, p, n))
        else:
            # mutated, then size fixed up and signed: reaches the parser
            t, p, n = rand_valid()
            d = bytearray(mutate(tx.build(t, p, n)))
            if len(d) >= HDR.size:
                struct.pack_into("!IBB", d, 0, MAGIC, VERSION, d[5])
                struct.pack_into("!I", d, 8, a.syncid)
                struct.pack_into("!I", d, 12, ip2int(a.peer))
                struct.pack_into("!QQH", d, 16, tx.epoch,
                                 tx.next_seq(), len(d))
                d = bytes(d[:40]) + tag(tx.key, bytes(d)) + bytes(d[56:])
            d = bytes(d)
        tx.send(d)
        sent += 1
        if i % 200 == 199:
            time.sleep(0.05)	# let the receiver keep up
    # wait until everything is accounted for
    end = time.monotonic() + a.timeout
    while True:
        got = delta(before, tgt.stats())
        sockd = tgt.sock_drops() - sock0
        acc = got.get("rx_dgrams", 0) + sockd + sum(
            got.get("drops." + k, 0) for k in DROPS)
        if acc >= sent or time.monotonic() > end:
            break
        time.sleep(0.5)
    got["socket_drops"] = sockd
    print(json.dumps({"sent": sent, "accounted": acc, "moved": got}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=("cases", "fuzz"))
    p.add_argument("--from-ns", required=True)
    p.add_argument("--tgwctl", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--syncid", type=int, required=True)
    p.add_argument("--addr", required=True, help="the gateway's sync address")
    p.add_argument("--peer", required=True, help="a configured peer (ours)")
    p.add_argument("--stranger", required=True, help="not a peer (ours)")
    p.add_argument("--vip", required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--vm", required=True)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--only")
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    a.vip, a.vport = a.vip.split(":")[0], int(a.vip.split(":")[1])
    a.vm, a.vmport = a.vm.split(":")[0], int(a.vm.split(":")[1])
    {"cases": run_cases, "fuzz": fuzz}[a.mode](a)


if __name__ == "__main__":
    main()
