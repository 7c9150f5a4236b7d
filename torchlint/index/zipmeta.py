"""A wheel's METADATA by HTTP Range reads of the zip, never the whole wheel.

:func:`read_metadata` is pure logic over a ``fetch_range`` callback, so it is tested against
real zips in memory. It reads the tail (End of Central Directory, Zip64 locator/record), the
central directory, then the local header and data of ``*.dist-info/METADATA``: two to four
small reads for a typical wheel.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable

#: ``fetch_range(start, length) -> (data, total_size)``; ``start=None`` asks for the last
#: ``length`` bytes (a suffix range). ``total_size`` comes from Content-Range (None if unknown).
FetchRange = Callable[[int | None, int], tuple[bytes, int | None]]

TAIL_BYTES = 64 * 1024 + 22
MAX_METADATA_BYTES = 10 * 1024 * 1024
MAX_CENTRAL_DIRECTORY = 32 * 1024 * 1024

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_METADATA = re.compile(r"([^/]+)\.dist-info/METADATA")


class ZipMetaError(Exception):
    """The METADATA could not be read; ``reason`` is a one-line explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Reader:
    """Ranged reads with the bytes already fetched remembered."""

    def __init__(self, fetch: FetchRange) -> None:
        self.fetch = fetch
        self.total = 0
        self.chunks: list[tuple[int, bytes]] = []

    def tail(self, length: int) -> tuple[int, bytes]:
        data, total = self.fetch(None, length)
        if total is None:
            if len(data) >= length:
                raise ZipMetaError("server did not report the file size")
            total = len(data)
        if len(data) > total or (len(data) < min(length, total)):
            raise ZipMetaError("truncated range response")
        start = total - len(data)
        self.total = total
        self.chunks.append((start, data))
        return start, data

    def read(self, start: int, length: int) -> bytes:
        if start < 0 or length < 0 or start + length > self.total:
            raise ZipMetaError("zip structure points outside the file")
        for cstart, cdata in self.chunks:
            if cstart <= start and start + length <= cstart + len(cdata):
                return cdata[start - cstart : start - cstart + length]
        if length == 0:
            return b""
        data, _ = self.fetch(start, length)
        if len(data) != length:
            raise ZipMetaError("truncated range response")
        self.chunks.append((start, data))
        return data


def _find_eocd(tail: bytes) -> int:
    pos = len(tail)
    best = -1
    while True:
        pos = tail.rfind(_EOCD, 0, pos)
        if pos < 0:
            break
        if pos + 22 <= len(tail):
            (comment_len,) = struct.unpack_from("<H", tail, pos + 20)
            if pos + 22 + comment_len == len(tail):
                return pos
            if best < 0:
                best = pos
    if best < 0:
        raise ZipMetaError("not a zip file (no end of central directory)")
    return best


def _zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        if tag == 0x0001:
            data = extra[i + 4 : i + 4 + size]
            j = 0
            try:
                if usize == 0xFFFFFFFF:
                    (usize,) = struct.unpack_from("<Q", data, j)
                    j += 8
                if csize == 0xFFFFFFFF:
                    (csize,) = struct.unpack_from("<Q", data, j)
                    j += 8
                if offset == 0xFFFFFFFF:
                    (offset,) = struct.unpack_from("<Q", data, j)
            except struct.error as exc:
                raise ZipMetaError("corrupt Zip64 extra field") from exc
            break
        i += 4 + size
    return usize, csize, offset


def _expected_dir(filename: str | None) -> str | None:
    if not filename:
        return None
    from urllib.parse import unquote

    parts = unquote(filename).split("-")
    if len(parts) < 2:
        return None
    return f"{parts[0]}-{parts[1]}".lower().replace("-", "_").replace(".", "_")


def read_metadata(
    fetch_range: FetchRange, *, filename: str | None = None, max_size: int = MAX_METADATA_BYTES
) -> bytes:
    """Return the bytes of the wheel's ``*.dist-info/METADATA``; raise :class:`ZipMetaError`.

    ``filename`` (the wheel's name) picks ``<name>-<version>.dist-info`` when a wheel holds
    several ``.dist-info`` directories.
    """
    reader = _Reader(fetch_range)
    tail_start, tail = reader.tail(TAIL_BYTES)
    pos = _find_eocd(tail)
    if pos + 22 > len(tail):
        raise ZipMetaError("truncated end of central directory")
    (_, disk, cd_disk, _n_disk, n_entries, cd_size, cd_offset, _clen) = struct.unpack_from(
        "<4sHHHHIIH", tail, pos
    )
    eocd_abs = tail_start + pos
    zip64 = n_entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF
    loc_abs = eocd_abs - 20
    if loc_abs >= 0 and reader.read(loc_abs, 4) == _ZIP64_LOCATOR:
        zip64 = True
    if zip64:
        if loc_abs < 0:
            raise ZipMetaError("truncated Zip64 locator")
        locator = reader.read(loc_abs, 20)
        if locator[:4] != _ZIP64_LOCATOR:
            raise ZipMetaError("missing Zip64 end of central directory locator")
        (rec_offset,) = struct.unpack_from("<Q", locator, 8)
        record = reader.read(rec_offset, 56)
        if record[:4] != _ZIP64_EOCD:
            raise ZipMetaError("bad Zip64 end of central directory record")
        n_entries, cd_size, cd_offset = struct.unpack_from("<QQQ", record, 32)
        end_of_cd = rec_offset
    else:
        if disk != 0 or cd_disk != 0:
            raise ZipMetaError("multi-volume zip files are not supported")
        end_of_cd = eocd_abs
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise ZipMetaError(f"central directory too large ({cd_size} bytes)")
    # Data prepended to the archive shifts every offset by the same amount.
    shift = end_of_cd - cd_size - cd_offset
    if shift < 0:
        raise ZipMetaError("central directory overlaps its end record (truncated or not a zip)")
    cd = reader.read(cd_offset + shift, cd_size)

    candidates: list[tuple[str, int, int, int, int, int, int]] = []
    i = 0
    while i + 46 <= len(cd):
        if cd[i : i + 4] != _CENTRAL:
            raise ZipMetaError("corrupt central directory")
        (flags, method, _t, _d, crc, csize, usize, nlen, elen, clen) = struct.unpack_from(
            "<HHHHIIIHHH", cd, i + 8
        )
        (offset,) = struct.unpack_from("<I", cd, i + 42)
        raw_name = cd[i + 46 : i + 46 + nlen]
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        if _METADATA.fullmatch(name):
            extra = cd[i + 46 + nlen : i + 46 + nlen + elen]
            usize, csize, offset = _zip64_extra(extra, usize, csize, offset)
            candidates.append((name, flags, method, crc, csize, usize, offset))
        i += 46 + nlen + elen + clen
    if not candidates:
        raise ZipMetaError("no .dist-info/METADATA in the wheel")
    chosen = candidates[0]
    if len(candidates) > 1:
        want = _expected_dir(filename)
        matching = [
            c
            for c in candidates
            if c[0].split("/")[0][: -len(".dist-info")].lower().replace("-", "_").replace(".", "_") == want
        ]
        if len(matching) != 1:
            raise ZipMetaError("several .dist-info directories and none matches the filename")
        chosen = matching[0]
    name, flags, method, crc, csize, usize, offset = chosen
    if flags & 0x1:
        raise ZipMetaError("METADATA is encrypted")
    if method not in (0, 8):
        raise ZipMetaError(f"unsupported compression method {method}")
    if usize > max_size or csize > max_size:
        raise ZipMetaError(f"METADATA too large ({usize} bytes)")
    header = reader.read(offset + shift, 30)
    if header[:4] != _LOCAL:
        raise ZipMetaError("bad local file header")
    lnlen, lelen = struct.unpack_from("<HH", header, 26)
    data = reader.read(offset + shift + 30 + lnlen + lelen, csize)
    if method == 0:
        out = data
    else:
        try:
            d = zlib.decompressobj(-15)
            out = d.decompress(data, max_size + 1)
        except zlib.error as exc:
            raise ZipMetaError(f"corrupt deflate data: {exc}") from exc
        if len(out) > max_size:
            raise ZipMetaError("METADATA too large")
    if zlib.crc32(out) != crc:
        raise ZipMetaError("METADATA CRC mismatch")
    return out


def parse_metadata(text: bytes) -> tuple[str, str, tuple[str, ...], str | None]:
    """(Name, Version, Requires-Dist..., Requires-Python) from METADATA headers.

    Tolerant of encodings and unknown headers; raises :class:`ZipMetaError` only when Name
    or Version is missing (the bytes are not core metadata at all).
    """
    body = text.decode("utf-8", errors="replace")
    # Headers end at the first blank line; the description body is never parsed.
    head = re.split(r"\r?\n\r?\n", body, maxsplit=1)[0] + "\n"
    import email.parser  # only when METADATA text is parsed: offline and cached runs never need it

    msg = email.parser.Parser().parsestr(head, headersonly=True)

    def clean(v: object) -> str:
        return " ".join(str(v).split())

    name = clean(msg.get("Name", "") or "")
    version = clean(msg.get("Version", "") or "")
    if not name or not version:
        raise ZipMetaError("METADATA has no Name or Version")
    requires = tuple(clean(v) for v in (msg.get_all("Requires-Dist") or []) if clean(v))
    rp = msg.get("Requires-Python")
    return name, version, requires, (clean(rp) or None) if rp is not None else None
