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

A file it cannot read raises ParquetError (a ValueError; UnsupportedParquet for a feature outside
the subset) naming the file and what is wrong. Every count and size in the file is checked against
the bytes it has before anything of that size is built, Thrift nesting is bounded, and a file may
hold at most MAX_ROWS rows, so a damaged or hostile file fails at once instead of hanging.

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

# Limits, each checked before anything of that size is built (the browser reader has the same).
# Rows per file, as the trainer's reader: it holds a file in memory whole (2^24 CartPole rows ~1.2 GB).
MAX_ROWS = 1 << 24
# Values in one column chunk (a row of obs holds obs_dim of them): 2^27 floats are 512 MB.
MAX_VALUES = 1 << 27
# Thrift nesting: Parquet's footer is at most ~6 structs deep; past this a file is not Parquet.
MAX_THRIFT_DEPTH = 64
# Schema nesting: this reader reads primitives and one level of LIST (3 schema levels).
MAX_SCHEMA_DEPTH = 16


class ParquetError(ValueError):
    """The file cannot be read: damaged, not Parquet, or claiming more than it holds. The
    message says what and where."""


class UnsupportedParquet(ParquetError):
    """The file uses a Parquet feature outside the subset this reader handles."""


# ---------------------------------------------------------------------------------------------
# Thrift compact protocol: structs come back as {field id: value}. Every size is checked against
# the bytes left before anything is read or built, and nesting is bounded.

class CompactReader:
    def __init__(self, data, pos=0, end=None):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end

    def need(self, n, what):
        if n < 0 or n > self.end - self.pos:
            raise ParquetError("%s needs %d bytes at offset %d, only %d are left"
                               % (what, n, self.pos, self.end - self.pos))

    def byte(self):
        self.need(1, "Thrift data")
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
            if shift > 63:
                raise ParquetError("Thrift varint longer than 10 bytes at offset %d" % self.pos)

    def zigzag(self):
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def size(self, n, min_bytes_each, what):
        """A collection's declared size, if the bytes left can hold it."""
        self.need(n * min_bytes_each, "a Thrift %s of %d entries" % (what, n))
        return n

    def element(self, etype, depth):
        """A list, set or map element: bools are one byte each there."""
        if etype in (1, 2):
            return self.byte() == 1
        return self.value(etype, depth)

    def value(self, ttype, depth=0):
        if ttype in (1, 2):  # bool inside a struct: the type carries the value
            return ttype == 1
        if ttype == 3:
            b = self.byte()
            return b - 256 if b > 127 else b
        if ttype in (4, 5, 6):
            return self.zigzag()
        if ttype == 7:
            self.need(8, "a Thrift double")
            v = struct.unpack_from("<d", self.data, self.pos)[0]
            self.pos += 8
            return v
        if ttype == 8:
            n = self.varint()
            self.need(n, "a Thrift string")
            v = bytes(self.data[self.pos:self.pos + n])
            self.pos += n
            return v
        if depth >= MAX_THRIFT_DEPTH:
            raise ParquetError("Thrift data nested more than %d deep" % MAX_THRIFT_DEPTH)
        if ttype in (9, 10):
            head = self.byte()
            size = head >> 4
            if size == 15:
                size = self.varint()
            etype = head & 0x0F
            size = self.size(size, 1, "list")
            return [self.element(etype, depth + 1) for _ in range(size)]
        if ttype == 11:
            size = self.varint()
            if size == 0:
                return {}
            kv = self.byte()
            size = self.size(size, 2, "map")
            out = {}
            for _ in range(size):
                k = self.element(kv >> 4, depth + 1)
                out[k if not isinstance(k, (list, dict)) else repr(k)] = self.element(kv & 0x0F, depth + 1)
            return out
        if ttype == 12:
            return self.struct(depth + 1)
        raise ParquetError("unknown Thrift compact type %d at offset %d" % (ttype, self.pos))

    def struct(self, depth=0):
        if depth > MAX_THRIFT_DEPTH:
            raise ParquetError("Thrift data nested more than %d deep" % MAX_THRIFT_DEPTH)
        out = {}
        last = 0
        while True:
            head = self.byte()
            if head == 0:
                return out
            delta = head >> 4
            fid = last + delta if delta else self.zigzag()
            out[fid] = self.value(head & 0x0F, depth)
            last = fid


_MISSING = object()


def field(obj, fid, kind, what, default=_MISSING):
    """Field `fid` of a decoded struct, checked to be of `kind` (int, bytes, list, dict)."""
    if not isinstance(obj, dict):
        raise ParquetError("%s is not a Thrift struct" % what)
    if fid not in obj:
        if default is _MISSING:
            raise ParquetError("%s has no field %d" % (what, fid))
        return default
    v = obj[fid]
    if not isinstance(v, kind) or isinstance(v, bool) and kind is int:
        raise ParquetError("%s: field %d is a %s, not a %s" % (what, fid, type(v).__name__, kind.__name__))
    return v


def count(obj, fid, what, lo, hi, default=_MISSING):
    """An integer field within [lo, hi]."""
    v = field(obj, fid, int, what, default)
    if not lo <= v <= hi:
        raise ParquetError("%s: field %d is %d, outside %d..%d" % (what, fid, v, lo, hi))
    return v


def text(value, what):
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise ParquetError("%s is not UTF-8" % what) from None


# ---------------------------------------------------------------------------------------------
# Levels and values.

def read_hybrid(data, pos, end, bit_width, count):
    """RLE / bit-packed hybrid values (levels), `count` of them, from data[pos:end], as bytes
    (one per value: levels and bit widths here are small). Runs past `count` are cut off."""
    if not 0 <= bit_width <= 32:
        raise ParquetError("RLE bit width %d" % bit_width)
    if not 0 <= pos <= end <= len(data):
        raise ParquetError("RLE data at %d..%d lies outside the page" % (pos, end))
    out = bytearray()
    r = CompactReader(data, pos, end)
    byte_width = (bit_width + 7) // 8
    mask = (1 << bit_width) - 1
    while len(out) < count and r.pos < end:
        header = r.varint()
        if header & 1:  # bit-packed groups of 8
            groups = header >> 1
            nbytes = groups * bit_width
            r.need(nbytes, "a bit-packed run")
            bits = int.from_bytes(data[r.pos:r.pos + nbytes], "little")
            r.pos += nbytes
            for i in range(min(groups * 8, count - len(out))):
                out.append(min((bits >> (i * bit_width)) & mask, 255))
        else:  # a run of one value
            run = min(header >> 1, count - len(out))
            r.need(byte_width, "an RLE run")
            value = int.from_bytes(data[r.pos:r.pos + byte_width], "little")
            r.pos += byte_width
            out.extend(bytes([min(value, 255)]) * run)
    if len(out) < count:
        raise ParquetError("RLE data holds %d of %d values" % (len(out), count))
    return out


def read_plain(data, pos, end, ptype, count, type_length):
    """`count` PLAIN values of `ptype` from data[pos:end]."""
    room = end - pos
    if ptype == BOOLEAN:
        if (count + 7) // 8 > room:
            raise ParquetError("%d booleans need %d bytes, the page has %d" % (count, (count + 7) // 8, room))
        return [bool(data[pos + i // 8] >> (i % 8) & 1) for i in range(count)]
    fmt = {INT32: "i", INT64: "q", FLOAT: "f", DOUBLE: "d"}.get(ptype)
    if fmt:
        size = struct.calcsize("<" + fmt)
        if count * size > room:
            raise ParquetError("%d values need %d bytes, the page has %d" % (count, count * size, room))
        return list(struct.unpack_from("<%d%s" % (count, fmt), data, pos)) if count else []
    if ptype == BYTE_ARRAY:
        if count * 4 > room:
            raise ParquetError("%d strings need at least %d bytes, the page has %d" % (count, count * 4, room))
        out = []
        for _ in range(count):
            if pos + 4 > end:
                raise ParquetError("a string's length lies past the page's end")
            (n,) = struct.unpack_from("<I", data, pos)
            if n > end - pos - 4:
                raise ParquetError("a string of %d bytes runs past the page's end" % n)
            out.append(bytes(data[pos + 4:pos + 4 + n]))
            pos += 4 + n
        return out
    if ptype == FIXED_LEN_BYTE_ARRAY:
        if type_length <= 0 or count * type_length > room:
            raise ParquetError("%d values of %d bytes do not fit the page" % (count, type_length))
        return [bytes(data[pos + i * type_length:pos + (i + 1) * type_length]) for i in range(count)]
    raise UnsupportedParquet("physical type %d" % ptype)


# ---------------------------------------------------------------------------------------------
# Schema: leaf columns with their levels.

def leaf_columns(schema):
    """[(path tuple, leaf element, max_def, max_rep, def level of the repeated node or None)]."""
    leaves = []

    def walk(i, path, max_def, max_rep, rep_def):
        if i >= len(schema):
            raise ParquetError("the schema names more children than it has elements")
        if len(path) >= MAX_SCHEMA_DEPTH:
            raise UnsupportedParquet("the schema is nested more than %d deep" % MAX_SCHEMA_DEPTH)
        el = schema[i]
        what = "schema element %d" % i
        rep = count(el, 3, what, REQUIRED, REPEATED, REQUIRED)
        if rep != REQUIRED:
            max_def += 1
        if rep == REPEATED:
            max_rep += 1
            rep_def = max_def
        path = path + (text(field(el, 4, bytes, what), what + "'s name"),)
        i += 1
        children = count(el, 5, what, 0, len(schema) - i, 0)
        if not children:
            count(el, 1, what, BOOLEAN, FIXED_LEN_BYTE_ARRAY)
            leaves.append((path, el, max_def, max_rep, rep_def))
            return i
        for _ in range(children):
            i = walk(i, path, max_def, max_rep, rep_def)
        return i

    if not schema:
        raise ParquetError("the schema is empty")
    i = 1
    for _ in range(count(schema[0], 5, "the schema's root", 0, len(schema) - 1, 0)):
        i = walk(i, (), 0, 0, None)
    return leaves


def read_chunk(data, meta, leaf, data_end):
    """Values and levels of one column chunk: (values, def levels, rep levels). Pages must lie
    inside the chunk's byte range, which must lie inside the file's data."""
    path, el, max_def, max_rep, _ = leaf
    name = ".".join(path)
    what = "column %s's metadata" % name
    codec = count(meta, 4, what, 0, 1 << 31, UNCOMPRESSED)
    if codec != UNCOMPRESSED:
        raise UnsupportedParquet("column %s is compressed (codec %d)" % (name, codec))
    ptype = count(meta, 1, what, BOOLEAN, FIXED_LEN_BYTE_ARRAY)
    total = count(meta, 5, what, 0, MAX_VALUES)
    size = count(meta, 7, what, 0, data_end)
    start = count(meta, 11, what, 0, data_end, 0) or count(meta, 9, what, 0, data_end)
    end = start + size
    if start < 4 or end > data_end:
        raise ParquetError("column %s: its bytes %d..%d lie outside the file's data (4..%d)"
                           % (name, start, end, data_end))
    type_length = count(el, 2, "column %s's schema" % name, 0, 1 << 31, 0)
    values, defs, reps = [], bytearray(), bytearray()
    def_width = max_def.bit_length()
    rep_width = max_rep.bit_length()
    seen = 0
    pos = start
    while seen < total:
        if pos >= end:
            raise ParquetError("column %s: its pages hold %d values, the footer says %d" % (name, seen, total))
        r = CompactReader(data, pos, end)
        header = r.struct()
        body = r.pos
        hwhat = "column %s's page header at offset %d" % (name, pos)
        page_size = count(header, 3, hwhat, 0, end - body)
        page_end = body + page_size
        ptype_page = count(header, 1, hwhat, 0, 1 << 31)
        if ptype_page == DICTIONARY_PAGE:
            raise UnsupportedParquet("column %s is dictionary-encoded" % name)
        if ptype_page == DATA_PAGE_V2:
            h = field(header, 8, dict, hwhat)
            n = count(h, 1, hwhat, 0, total - seen)
            encoding = count(h, 4, hwhat, 0, 1 << 31)
            rep_len = count(h, 6, hwhat, 0, page_size, 0)
            def_len = count(h, 5, hwhat, 0, page_size - rep_len, 0)
            page_reps = read_hybrid(data, body, body + rep_len, rep_width, n) if max_rep else None
            page_defs = read_hybrid(data, body + rep_len, body + rep_len + def_len, def_width, n) if max_def else None
            vpos = body + rep_len + def_len
        elif ptype_page == DATA_PAGE:
            h = field(header, 5, dict, hwhat)
            n = count(h, 1, hwhat, 0, total - seen)
            encoding = count(h, 2, hwhat, 0, 1 << 31)
            vpos = body
            page_reps = page_defs = None
            for level_max, width, kind in ((max_rep, rep_width, "rep"), (max_def, def_width, "def")):
                if not level_max:
                    continue
                if vpos + 4 > page_end:
                    raise ParquetError("%s: %s levels' length lies past the page" % (hwhat, kind))
                (length,) = struct.unpack_from("<I", data, vpos)
                if length > page_end - vpos - 4:
                    raise ParquetError("%s: %s levels run past the page" % (hwhat, kind))
                levels = read_hybrid(data, vpos + 4, vpos + 4 + length, width, n)
                if kind == "rep":
                    page_reps = levels
                else:
                    page_defs = levels
                vpos += 4 + length
        else:
            pos = page_end
            continue
        if encoding != PLAIN:
            raise UnsupportedParquet("column %s uses encoding %d, not PLAIN" % (name, encoding))
        for levels, level_max, kind in ((page_reps, max_rep, "repetition"), (page_defs, max_def, "definition")):
            if levels and max(levels) > level_max:
                raise ParquetError("%s: a %s level above %d" % (hwhat, kind, level_max))
        present = page_defs.count(max_def) if max_def else n
        values.extend(read_plain(data, vpos, page_end, ptype, present, type_length))
        if max_def:
            defs += page_defs
        if max_rep:
            reps += page_reps
        seen += n
        pos = page_end
    return values, (defs if max_def else None), (reps if max_rep else None)


def convert(value, el, name):
    if isinstance(value, bytes) and el.get(6) == CONVERTED_UTF8:
        return text(value, "a value of column %s" % name)
    return value


def assemble(leaf, values, defs, reps):
    """Row values of a leaf: scalars (None where null) or lists (one level of LIST)."""
    path, el, max_def, max_rep, rep_def = leaf
    name = ".".join(path)
    it = iter(values)
    if max_rep == 0:
        if max_def == 0:
            return [convert(v, el, name) for v in values]
        return [convert(next(it), el, name) if d == max_def else None for d in defs]
    if max_rep > 1:
        raise UnsupportedParquet("column %s is nested more than one list deep" % name)
    rows = []
    for d, r in zip(defs if defs is not None else bytes(len(reps)), reps):
        if r == 0:
            rows.append(None if d < rep_def - 1 else [])
        elif not rows or rows[-1] is None:
            raise ParquetError("column %s: a list continues where no list started" % name)
        if d >= rep_def:
            if rows[-1] is None:
                raise ParquetError("column %s: a value inside a null list" % name)
            rows[-1].append(convert(next(it), el, name) if d == max_def else None)
    return rows


def parse_parquet(data, name="the file"):
    """({column name: [row values]}, {footer key: value}) of a Parquet file's bytes."""
    if len(data) < 12 or data[:4] != b"PAR1" or data[-4:] != b"PAR1":
        raise ParquetError("%s is not a Parquet file (no PAR1 magic at both ends)" % name)
    try:
        return _parse(data)
    except ParquetError as e:
        raise type(e)("%s: %s" % (name, e)) from None


def _parse(data):
    (footer_len,) = struct.unpack_from("<I", data, len(data) - 8)
    data_end = len(data) - 8 - footer_len
    if data_end < 4:
        raise ParquetError("the footer claims %d bytes, the file has %d" % (footer_len, len(data) - 12))
    meta = CompactReader(data, data_end, len(data) - 8).struct()
    schema = field(meta, 2, list, "the footer")
    leaves = leaf_columns(schema)
    num_rows = count(meta, 3, "the footer", 0, MAX_ROWS)
    columns = {}
    for leaf in leaves:
        if leaf[0][0] in columns:
            raise UnsupportedParquet("column %s has more than one leaf (a struct)" % leaf[0][0])
        columns[leaf[0][0]] = []
    groups = field(meta, 4, list, "the footer", [])
    rows_seen = 0
    for g, group in enumerate(groups):
        what = "row group %d" % g
        group_rows = count(group, 3, what, 0, MAX_ROWS - rows_seen)
        chunks = field(group, 1, list, what)
        if len(chunks) != len(leaves):
            raise ParquetError("%s has %d columns, the schema %d" % (what, len(chunks), len(leaves)))
        for leaf, chunk in zip(leaves, chunks):
            meta_data = field(chunk, 3, dict, "%s's column %s" % (what, ".".join(leaf[0])))
            rows = assemble(leaf, *read_chunk(data, meta_data, leaf, data_end))
            if len(rows) != group_rows:
                raise ParquetError("%s: column %s holds %d rows, the footer says %d"
                                   % (what, ".".join(leaf[0]), len(rows), group_rows))
            columns[leaf[0][0]].extend(rows)
        rows_seen += group_rows
    if rows_seen != num_rows:
        raise ParquetError("the footer claims %d rows, its row groups hold %d" % (num_rows, rows_seen))
    kv = {}
    for i, e in enumerate(field(meta, 5, list, "the footer", [])):
        what = "key-value metadata entry %d" % i
        kv[text(field(e, 1, bytes, what), what)] = text(field(e, 2, bytes, what, b""), what)
    return columns, kv


def read_parquet(file):
    """({column name: [row values]}, {footer key: value}) of a Parquet file. Raises
    ParquetError (a ValueError) naming the file when it cannot be read."""
    with open(file, "rb") as fh:
        data = fh.read()
    return parse_parquet(data, str(file))


def summary(columns, kv, num_rows_shown=0):
    n = len(next(iter(columns.values()), []))
    returns = {}
    for eps, r in zip(columns.get("eps_id", []), columns.get("rewards", [])):
        if isinstance(r, (int, float)) and not isinstance(r, bool):
            key = eps if isinstance(eps, (str, int, float)) else repr(eps)
            returns[key] = returns.get(key, 0.0) + r
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
    except (ParquetError, OSError) as e:
        print("error: %s" % e, file=sys.stderr)
        sys.exit(1)
    # Strings without a UTF-8 annotation come back as bytes: shown as text.
    json.dump(summary(cols, meta, shown), sys.stdout,
              default=lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else repr(v))
    print()
