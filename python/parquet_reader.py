#!/usr/bin/env python3
"""Reads the episode files the browser trainer records (`npm run record`, the page's
"Record episodes"), with nothing but the Python standard library.

The files are ordinary Parquet, and pyarrow / pandas.read_parquet / ray.data.read_parquet read
them where installed. This reader exists for machines without those packages (Debian bookworm
ships python3-pandas but neither pyarrow nor fastparquet). It reads the subset of Parquet the
trainer writes, and says so when a file uses anything else:

  - footer: Thrift compact protocol FileMetaData (any number of row groups)
  - pages: DATA_PAGE (v1) and DATA_PAGE_V2, UNCOMPRESSED, PLAIN encoding
  - levels: RLE / bit-packed hybrid
  - columns: required or optional primitives; 3-level LIST columns of primitives

Usage:
    python3 parquet_reader.py FILE.parquet           # summary as JSON on stdout
    python3 parquet_reader.py FILE.parquet --rows 3  # ... with the first 3 rows

    from parquet_reader import read_parquet
    columns, metadata = read_parquet("expert.parquet")   # {"obs": [[...], ...], ...}, {"rl.env": ...}
"""

import json
import struct
import sys

# Parquet physical types (parquet.thrift `Type`).
BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY = range(8)
REQUIRED, OPTIONAL, REPEATED = range(3)
DATA_PAGE, INDEX_PAGE, DICTIONARY_PAGE, DATA_PAGE_V2 = range(4)
PLAIN = 0
UNCOMPRESSED = 0
CONVERTED_UTF8 = 0


class UnsupportedParquet(Exception):
    """The file uses a Parquet feature outside the subset this reader handles."""


# ---------------------------------------------------------------------------------------------
# Thrift compact protocol: structs come back as {field id: value}.

class CompactReader:
    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self):
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7

    def zigzag(self):
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, ttype):
        if ttype in (1, 2):  # bool inside a struct: the type carries the value
            return ttype == 1
        if ttype == 3:
            return struct.unpack("b", bytes([self.byte()]))[0]
        if ttype in (4, 5, 6):
            return self.zigzag()
        if ttype == 7:
            v = struct.unpack_from("<d", self.data, self.pos)[0]
            self.pos += 8
            return v
        if ttype == 8:
            n = self.varint()
            v = bytes(self.data[self.pos:self.pos + n])
            self.pos += n
            return v
        if ttype in (9, 10):
            head = self.byte()
            size = head >> 4
            if size == 15:
                size = self.varint()
            etype = head & 0x0F
            if etype in (1, 2):  # bools in a list are one byte each
                return [self.byte() == 1 for _ in range(size)]
            return [self.value(etype) for _ in range(size)]
        if ttype == 11:
            size = self.varint()
            if size == 0:
                return {}
            kv = self.byte()
            return {self.value(kv >> 4): self.value(kv & 0x0F) for _ in range(size)}
        if ttype == 12:
            return self.struct()
        raise UnsupportedParquet("unknown Thrift compact type %d" % ttype)

    def struct(self):
        out = {}
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return out
            delta = head >> 4
            fid = last + delta if delta else self.zigzag()
            out[fid] = self.value(head & 0x0F)
            last = fid


# ---------------------------------------------------------------------------------------------
# Levels and values.

def read_hybrid(data, pos, end, bit_width, count):
    """RLE / bit-packed hybrid values (levels), `count` of them, from data[pos:end]."""
    out = []
    r = CompactReader(data, pos)
    byte_width = (bit_width + 7) // 8
    mask = (1 << bit_width) - 1
    while len(out) < count and r.pos < end:
        header = r.varint()
        if header & 1:  # bit-packed groups of 8
            groups = header >> 1
            nbytes = groups * bit_width
            bits = int.from_bytes(data[r.pos:r.pos + nbytes], "little")
            r.pos += nbytes
            for i in range(groups * 8):
                out.append((bits >> (i * bit_width)) & mask)
        else:  # a run of one value
            run = header >> 1
            value = int.from_bytes(data[r.pos:r.pos + byte_width], "little")
            r.pos += byte_width
            out.extend([value] * run)
    return out[:count]


def read_plain(data, pos, ptype, count, type_length):
    if ptype == BOOLEAN:
        return [bool(data[pos + i // 8] >> (i % 8) & 1) for i in range(count)]
    fmt = {INT32: "<i", INT64: "<q", FLOAT: "<f", DOUBLE: "<d"}.get(ptype)
    if fmt:
        size = struct.calcsize(fmt)
        return list(struct.unpack_from("<%d%s" % (count, fmt[1]), data, pos)) if count else []
    if ptype == BYTE_ARRAY:
        out = []
        for _ in range(count):
            (n,) = struct.unpack_from("<I", data, pos)
            out.append(bytes(data[pos + 4:pos + 4 + n]))
            pos += 4 + n
        return out
    if ptype == FIXED_LEN_BYTE_ARRAY:
        return [bytes(data[pos + i * type_length:pos + (i + 1) * type_length]) for i in range(count)]
    raise UnsupportedParquet("physical type %d" % ptype)


# ---------------------------------------------------------------------------------------------
# Schema: leaf columns with their levels.

def leaf_columns(schema):
    """[(path tuple, leaf element, max_def, max_rep, def level of the repeated node or None)]."""
    leaves = []

    def walk(i, path, max_def, max_rep, rep_def):
        el = schema[i]
        rep = el.get(3, REQUIRED)
        if rep != REQUIRED:
            max_def += 1
        if rep == REPEATED:
            max_rep += 1
            rep_def = max_def
        path = path + (el[4].decode(),)
        i += 1
        children = el.get(5, 0)
        if not children:
            leaves.append((path, el, max_def, max_rep, rep_def))
            return i
        for _ in range(children):
            i = walk(i, path, max_def, max_rep, rep_def)
        return i

    i = 1
    for _ in range(schema[0].get(5, 0)):
        i = walk(i, (), 0, 0, None)
    return leaves


def read_chunk(data, meta, leaf):
    """Values and levels of one column chunk: (values, def levels, rep levels)."""
    path, el, max_def, max_rep, _ = leaf
    if meta.get(4, UNCOMPRESSED) != UNCOMPRESSED:
        raise UnsupportedParquet("column %s is compressed (codec %d)" % (".".join(path), meta[4]))
    ptype = meta[1]
    total = meta[5]
    pos = meta.get(11) or meta[9]  # dictionary page first, if any
    values, defs, reps = [], [], []
    def_width = max_def.bit_length()
    rep_width = max_rep.bit_length()
    while len(defs if max_def else values) < total:
        r = CompactReader(data, pos)
        header = r.struct()
        body = r.pos
        size = header[3]
        ptype_page = header[1]
        if ptype_page == DICTIONARY_PAGE:
            raise UnsupportedParquet("column %s is dictionary-encoded" % ".".join(path))
        if ptype_page == DATA_PAGE_V2:
            h = header[8]
            n, encoding = h[1], h[4]
            rep_len, def_len = h.get(6, 0), h.get(5, 0)
            page_reps = read_hybrid(data, body, body + rep_len, rep_width, n) if max_rep else [0] * n
            page_defs = read_hybrid(data, body + rep_len, body + rep_len + def_len, def_width, n) if max_def else [0] * n
            vpos = body + rep_len + def_len
        elif ptype_page == DATA_PAGE:
            h = header[5]
            n, encoding = h[1], h[2]
            vpos = body
            page_reps = page_defs = [0] * n
            if max_rep:
                (length,) = struct.unpack_from("<I", data, vpos)
                page_reps = read_hybrid(data, vpos + 4, vpos + 4 + length, rep_width, n)
                vpos += 4 + length
            if max_def:
                (length,) = struct.unpack_from("<I", data, vpos)
                page_defs = read_hybrid(data, vpos + 4, vpos + 4 + length, def_width, n)
                vpos += 4 + length
        else:
            pos = body + size
            continue
        if encoding != PLAIN:
            raise UnsupportedParquet("column %s uses encoding %d, not PLAIN" % (".".join(path), encoding))
        present = sum(1 for d in page_defs if d == max_def) if max_def else n
        values.extend(read_plain(data, vpos, ptype, present, el.get(2, 0)))
        defs.extend(page_defs)
        reps.extend(page_reps)
        pos = body + size
    return values, defs, reps


def convert(value, el):
    if isinstance(value, bytes) and el.get(6) == CONVERTED_UTF8:
        return value.decode("utf-8")
    return value


def assemble(leaf, values, defs, reps):
    """Row values of a leaf: scalars (None where null) or lists (one level of LIST)."""
    path, el, max_def, max_rep, rep_def = leaf
    it = iter(values)
    if max_rep == 0:
        if max_def == 0:
            return [convert(v, el) for v in values]
        return [convert(next(it), el) if d == max_def else None for d in defs]
    if max_rep > 1:
        raise UnsupportedParquet("column %s is nested more than one list deep" % ".".join(path))
    rows = []
    for d, r in zip(defs, reps):
        if r == 0:
            rows.append(None if d < rep_def - 1 else [])
        if d >= rep_def:
            rows[-1].append(convert(next(it), el) if d == max_def else None)
    return rows


def read_parquet(file):
    """({column name: [row values]}, {footer key: value}) of a Parquet file."""
    with open(file, "rb") as fh:
        data = fh.read()
    if data[:4] != b"PAR1" or data[-4:] != b"PAR1":
        raise UnsupportedParquet("%s is not a Parquet file (no PAR1 magic)" % file)
    (footer_len,) = struct.unpack_from("<I", data, len(data) - 8)
    meta = CompactReader(data, len(data) - 8 - footer_len).struct()
    schema = meta[2]
    leaves = leaf_columns(schema)
    columns = {leaf[0][0]: [] for leaf in leaves}
    for group in meta.get(4, []):
        for leaf, chunk in zip(leaves, group[1]):
            rows = assemble(leaf, *read_chunk(data, chunk[3], leaf))
            columns[leaf[0][0]].extend(rows)
    kv = {e[1].decode(): e.get(2, b"").decode() for e in meta.get(5, [])}
    return columns, kv


def summary(columns, kv, num_rows_shown=0):
    n = len(next(iter(columns.values()), []))
    returns = {}
    for eps, r in zip(columns.get("eps_id", []), columns.get("rewards", [])):
        returns[eps] = returns.get(eps, 0.0) + r
    out = {
        "num_rows": n,
        "columns": list(columns),
        "metadata": kv,
        "num_episodes": len(returns),
        "episode_return_mean": sum(returns.values()) / len(returns) if returns else None,
        "num_terminated": sum(1 for t in columns.get("terminateds", []) if t),
        "num_truncated": sum(1 for t in columns.get("truncateds", []) if t),
    }
    if num_rows_shown:
        out["rows"] = [{k: v[i] for k, v in columns.items()} for i in range(min(n, num_rows_shown))]
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) >= 2 else 2)
    shown = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 0
    try:
        cols, meta = read_parquet(sys.argv[1])
    except (UnsupportedParquet, OSError) as e:
        print("error: %s" % e, file=sys.stderr)
        sys.exit(1)
    json.dump(summary(cols, meta, shown), sys.stdout)
    print()
