from __future__ import annotations

import json
import time

import pytest

from torchlint.index.simple import ACCEPT, parse_flat_page, parse_project_page, project_url

PAGE = "https://download.pytorch.org/whl/cpu/torch/"
INDEX = "https://download.pytorch.org/whl/cpu"

PYTORCH_HTML = b"""<!DOCTYPE html>
<html>
  <body>
    <h1>Links for torch</h1>
    <a href="/whl/cpu/torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl#sha256=AABB" data-dist-info-metadata="sha256=ccdd" data-core-metadata="sha256=ccdd">torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl</a><br/>
    <a href="/whl/cpu/torch-2.5.1-cp312-none-macosx_11_0_arm64.whl#sha256=eeff" data-requires-python="&gt;=3.9">torch-2.5.1-cp312-none-macosx_11_0_arm64.whl</a><br/>
    <a href='../../torch-2.4.0%2Bcpu-cp39-cp39-win_amd64.whl' data-yanked="">torch-2.4.0+cpu-cp39-cp39-win_amd64.whl</a>
    <A HREF="https://files.example.test/torch-2.3.0.tar.gz" data-requires-python=">=3.8" data-dist-info-metadata="true">torch-2.3.0.tar.gz</A>
    <a>no href</a>
  </body>
</html>
"""


def test_project_url() -> None:
    assert project_url("https://h.test/simple", "Torch_Audio") == "https://h.test/simple/torch-audio/"
    assert project_url("https://h.test/simple/", "torch") == "https://h.test/simple/torch/"
    assert "application/vnd.pypi.simple.v1+json" in ACCEPT


def test_pytorch_html() -> None:
    lst = parse_project_page(PYTORCH_HTML, "text/html", PAGE, "Torch", INDEX)
    assert lst.status == "ok" and lst.project == "torch" and lst.index_url == INDEX and lst.page_url == PAGE
    assert len(lst.files) == 4
    a, b, c, d = lst.files
    assert a.filename == "torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl"
    assert a.url == "https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl"
    assert a.sha256 == "aabb"
    assert a.has_metadata and a.metadata_sha256 == "ccdd"
    assert not a.yanked and a.requires_python is None
    assert b.requires_python == ">=3.9" and not b.has_metadata
    assert c.url == "https://download.pytorch.org/whl/torch-2.4.0%2Bcpu-cp39-cp39-win_amd64.whl"
    assert c.yanked and c.sha256 is None
    assert d.url == "https://files.example.test/torch-2.3.0.tar.gz"
    assert d.requires_python == ">=3.8"  # raw '>' inside a quoted attribute is tolerated
    assert d.has_metadata and d.metadata_sha256 is None


def test_html_without_link_text_uses_url_basename_and_base_href() -> None:
    body = b'<html><head><base href="https://cdn.test/pkgs/"></head><a href="x-1.0-py3-none-any.whl%23"></a></html>'
    lst = parse_project_page(
        body, "text/html; charset=utf-8", "https://h.test/simple/x/", "x", "https://h.test/simple"
    )
    assert lst.ok
    (f,) = lst.files
    assert f.url == "https://cdn.test/pkgs/x-1.0-py3-none-any.whl%23"
    assert f.filename == "x-1.0-py3-none-any.whl#"


def test_pep691_json() -> None:
    doc = {
        "meta": {"api-version": "1.1"},
        "name": "torch",
        "files": [
            {
                "filename": "torch-2.5.1+cpu-cp312-cp312-linux_x86_64.whl",
                "url": "/whl/cpu/torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl",
                "hashes": {"sha256": "ABC"},
                "requires-python": ">=3.9",
                "core-metadata": {"sha256": "def"},
                "size": 123,
                "upload-time": "2024-11-01T00:00:00Z",
            },
            {
                "filename": "torch-2.4.0-cp312-cp312-win_amd64.whl",
                "url": "https://files.test/torch-2.4.0-cp312-cp312-win_amd64.whl#sha256=zz",
                "hashes": {},
                "dist-info-metadata": True,
                "yanked": "broken build",
            },
            {"filename": "x.whl", "url": "x.whl", "hashes": {}, "yanked": False, "core-metadata": False},
            {"filename": 3, "url": None},
            "nonsense",
        ],
    }
    lst = parse_project_page(
        json.dumps(doc).encode(), "application/vnd.pypi.simple.v1+json", PAGE, "torch", INDEX
    )
    assert lst.ok and len(lst.files) == 3
    a, b, c = lst.files
    assert a.url == "https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl"
    assert (a.sha256, a.requires_python, a.has_metadata, a.metadata_sha256) == ("abc", ">=3.9", True, "def")
    assert (a.size, a.upload_time, a.yanked) == (123, "2024-11-01T00:00:00Z", False)
    assert b.url == "https://files.test/torch-2.4.0-cp312-cp312-win_amd64.whl"
    assert b.has_metadata and b.metadata_sha256 is None and b.yanked
    assert c.url == PAGE + "x.whl" and not c.has_metadata and not c.yanked


@pytest.mark.parametrize(
    ("body", "ctype", "prefix"),
    [
        (b"{not json", "application/vnd.pypi.simple.v1+json", "invalid JSON page: "),
        (b"[1, 2]", "application/vnd.pypi.simple.v1+json", "invalid JSON page: "),
        (b'{"files": 3}', "application/vnd.pypi.simple.v1+json", "invalid JSON page: "),
        (b"\xff\xfe\x00\x00garbage", "application/vnd.pypi.simple.v1+json", "invalid JSON page: "),
        (b"[" * 100000, "application/vnd.pypi.simple.v1+json", "invalid JSON page: "),
        (b"", "text/html", "invalid HTML page: "),
        (b"\x00\x01\x02binary", "text/html", "invalid HTML page: "),
        (b"just text, no markup", "text/html", "invalid HTML page: "),
    ],
)
def test_garbage_gives_error_listing(body: bytes, ctype: str, prefix: str) -> None:
    lst = parse_project_page(body, ctype, PAGE, "torch", INDEX)
    assert lst.status == "error"
    assert lst.error is not None and lst.error.startswith(prefix)
    assert "\n" not in lst.error


def test_broken_html_never_raises() -> None:
    for body in [
        b"<a href=",
        b"<a href='x.whl'>unterminated",
        b"<<<>>><a><a href>",
        b"<a href=x.whl>x.whl</a",
    ]:
        lst = parse_project_page(body, "text/html", PAGE, "torch", INDEX)
        assert lst.status == "ok"


def test_credentials_never_reach_listing() -> None:
    page = "https://alice:hunter22secret@private.test/simple/torch/"
    body = b'<a href="/files/torch-2.5.1-py3-none-any.whl">torch-2.5.1-py3-none-any.whl</a><a href="rel-1.0.tar.gz">rel-1.0.tar.gz</a>'
    lst = parse_project_page(
        body, "text/html", page, "torch", "https://alice:hunter22secret@private.test/simple"
    )
    assert "hunter22secret" not in repr(lst)
    assert lst.files[0].url == "https://private.test/files/torch-2.5.1-py3-none-any.whl"
    assert lst.files[1].url == "https://private.test/simple/torch/rel-1.0.tar.gz"


def test_flat_page_filters_by_project() -> None:
    body = b"""<html><body>
    <a href="cu118/torch-2.0.0%2Bcu118-cp310-cp310-linux_x86_64.whl">cu118/torch-2.0.0+cu118-cp310-cp310-linux_x86_64.whl</a><br>
    <a href="cpu/torchvision-0.15.0%2Bcpu-cp310-cp310-linux_x86_64.whl">cpu/torchvision-0.15.0+cpu-cp310-cp310-linux_x86_64.whl</a><br>
    <a href="torch-1.0.0.tar.gz">torch-1.0.0.tar.gz</a>
    </body></html>"""
    url = "https://download.pytorch.org/whl/torch_stable.html"
    lst = parse_flat_page(body, "text/html", url, "torch", url)
    assert lst.status == "ok"
    assert [f.url.rsplit("/", 1)[1] for f in lst.files] == [
        "torch-2.0.0%2Bcu118-cp310-cp310-linux_x86_64.whl",
        "torch-1.0.0.tar.gz",
    ]
    assert (
        parse_flat_page(body, "text/html", url, "TorchVision", url)
        .files[0]
        .url.endswith("torchvision-0.15.0%2Bcpu-cp310-cp310-linux_x86_64.whl")
    )
    assert parse_flat_page(body, "text/html", url, "numpy", url).status == "absent"


def _big_page(n: int) -> bytes:
    rows = []
    for i in range(n):
        name = f"torch-2.{i // 100}.{i % 100}%2Bcu128-cp312-cp312-manylinux_2_28_x86_64.whl"
        rows.append(
            f'<a href="/whl/cu128/{name}#sha256={i:064x}" data-dist-info-metadata="sha256={i:064x}" '
            f'data-core-metadata="sha256={i:064x}" data-requires-python="&gt;=3.9">'
            f"{name.replace('%2B', '+')}</a><br/>"
        )
    return (
        "<!DOCTYPE html><html><body><h1>Links for torch</h1>" + "\n".join(rows) + "</body></html>"
    ).encode()


def test_parse_10k_anchor_page_is_fast() -> None:
    body = _big_page(10_000)
    best = float("inf")
    for _ in range(3):
        t0 = time.thread_time()
        lst = parse_project_page(
            body, "text/html", "https://download.pytorch.org/whl/cu128/torch/", "torch", INDEX
        )
        best = min(best, time.thread_time() - t0)
    assert lst.ok and len(lst.files) == 10_000
    assert lst.files[-1].metadata_sha256 == f"{9999:064x}"
    assert lst.files[-1].requires_python == ">=3.9"
    print(f"10k-anchor page parsed in {best * 1000:.1f} ms")
    assert best < 0.2


def test_project_url_keeps_query() -> None:
    assert project_url("https://h.test/simple?token=x", "torch") == "https://h.test/simple/torch/?token=x"
