from __future__ import annotations

import io
import os
import struct
import zipfile

import pytest

from torchlint.index.zipmeta import ZipMetaError, parse_metadata, read_metadata

METADATA = (
    b"Metadata-Version: 2.1\n"
    b"Name: torch\n"
    b"Version: 2.5.1+cpu\n"
    b"Requires-Python: >=3.9.0\n"
    b"Requires-Dist: filelock\n"
    b"Requires-Dist: typing-extensions >=4.8.0\n"
    b'Requires-Dist: sympy ==1.13.1 ; python_version >= "3.9"\n'
    b"\n"
    b"Requires-Dist: not-a-header (this is the description)\n"
)


class Fetcher:
    """fetch_range over bytes, recording what was asked."""

    def __init__(self, data: bytes, report_total: bool = True) -> None:
        self.data = data
        self.calls: list[tuple[int | None, int]] = []
        self.bytes = 0
        self.report_total = report_total

    def __call__(self, start: int | None, length: int) -> tuple[bytes, int | None]:
        self.calls.append((start, length))
        if start is None:
            chunk = self.data[-length:] if length < len(self.data) else self.data
        else:
            chunk = self.data[start : start + length]
        self.bytes += len(chunk)
        return chunk, len(self.data) if self.report_total else None


def make_wheel(
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    big: int = 0,
    many: int = 0,
    dist_info: str = "torch-2.5.1+cpu.dist-info",
    extra_dist_info: str | None = None,
    metadata: bytes = METADATA,
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("torch/__init__.py", b"# torch\n", compress_type=zipfile.ZIP_DEFLATED)
        if big:
            zf.writestr("torch/lib/libtorch_cpu.so", os.urandom(big), compress_type=zipfile.ZIP_STORED)
        for i in range(many):
            zf.writestr(f"torch/include/some/rather/long/path/to/a/header_number_{i:05d}.h", b"x")
        if extra_dist_info:
            zf.writestr(
                f"{extra_dist_info}/METADATA", b"Name: other\nVersion: 1\n", compress_type=compression
            )
        zf.writestr(f"{dist_info}/METADATA", metadata, compress_type=compression)
        zf.writestr(f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\n")
        zf.writestr(f"{dist_info}/RECORD", b"")
    return buf.getvalue()


def to_zip64(data: bytes) -> bytes:
    """Rewrite the end of a small zip the way Zip64 writers do (checked with zipfile)."""
    eocd = data.rfind(b"PK\x05\x06")
    (_, _, _, n_disk, n_total, cd_size, cd_offset, _clen) = struct.unpack_from("<4sHHHHIIH", data, eocd)
    body = data[:eocd]
    rec_offset = len(body)
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n_disk, n_total, cd_size, cd_offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, rec_offset, 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    out = body + record + locator + end
    with zipfile.ZipFile(io.BytesIO(out)) as zf:  # the construction is a valid zip
        assert any(n.endswith("METADATA") for n in zf.namelist())
    return out


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_reads_metadata(compression: int) -> None:
    wheel = make_wheel(compression=compression)
    f = Fetcher(wheel)
    assert read_metadata(f, filename="torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl") == METADATA
    assert f.calls[0][0] is None  # suffix range first


def test_metadata_after_big_member_reads_only_the_tail() -> None:
    wheel = make_wheel(big=2_000_000)
    f = Fetcher(wheel)
    assert read_metadata(f) == METADATA
    assert f.bytes < 200_000
    assert len(f.calls) <= 3


def test_large_central_directory_needs_one_more_range() -> None:
    wheel = make_wheel(big=300_000, many=1500)
    f = Fetcher(wheel)
    assert read_metadata(f) == METADATA
    assert len(f.calls) >= 2
    assert f.bytes < len(wheel) // 2


def test_zip64() -> None:
    wheel = to_zip64(make_wheel(big=100_000))
    assert read_metadata(Fetcher(wheel)) == METADATA


def test_picks_dist_info_matching_filename() -> None:
    wheel = make_wheel(extra_dist_info="vendored-1.0.dist-info")
    assert (
        read_metadata(Fetcher(wheel), filename="torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl") == METADATA
    )
    with pytest.raises(ZipMetaError):
        read_metadata(Fetcher(wheel), filename="other-9-py3-none-any.whl")


def test_truncated_is_an_error() -> None:
    wheel = make_wheel(big=100_000)
    with pytest.raises(ZipMetaError):
        read_metadata(Fetcher(wheel[:-100]))
    with pytest.raises(ZipMetaError):
        # the end record survives but the central directory it points to does not
        read_metadata(Fetcher(wheel[:1000] + wheel[-22:]))


def test_not_a_zip_is_an_error() -> None:
    with pytest.raises(ZipMetaError, match="not a zip"):
        read_metadata(Fetcher(os.urandom(5000).replace(b"PK", b"pk")))
    with pytest.raises(ZipMetaError):
        read_metadata(Fetcher(b""))


def test_no_metadata_is_an_error() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", b"a")
    with pytest.raises(ZipMetaError, match=r"no \.dist-info/METADATA"):
        read_metadata(Fetcher(buf.getvalue()))


def test_unknown_size_is_an_error() -> None:
    with pytest.raises(ZipMetaError, match="size"):
        read_metadata(Fetcher(make_wheel(big=100_000), report_total=False))


def test_encrypted_flag_is_an_error() -> None:
    wheel = bytearray(make_wheel())
    name = b"torch-2.5.1+cpu.dist-info/METADATA"
    cd_entry = wheel.rfind(b"PK\x01\x02", 0, wheel.rfind(name))
    flags = struct.unpack_from("<H", wheel, cd_entry + 8)[0]
    struct.pack_into("<H", wheel, cd_entry + 8, flags | 1)
    with pytest.raises(ZipMetaError, match="encrypted"):
        read_metadata(Fetcher(bytes(wheel)))


def test_too_big_is_an_error() -> None:
    wheel = make_wheel(metadata=METADATA + b"x" * 5000)
    with pytest.raises(ZipMetaError, match="too large"):
        read_metadata(Fetcher(wheel), max_size=1000)


def test_parse_metadata() -> None:
    name, version, requires, rp = parse_metadata(METADATA)
    assert (name, version, rp) == ("torch", "2.5.1+cpu", ">=3.9.0")
    assert requires == (
        "filelock",
        "typing-extensions >=4.8.0",
        'sympy ==1.13.1 ; python_version >= "3.9"',
    )


def test_parse_metadata_tolerant() -> None:
    name, version, requires, rp = parse_metadata(b"Name: x\r\nVersion: 1\r\nWeird\r\n\xff\xfe: y\r\n")
    assert (name, version, requires, rp) == ("x", "1", (), None)
    with pytest.raises(ZipMetaError):
        parse_metadata(b"<html>not metadata</html>")
