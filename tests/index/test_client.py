from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.index._server import LocalServer, Reply, Request
from torchlint.index.cache import DiskCache
from torchlint.index.client import RANGE_UNSUPPORTED, SimpleClient
from torchlint.index.model import CoreMetadata, FileEntry, MetadataUnavailable
from torchlint.index.simple import ACCEPT

SECRET = "s3cr3t-pa55word"
METADATA = (
    b"Metadata-Version: 2.1\nName: torch\nVersion: 2.5.1\nRequires-Dist: filelock\nRequires-Python: >=3.9\n"
)
WHEEL = "torch-2.5.1-cp312-cp312-manylinux_2_28_x86_64.whl"

HTML = f'<html><body><a href="/files/{WHEEL}#sha256=ab">{WHEEL}</a></body></html>'.encode()
JSON = json.dumps(
    {
        "meta": {"api-version": "1.0"},
        "name": "torch",
        "files": [{"filename": WHEEL, "url": f"/files/{WHEEL}", "hashes": {}}],
    }
).encode()


def client(**kw: object) -> SimpleClient:
    kw.setdefault("timeout", 2.0)
    kw.setdefault("connect_timeout", 1.0)
    return SimpleClient(**kw)  # type: ignore[arg-type]


def html_reply(_: Request) -> Reply:
    return Reply(200, {"Content-Type": "text/html"}, HTML)


def test_json_negotiation(server: LocalServer) -> None:
    @server.route("/simple/torch/")
    def page(req: Request) -> Reply:
        if "application/vnd.pypi.simple.v1+json" in req.headers.get("accept", ""):
            return Reply(200, {"Content-Type": "application/vnd.pypi.simple.v1+json"}, JSON)
        return html_reply(req)

    with client() as c:
        lst = c.get_listing(server.url + "/simple", "Torch")
    assert lst.status == "ok" and lst.origin == "live"
    assert [f.url for f in lst.files] == [f"{server.url}/files/{WHEEL}"]
    assert server.requests[0].headers["accept"] == ACCEPT
    assert lst.page_url == server.url + "/simple/torch/"


def test_html_only_server(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = html_reply
    with client() as c:
        lst = c.get_listing(server.url + "/simple/", "torch")
    assert lst.ok and lst.files[0].sha256 == "ab"


def test_fetch_url_is_fetched_index_url_is_reported(server: LocalServer) -> None:
    server.routes["/mirror/torch/"] = html_reply
    with client() as c:
        lst = c.get_listing("https://download.pytorch.org/whl/cpu", "torch", fetch_url=server.url + "/mirror")
    assert lst.ok and lst.index_url == "https://download.pytorch.org/whl/cpu"


@pytest.mark.parametrize("status", [403, 404, 410])
def test_missing_project_is_absent(server: LocalServer, status: int) -> None:
    server.routes["/simple/nope/"] = lambda _: Reply(status, body=b"no")
    with client() as c:
        lst = c.get_listing(server.url + "/simple", "nope")
    assert lst.status == "absent" and lst.error is None


def test_401_is_an_error(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = lambda _: Reply(401, {"WWW-Authenticate": "Basic"})
    with client() as c:
        lst = c.get_listing(server.url + "/simple", "torch")
    assert lst.status == "error" and lst.error is not None and "authentication required" in lst.error


def test_retries_5xx(server: LocalServer) -> None:
    calls = []

    @server.route("/simple/torch/")
    def flaky(req: Request) -> Reply:
        calls.append(1)
        return Reply(503) if len(calls) <= 2 else html_reply(req)

    with client(retries=2) as c:
        lst = c.get_listing(server.url + "/simple", "torch")
        assert lst.ok and len(calls) == 3
        assert c.stats.requests == 3


def test_5xx_gives_up(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = lambda _: Reply(500)
    with client(retries=1) as c:
        lst = c.get_listing(server.url + "/simple", "torch")
        assert lst.status == "error" and lst.error == "HTTP 500 after 2 tries"
        assert c.stats.errors and "HTTP 500" in c.stats.errors[0]


def test_timeout_is_bounded(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = lambda _: Reply(200, body=b"late", delay=10)
    t0 = time.monotonic()
    with client(timeout=0.3, retries=1) as c:
        lst = c.get_listing(server.url + "/simple", "torch")
    elapsed = time.monotonic() - t0
    assert lst.status == "error" and lst.error is not None and "timed out" in lst.error
    assert elapsed < 3


def test_connection_refused(server: LocalServer) -> None:
    url = server.url
    server.close()
    with client(retries=0) as c:
        lst = c.get_listing(url + "/simple", "torch")
    assert lst.status == "error" and lst.error is not None and lst.error.startswith("connection failed")


def test_etag_304_served_from_cache(server: LocalServer, tmp_path: Path) -> None:
    @server.route("/simple/torch/")
    def page(req: Request) -> Reply:
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304, {"ETag": '"v1"'})
        return Reply(200, {"Content-Type": "text/html", "ETag": '"v1"'}, HTML)

    cache = DiskCache(tmp_path)
    with client(cache=cache) as c:
        first = c.get_listing(server.url + "/simple", "torch")
        fresh = c.get_listing(server.url + "/simple", "torch")  # within TTL: no request
        assert len(server.requests) == 1
        stale = c.get_listing(server.url + "/simple", "torch", ttl=0)
    assert first.origin == "live" and fresh.origin == "cache" and stale.origin == "cache"
    assert stale.files == first.files
    assert len(server.requests) == 2 and server.requests[1].headers["if-none-match"] == '"v1"'
    with client(cache=DiskCache(tmp_path), offline=True) as c:
        assert c.get_listing(server.url + "/simple", "torch", ttl=0).files == first.files
        missing = c.get_listing(server.url + "/simple", "other")
        assert missing.status == "error" and missing.error == "offline and not cached"
    assert len(server.requests) == 2


def test_unwritable_cache_still_works(server: LocalServer, tmp_path: Path) -> None:
    server.routes["/simple/torch/"] = html_reply
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = DiskCache(blocker)
    with client(cache=cache) as c:
        assert c.get_listing(server.url + "/simple", "torch").ok
        assert c.get_listing(server.url + "/simple", "torch").ok
    assert cache.stats.write_errors >= 1


def test_redirects(server: LocalServer) -> None:
    server.routes["/loop/torch/"] = lambda _: Reply(302, {"Location": "/loop/torch/"})
    server.routes["/old/torch/"] = lambda _: Reply(301, {"Location": "/simple/torch/"})
    server.routes["/simple/torch/"] = html_reply
    with client() as c:
        loop = c.get_listing(server.url + "/loop", "torch")
        moved = c.get_listing(server.url + "/old", "torch")
    assert loop.status == "error" and loop.error is not None and "too many redirects" in loop.error
    assert len([r for r in server.requests if r.path == "/loop/torch/"]) == 6
    assert moved.ok


def test_https_to_http_redirect_refused_and_auth_not_forwarded() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "secure.test":
            return httpx.Response(302, headers={"Location": "http://plain.test/simple/torch/"})
        if request.url.host == "a.test":
            return httpx.Response(302, headers={"Location": "https://b.test/simple/torch/"})
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=HTML)

    with client(transport=httpx.MockTransport(handler)) as c:
        down = c.get_listing("https://secure.test/simple", "torch")
        cross = c.get_listing(f"https://user:{SECRET}@a.test/simple", "torch")
    assert down.status == "error" and down.error == "refused redirect from https to http"
    assert cross.ok
    assert "authorization" in seen[-2].headers and seen[-2].url.host == "a.test"
    assert "authorization" not in seen[-1].headers and seen[-1].url.host == "b.test"


def test_gzip_bomb_stops_at_cap(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    server.routes["/simple/torch/"] = lambda _: Reply(
        200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb
    )
    with client(max_page_bytes=1 << 20) as c:
        lst = c.get_listing(server.url + "/simple", "torch")
        assert lst.status == "error" and lst.error == "page larger than 1 MB"
        assert c.stats.bytes_received <= len(bomb)


def test_gzip_page_is_decoded(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = lambda _: Reply(
        200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, gzip.compress(HTML)
    )
    with client() as c:
        assert c.get_listing(server.url + "/simple", "torch").ok


def test_oversized_page(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = lambda _: Reply(
        200, {"Content-Type": "text/html"}, HTML + b" " * 3_000_000
    )
    with client(max_page_bytes=1 << 20) as c:
        lst = c.get_listing(server.url + "/simple", "torch")
    assert lst.status == "error" and lst.error == "page larger than 1 MB"


def test_garbage_page(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = lambda _: Reply(
        200, {"Content-Type": "application/vnd.pypi.simple.v1+json"}, b"{oops"
    )
    with client() as c:
        lst = c.get_listing(server.url + "/simple", "torch")
    assert lst.status == "error" and lst.error is not None and lst.error.startswith("invalid JSON page")


def test_flat_page(server: LocalServer) -> None:
    body = (
        b'<a href="cpu/torch-2.0.0%2Bcpu-cp310-cp310-linux_x86_64.whl">cpu/torch-2.0.0+cpu-cp310-cp310-linux_x86_64.whl</a>'
        b'<a href="cpu/torchvision-0.15.0%2Bcpu-cp310-cp310-linux_x86_64.whl">torchvision-0.15.0+cpu-cp310-cp310-linux_x86_64.whl</a>'
    )
    server.routes["/whl/torch_stable.html"] = lambda _: Reply(200, {"Content-Type": "text/html"}, body)
    with client() as c:
        torch = c.get_listing(server.url + "/whl/torch_stable.html", "torch")
        vision = c.get_flat_listing(server.url + "/whl/torch_stable.html", "torchvision")
        numpy = c.get_listing(server.url + "/whl/torch_stable.html", "numpy")
    assert [f.filename for f in torch.files] == ["torch-2.0.0+cpu-cp310-cp310-linux_x86_64.whl"]
    assert len(vision.files) == 1 and numpy.status == "absent"
    assert len(server.requests) == 1  # one fetch of the page per run


# -- metadata --------------------------------------------------------------------------------


def build_wheel(big: int = 0) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("torch/__init__.py", b"")
        if big:
            zf.writestr("torch/lib/big.so", b"\1" * big, compress_type=zipfile.ZIP_STORED)
        zf.writestr("torch-2.5.1.dist-info/METADATA", METADATA, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("torch-2.5.1.dist-info/RECORD", b"")
    return buf.getvalue()


def range_server(server: LocalServer, path: str, data: bytes) -> None:
    @server.route(path)
    def serve(req: Request) -> Reply:
        rng = req.headers.get("range", "")
        if not rng.startswith("bytes="):
            return Reply(200, {"Accept-Ranges": "bytes"}, data)
        spec = rng[6:]
        if spec.startswith("-"):
            n = int(spec[1:])
            start = max(0, len(data) - n)
            end = len(data) - 1
        else:
            a, b = spec.split("-")
            start, end = int(a), min(int(b), len(data) - 1)
        chunk = data[start : end + 1]
        return Reply(
            206, {"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"}, chunk
        )


def test_metadata_by_range_requests(server: LocalServer, tmp_path: Path) -> None:
    wheel = build_wheel(big=2_000_000)
    range_server(server, f"/files/{WHEEL}", wheel)
    entry = FileEntry(WHEEL, f"{server.url}/files/{WHEEL}")
    with client(cache=DiskCache(tmp_path)) as c:
        meta = c.get_metadata(entry)
        assert isinstance(meta, CoreMetadata)
        assert (meta.name, meta.version, meta.requires_dist, meta.requires_python) == (
            "torch",
            "2.5.1",
            ("filelock",),
            ">=3.9",
        )
        assert meta.source == "range" and meta.origin == "live"
        assert server.bytes_sent < 200_000
        again = c.get_metadata(entry)
        assert isinstance(again, CoreMetadata) and again.origin == "cache"


def test_range_ignoring_server_is_not_downloaded(server: LocalServer) -> None:
    total = 256 << 20
    chunk = b"\0" * (64 << 10)

    @server.route(f"/files/{WHEEL}")
    def ignore_range(req: Request) -> Reply:
        def stream(write: object) -> None:
            for _ in range(total // len(chunk)):
                write(chunk)  # type: ignore[operator]

        return Reply(200, {"Content-Length": str(total)}, stream=stream)

    entry = FileEntry(WHEEL, f"{server.url}/files/{WHEEL}")
    with client() as c:
        result = c.get_metadata(entry)
        assert isinstance(result, MetadataUnavailable) and result.reason == RANGE_UNSUPPORTED
        assert c.stats.bytes_received < c.range_cap_bytes
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and server.bytes_sent and len(server.requests) == 1:
        before = server.bytes_sent
        time.sleep(0.2)
        if server.bytes_sent == before:
            break
    assert server.bytes_sent < c.range_cap_bytes


def test_pep658_metadata(server: LocalServer) -> None:
    server.routes[f"/files/{WHEEL}.metadata"] = lambda _: Reply(200, body=METADATA)
    good = FileEntry(
        WHEEL,
        f"{server.url}/files/{WHEEL}",
        has_metadata=True,
        metadata_sha256=hashlib.sha256(METADATA).hexdigest(),
    )
    bad = FileEntry(WHEEL, f"{server.url}/files/{WHEEL}", has_metadata=True, metadata_sha256="0" * 64)
    with client() as c:
        meta = c.get_metadata(good)
        wrong = c.get_metadata(bad)
    assert isinstance(meta, CoreMetadata) and meta.source == "pep658" and meta.name == "torch"
    assert meta.evidence == f"{server.url}/files/{WHEEL}.metadata"
    assert isinstance(wrong, MetadataUnavailable) and wrong.reason == "metadata hash mismatch"


def test_sdist_metadata_unavailable() -> None:
    with client() as c:
        res = c.get_metadata(FileEntry("torch-2.5.1.tar.gz", "http://127.0.0.1:9/torch-2.5.1.tar.gz"))
    assert isinstance(res, MetadataUnavailable)


# -- credentials -----------------------------------------------------------------------------


def test_secret_never_leaks(server: LocalServer, tmp_path: Path) -> None:
    expected = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
    wheel = build_wheel()

    def guarded(inner: object) -> object:
        def route(req: Request) -> Reply:
            if req.headers.get("authorization") != expected:
                return Reply(401)
            return inner(req)  # type: ignore[operator, no-any-return]

        return route

    server.routes["/simple/torch/"] = guarded(html_reply)  # type: ignore[assignment]
    server.routes["/simple/broken/"] = guarded(lambda _: Reply(500))  # type: ignore[assignment]
    range_server(server, f"/files/{WHEEL}", wheel)
    server.routes[f"/files/{WHEEL}"] = guarded(server.routes[f"/files/{WHEEL}"])  # type: ignore[assignment]
    index = f"http://alice:{SECRET}@127.0.0.1:{server.port}/simple?token={SECRET}"
    cache = DiskCache(tmp_path / "cache")
    with client(cache=cache, retries=0) as c:
        ok = c.get_listing(index, "torch")
        broken = c.get_listing(index, "broken")
        meta = c.get_metadata(ok.files[0])  # credentials learned for the same origin
        no_auth = SimpleClient(retries=0)
        denied = no_auth.get_listing(f"http://127.0.0.1:{server.port}/simple", "torch")
        no_auth.close()
        stats = repr(c.stats)
    assert ok.ok and broken.status == "error" and isinstance(meta, CoreMetadata)
    assert denied.status == "error"
    for thing in (ok, broken, meta, stats, ok.files):
        assert SECRET not in repr(thing)
    on_disk = b"".join(
        p.read_bytes() + str(p).encode() for p in (tmp_path / "cache").rglob("*") if p.is_file()
    )
    assert on_disk and SECRET.encode() not in on_disk


def test_map_preserves_order_and_bounds_concurrency(server: LocalServer) -> None:
    server.routes["/simple/torch/"] = html_reply
    with client(max_concurrency=3) as c:
        out = c.map(lambda p: c.get_listing(server.url + "/simple", p).status, ["torch", "x", "torch", "y"])
    assert out == ["ok", "absent", "ok", "absent"]


def test_concurrent_metadata_reads_ask_range_support_once(server: LocalServer) -> None:
    """Several wheels of one origin read at once: a single HEAD learns that ranges are ignored."""
    names = [WHEEL.replace("cp312", f"cp3{m}") for m in (10, 11, 12, 13)]
    for name in names:
        server.routes[f"/files/{name}"] = lambda _req: Reply(
            200, {"Content-Length": "4"}, b"PK\x03\x04", delay=0.2
        )
    entries = [FileEntry(n, f"{server.url}/files/{n}") for n in names]
    with client() as c:
        results = c.map(c.get_metadata, entries)
    assert all(isinstance(r, MetadataUnavailable) and r.reason == RANGE_UNSUPPORTED for r in results)
    heads = [r for r in server.requests if r.method == "HEAD"]
    assert len(heads) == 1
