#!/usr/bin/env python3
"""Property test of python/parquet_reader.py (standard library only; run by
test/unit/offline-parquet-python.test.ts).

Feeds the reader generated files: random bytes, a valid recording with bytes flipped or cut,
Thrift footers built from random parts (huge lists, maps and strings, deep nesting, long varints)
and the valid footer with one count replaced by a hostile number. Every case must return or raise
the reader's own error (ParquetError, a ValueError) with a message, within CASE_BUDGET_S, under a
memory cap; a hang, a MemoryError, a RecursionError or any other exception fails the case.

Usage: parquet_reader_fuzz.py VALID.parquet [--seed N] [--cases N]
       parquet_reader_fuzz.py --one FILE     # one file: prints the outcome as JSON
Prints a JSON summary; exits 1 when a case failed.
"""

import json
import os
import random
import resource
import signal
import struct
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "python"))
import parquet_reader  # noqa: E402

# A case that reads a few-KB file gets this long; a valid one takes about a millisecond.
CASE_BUDGET_S = 2.0
# Address space for the whole process: a reader that allocates what a footer claims hits it.
MEMORY_CAP_BYTES = 1 << 30

# The error the reader promises; older versions only had UnsupportedParquet.
ALLOWED = getattr(parquet_reader, "ParquetError", parquet_reader.UnsupportedParquet)


class Hang(BaseException):
    """Raised by the alarm: the case ran past its budget."""


def _alarm(signum, frame):
    raise Hang()


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def zigzag(n):
    return varint((n << 1) if n >= 0 else ((-n) << 1) - 1)


def wrap(footer, body=b""):
    return b"PAR1" + body + footer + struct.pack("<I", len(footer)) + b"PAR1"


# ---------------------------------------------------------------------------------------------
# A Thrift compact codec that keeps wire types, to re-encode the valid footer with one change.

def decode_struct(data, pos):
    fields = []
    last = 0
    while True:
        head = data[pos]
        pos += 1
        if head == 0:
            return fields, pos
        t = head & 0x0F
        if head >> 4:
            fid = last + (head >> 4)
        else:
            n, pos = read_varint(data, pos)
            fid = (n >> 1) ^ -(n & 1)
        value, pos = decode_value(data, pos, t)
        fields.append([fid, t, value])
        last = fid


def read_varint(data, pos):
    shift = result = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def decode_value(data, pos, t):
    if t in (1, 2):
        return t == 1, pos
    if t == 3:
        return data[pos], pos + 1
    if t in (4, 5, 6):
        n, pos = read_varint(data, pos)
        return (n >> 1) ^ -(n & 1), pos
    if t == 7:
        return data[pos:pos + 8], pos + 8
    if t == 8:
        n, pos = read_varint(data, pos)
        return data[pos:pos + n], pos + n
    if t == 9:
        head = data[pos]
        pos += 1
        size = head >> 4
        if size == 15:
            size, pos = read_varint(data, pos)
        et = head & 0x0F
        items = []
        for _ in range(size):
            if et in (1, 2):
                items.append(data[pos] == 1)
                pos += 1
            else:
                v, pos = decode_value(data, pos, et)
                items.append(v)
        return (et, items), pos
    if t == 12:
        return decode_struct(data, pos)
    raise ValueError("type %d" % t)


def encode_struct(fields):
    out = bytearray()
    last = 0
    for fid, t, value in fields:
        wire = (1 if value else 2) if t in (1, 2) else t
        if 0 < fid - last <= 15:
            out.append(((fid - last) << 4) | wire)
        else:
            out.append(wire)
            out += zigzag(fid)
        out += encode_value(wire, value)
        last = fid
    out.append(0)
    return bytes(out)


def encode_value(t, value):
    if t in (1, 2):
        return b""
    if t == 3:
        return bytes([value & 0xFF])
    if t in (4, 5, 6):
        return zigzag(value)
    if t == 7:
        return bytes(value)
    if t == 8:
        return varint(len(value)) + bytes(value)
    if t == 9:
        et, items = value
        head = bytes([(len(items) << 4) | et]) if len(items) < 15 else bytes([0xF0 | et]) + varint(len(items))
        body = b"".join(bytes([1 if v else 2]) if et in (1, 2) else encode_value(et, v) for v in items)
        return head + body
    if t == 12:
        return encode_struct(value)
    raise ValueError("type %d" % t)


def int_slots(fields, out):
    """Every integer field and list length in a decoded struct, as setters."""
    for f in fields:
        fid, t, value = f
        if t in (3, 4, 5, 6):
            out.append(lambda v, f=f: f.__setitem__(2, v))
        elif t == 12:
            int_slots(value, out)
        elif t == 9:
            et, items = value
            if et == 12:
                for item in items:
                    int_slots(item, out)
            elif et in (3, 4, 5, 6):
                for i in range(len(items)):
                    out.append(lambda v, items=items, i=i: items.__setitem__(i, v))
    return out


# ---------------------------------------------------------------------------------------------
# Generators.

HOSTILE_INTS = [-1, -(2 ** 31), 0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 2 ** 53 + 1, 2 ** 62, 2 ** 63 - 1]


def random_thrift(rng, depth=0):
    """A struct of random fields: any wire type, huge declared sizes, deep nesting."""
    out = bytearray()
    for _ in range(rng.randint(0, 4)):
        t = rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15])
        out.append((rng.randint(1, 15) << 4) | t)
        if t in (4, 5, 6):
            out += zigzag(rng.choice(HOSTILE_INTS))
        elif t == 3:
            out.append(rng.randint(0, 255))
        elif t == 7:
            out += bytes(rng.randint(0, 255) for _ in range(8))
        elif t == 8:
            out += varint(rng.choice([0, 3, 2 ** 20, 2 ** 50]))
            out += b"abc"
        elif t in (9, 10):
            out.append(0xF0 | rng.choice([1, 2, 3, 5, 8, 9, 12]))
            out += varint(rng.choice([0, 1, 15, 2 ** 31, 2 ** 62]))
        elif t == 11:
            out += varint(rng.choice([1, 2 ** 31, 2 ** 62]))
            out.append(rng.choice([0x11, 0x22, 0x58, 0xCC]))
        elif t == 12 and depth < 3:
            out += random_thrift(rng, depth + 1)
    out.append(0)
    return bytes(out)


def deep_nesting(rng):
    depth = rng.choice([100, 1000, 5000, 20000])
    kind = rng.choice(["struct", "list"])
    if kind == "struct":
        return b"\x1c" * depth + b"\x00" * (depth + 1)
    return b"\x19" + b"\x19" * depth + b"\x00" * 4


def generate(rng, valid):
    footer_len = struct.unpack_from("<I", valid, len(valid) - 8)[0]
    footer_start = len(valid) - 8 - footer_len
    kind = rng.choice(["random", "flip_footer", "flip_footer", "flip_any", "cut", "thrift", "thrift", "deep", "count"])
    if kind == "random":
        body = bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 64)))
        return kind, wrap(body) if rng.random() < 0.7 else body
    if kind in ("flip_footer", "flip_any"):
        data = bytearray(valid)
        lo = footer_start if kind == "flip_footer" else 0
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(lo, len(data) - 8)] = rng.randint(0, 255)
        return kind, bytes(data)
    if kind == "cut":
        data = bytearray(valid[:rng.randrange(0, len(valid))] + b"PAR1")
        if len(data) >= 8 and rng.random() < 0.5:
            struct.pack_into("<I", data, len(data) - 8, rng.choice([0, 1, 2 ** 31, 2 ** 32 - 1, footer_len]))
        return kind, bytes(data)
    if kind == "thrift":
        return kind, wrap(random_thrift(rng), valid[4:footer_start] if rng.random() < 0.5 else b"")
    if kind == "deep":
        return kind, wrap(deep_nesting(rng))
    fields, _ = decode_struct(valid, footer_start)
    slots = int_slots(fields, [])
    for _ in range(rng.randint(1, 3)):
        rng.choice(slots)(rng.choice(HOSTILE_INTS))
    return kind, wrap(encode_struct(fields), valid[4:footer_start])


def run_case(path):
    """('ok' | 'error' | 'FAIL', detail): the reader's outcome on one file."""
    signal.setitimer(signal.ITIMER_REAL, CASE_BUDGET_S)
    try:
        parquet_reader.read_parquet(path)
        return "ok", ""
    except Hang:
        return "FAIL", "no answer within %.1f s" % CASE_BUDGET_S
    except ALLOWED as e:
        if not str(e):
            return "FAIL", "%s without a message" % type(e).__name__
        return "error", str(e)[:200]
    except BaseException as e:  # noqa: BLE001 - anything else is the failure under test
        return "FAIL", "%s: %s" % (type(e).__name__, str(e)[:200])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main():
    signal.signal(signal.SIGALRM, _alarm)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP_BYTES, MEMORY_CAP_BYTES))
    args = sys.argv[1:]
    if args[:1] == ["--one"]:
        outcome, detail = run_case(args[1])
        print(json.dumps({"outcome": outcome, "detail": detail}))
        return 0 if outcome != "FAIL" else 1
    valid_path = args[0]
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 27
    cases = int(args[args.index("--cases") + 1]) if "--cases" in args else 1200
    with open(valid_path, "rb") as fh:
        valid = fh.read()
    rng = random.Random(seed)
    counts = {}
    failures = []
    slowest = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "case.parquet")
        for i in range(cases):
            kind, data = generate(rng, valid)
            with open(path, "wb") as fh:
                fh.write(data)
            t0 = time.perf_counter()
            outcome, detail = run_case(path)
            slowest = max(slowest, time.perf_counter() - t0)
            counts["%s/%s" % (kind, outcome)] = counts.get("%s/%s" % (kind, outcome), 0) + 1
            if outcome == "FAIL" and len(failures) < 10:
                failures.append({"case": i, "kind": kind, "detail": detail, "bytes": data[:80].hex()})
    print(json.dumps({"cases": cases, "seed": seed, "counts": counts, "failures": failures,
                      "slowest_s": round(slowest, 3)}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
