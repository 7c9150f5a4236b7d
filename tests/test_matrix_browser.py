"""The HTML matrix in a real browser: Debian's chromium renders ``torchlint matrix --output-format
html`` headless (``.ci/run`` installs it when apt is available; the test skips, saying so, only
where no chromium exists). The screenshot must show the table: not blank, and the backend colours
of the cells present in area; the DOM must hold one row per matrix row of the JSON output.

The PNG is decoded here with zlib (no imaging library): chunks, IDAT inflate, row unfiltering.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.helpers import run_cli

U71 = ROOT / "examples" / "u71-guide-cuda-linux-windows-cpu-elsewhere" / "pyproject.toml"
WIDTH, HEIGHT = 1100, 800
#: Fill colours of the stylesheet (``_matrix.css.j2``): CUDA cell, CPU cell, gap nobody intends.
CUDA, CPU, GAP_NOT_INTENDED = (0x1A, 0x7F, 0x37), (0x09, 0x69, 0xDA), (0xF4, 0xC7, 0xC7)


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def browser(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    exe = chromium()
    assert exe is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        f"--window-size={WIDTH},{HEIGHT}",
    ]
    return subprocess.run(
        [exe, *flags, *args],
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin", "HOME": str(profile)},
    )


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, unfiltered pixel rows) of an 8-bit RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = bpp = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * bpp
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        out += line
        prev = line
    return width, height, bpp, bytes(out)


def colours(width: int, height: int, bpp: int, pixels: bytes) -> Counter[tuple[int, int, int]]:
    count: Counter[tuple[int, int, int]] = Counter()
    for i in range(0, width * height * bpp, bpp):
        count[(pixels[i], pixels[i + 1], pixels[i + 2])] += 1
    return count


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if chromium() is None:
        pytest.skip("no chromium: `.ci/run` installs Debian's chromium where apt-get is available")
    out = tmp_path_factory.mktemp("matrix-html") / "u71.html"
    proc = run_cli(["matrix", str(U71), "--offline", "--output-format", "html", "-o", str(out)])
    assert proc.returncode == 0, proc.stderr
    return out


def _predict(ftype: int, a: int, b: int, c: int) -> int:
    if ftype == 1:
        return a
    if ftype == 2:
        return b
    if ftype == 3:
        return (a + b) >> 1
    if ftype == 4:
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else (b if pb <= pc else c)
    return 0


def _png(rows: list[bytes], ftype: int, bpp: int = 3) -> bytes:
    """A PNG of *rows* (RGB), every row stored with filter *ftype* (the encoder's side)."""
    raw = b""
    prev = bytes(len(rows[0]))
    for row in rows:
        out = bytearray()
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            out.append((x - _predict(ftype, a, prev[i], c)) & 0xFF)
        raw += bytes([ftype]) + bytes(out)
        prev = row
    ihdr = struct.pack(">IIBBBBB", len(rows[0]) // bpp, len(rows), 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n"
    for kind, body in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(raw)), (b"IEND", b"")):
        png += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return png


def test_png_decoder_undoes_every_filter() -> None:
    rows = [bytes([10, 200, 30, 40, 50, 255, 70, 80, 90]), bytes([1, 2, 3, 250, 5, 6, 7, 8, 9])]
    for ftype in range(5):
        w, h, bpp, pixels = decode_png(_png(rows, ftype))
        assert (w, h, bpp) == (3, 2, 3)
        assert pixels == rows[0] + rows[1], ftype


def test_screenshot_shows_the_matrix(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "u71.png"
    proc = browser([f"--screenshot={shot}", page.as_uri()], tmp_path / "profile")
    assert shot.is_file(), proc.stderr[-2000:]
    width, height, bpp, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    count = colours(width, height, bpp, pixels)
    assert len(count) > 50, "the screenshot is (nearly) blank"
    (background, share) = count.most_common(1)[0]
    assert share < 0.95 * width * height, f"{background} covers almost everything"
    # the cells: CUDA on Linux and Windows, CPU on macOS arm64, a gap nobody intends on Intel macOS
    for name, rgb in (("CUDA", CUDA), ("CPU", CPU), ("gap", GAP_NOT_INTENDED)):
        assert count[rgb] > 2000, f"no {name} cells in the screenshot ({count[rgb]} pixels)"
    assert count[CUDA] > 2 * count[CPU], "CUDA cells (3 platforms) should outnumber CPU cells (1)"


def test_dom_has_one_row_per_matrix_row(page: Path, tmp_path: Path) -> None:
    proc = browser(["--dump-dom", page.as_uri()], tmp_path / "profile")
    dom = proc.stdout
    assert "</html>" in dom, proc.stderr[-2000:]
    doc = json.loads(run_cli(["matrix", str(U71), "--offline", "--output-format", "json"]).stdout)
    rows = [r for p in doc["projects"] for f in p["forks"] for r in f["rows"]]
    assert dom.count('<tr class="matrix-row') == len(rows) == 5
    for r in rows:
        assert f'data-targets="{" ".join(r["targets"])}"' in dom
    for kind in ("cuda", "cpu"):
        cells = [
            c
            for r in rows
            for c in r["cells"].values()
            if c and c["status"] == "ok" and c["backend_kind"] == kind
        ]
        assert cells and dom.count(f'<td class="b-{kind}"') == len(cells), kind
