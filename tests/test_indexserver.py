"""Tests of the local index server (tests/indexserver) that the other tests and uv talk to."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.indexserver import SERVER_SCRIPT, IndexServer
from tests.indexserver.fixtures import index_server_factory, indexserver_data_dir  # noqa: F401
from tests.indexserver.worlds import founding_case_world, tiny_world

JSON_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[dict[str, str | None], str]] = []
        self._attrs: dict[str, str | None] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._attrs, self._text = dict(attrs), ""

    def handle_data(self, data: str) -> None:
        if self._attrs is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._attrs is not None:
            self.links.append((self._attrs, self._text))
            self._attrs = None


def anchors(text: str) -> list[tuple[dict[str, str | None], str]]:
    parser = _Anchors()
    parser.feed(text)
    return parser.links


def client(server: IndexServer, timeout: float = 10.0) -> httpx.Client:
    return httpx.Client(base_url=server.url, trust_env=False, timeout=timeout)


@pytest.fixture
def tiny(index_server_factory):  # noqa: F811
    return index_server_factory(tiny_world())


# ----------------------------------------------------------------------------------------------
# pages
# ----------------------------------------------------------------------------------------------
def test_html_project_page(tiny: IndexServer) -> None:
    with client(tiny) as c:
        r = c.get("/simple/demo-pkg/", headers={"Accept": "text/html"})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert r.text.startswith("<!DOCTYPE html>")
        assert "<h1>Links for Demo_Pkg</h1>" in r.text
        links = anchors(r.text)
        assert [text for _, text in links] == [
            "demo_pkg-1.0.0-py3-none-any.whl",
            "demo_pkg-1.1.0+cpu-cp312-cp312-linux_x86_64.whl",
        ]
        local = links[1][0]
        href = local["href"] or ""
        assert href.startswith("/simple/demo_pkg-1.1.0%2Bcpu-cp312")
        assert "+" not in href
        assert local["data-requires-python"] == ">=3.12,<4"
        assert 'data-requires-python="&gt;=3.12,&lt;4"' in r.text
        for attrs, _text in links:
            url, _, frag = (attrs["href"] or "").partition("#sha256=")
            assert len(frag) == 64
            body = c.get(url).content
            assert hashlib.sha256(body).hexdigest() == frag
            meta = c.get(url + ".metadata")
            assert meta.status_code == 200
            assert f"sha256={hashlib.sha256(meta.content).hexdigest()}" == attrs["data-core-metadata"]
            assert attrs["data-dist-info-metadata"] == attrs["data-core-metadata"]


def test_json_project_page(tiny: IndexServer) -> None:
    with client(tiny) as c:
        r = c.get("/simple/demo-pkg/", headers={"Accept": JSON_ACCEPT})
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
        doc = r.json()
        assert doc["meta"] == {"api-version": "1.1"}
        assert doc["name"] == "demo-pkg"
        assert doc["versions"] == ["1.0.0", "1.1.0+cpu"]
        files = {f["filename"]: f for f in doc["files"]}
        f = files["demo_pkg-1.1.0+cpu-cp312-cp312-linux_x86_64.whl"]
        assert f["url"].endswith("demo_pkg-1.1.0%2Bcpu-cp312-cp312-linux_x86_64.whl")
        assert f["requires-python"] == ">=3.12,<4"
        assert f["yanked"] is False
        assert f["core-metadata"] == f["dist-info-metadata"]
        body = c.get(f["url"]).content
        assert len(body) == f["size"]
        assert hashlib.sha256(body).hexdigest() == f["hashes"]["sha256"]
        meta = c.get(f["url"] + ".metadata").content
        assert hashlib.sha256(meta).hexdigest() == f["core-metadata"]["sha256"]
        assert files["demo_pkg-1.0.0-py3-none-any.whl"]["upload-time"] == "2024-01-01T00:00:00Z"


def test_root_index_html_and_json(tiny: IndexServer) -> None:
    with client(tiny) as c:
        html_page = c.get("/simple/")
        assert html_page.status_code == 200
        hrefs = {attrs["href"] for attrs, _ in anchors(html_page.text)}
        assert hrefs == {"/simple/demo-pkg/", "/simple/filelock/"}
        doc = c.get("/simple/", headers={"Accept": JSON_ACCEPT}).json()
        assert {p["name"] for p in doc["projects"]} == {"Demo_Pkg", "filelock"}
        no_slash = c.get("/simple")
        assert no_slash.status_code == 301
        assert no_slash.headers["location"] == "/simple/"


def test_normalised_name_redirect_and_missing(index_server_factory) -> None:  # noqa: F811
    srv404 = index_server_factory(tiny_world())
    srv403 = index_server_factory(tiny_world(), missing_status=403)
    with client(srv404) as c:
        r = c.get("/simple/Demo_Pkg/")
        assert r.status_code == 301
        assert r.headers["location"] == "/simple/demo-pkg/"
        assert c.get("/simple/Demo.Pkg/", follow_redirects=True).url.path == "/simple/demo-pkg/"
        assert c.get("/simple/no-such-project/").status_code == 404
        assert c.get("/elsewhere/").status_code == 404
    with client(srv403) as c:
        assert c.get("/simple/no-such-project/").status_code == 403
        assert c.get("/simple/demo-pkg/").status_code == 200


def test_switches_off(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(tiny_world(), metadata=False, json=False, hashes=False, requires_python=False)
    with client(srv) as c:
        r = c.get("/simple/demo-pkg/", headers={"Accept": JSON_ACCEPT})
        assert r.headers["content-type"].startswith("text/html")
        for attrs, text in anchors(r.text):
            assert "#" not in (attrs["href"] or "")
            assert "data-core-metadata" not in attrs
            assert "data-requires-python" not in attrs
            assert c.get((attrs["href"] or "") + ".metadata").status_code == 404
            assert c.get(attrs["href"] or "").status_code == 200, text


# ----------------------------------------------------------------------------------------------
# wheels
# ----------------------------------------------------------------------------------------------
def _record_ok(zf: zipfile.ZipFile) -> int:
    record = next(n for n in zf.namelist() if n.endswith(".dist-info/RECORD"))
    checked = 0
    for row in csv.reader(io.StringIO(zf.read(record).decode())):
        if not row or row[0] == record:
            continue
        name, digest, size = row
        algo, _, b64 = digest.partition("=")
        assert algo == "sha256"
        data = zf.read(name)
        assert base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode() == b64, name
        assert int(size) == len(data)
        checked += 1
    return checked


def test_wheel_is_valid_and_metadata_matches(index_server_factory) -> None:  # noqa: F811
    world = tiny_world()
    world["indexes"]["/simple"]["projects"]["big"] = [
        {"filename": "big-2.0-cp312-cp312-linux_x86_64.whl", "requires_dist": ["filelock"], "size": 3_000_000}
    ]
    srv = index_server_factory(world)
    with client(srv) as c:
        doc = c.get("/simple/big/", headers={"Accept": JSON_ACCEPT}).json()
        (f,) = doc["files"]
        body = c.get(f["url"]).content
        assert len(body) == 3_000_000 == f["size"]
        assert hashlib.sha256(body).hexdigest() == f["hashes"]["sha256"]
        sidecar = c.get(f["url"] + ".metadata").content
        assert hashlib.sha256(sidecar).hexdigest() == f["core-metadata"]["sha256"]
    zf = zipfile.ZipFile(io.BytesIO(body))
    assert zf.testzip() is None
    infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "big/__init__.py"
    assert names[-3:] == ["big-2.0.dist-info/METADATA", "big-2.0.dist-info/WHEEL", "big-2.0.dist-info/RECORD"]
    meta_info = zf.getinfo("big-2.0.dist-info/METADATA")
    assert meta_info.header_offset > 2_900_000  # METADATA sits after the padding, like bdist_wheel
    assert zf.read("big-2.0.dist-info/METADATA") == sidecar
    text = sidecar.decode()
    assert "Metadata-Version: 2.1\nName: big\nVersion: 2.0\n" in text
    assert "Requires-Dist: filelock\n" in text
    wheel = zf.read("big-2.0.dist-info/WHEEL").decode()
    assert "Tag: cp312-cp312-linux_x86_64" in wheel
    assert "Root-Is-Purelib: false" in wheel
    assert _record_ok(zf) == 4
    # the cached file on disk is sparse-friendly and identical to what was served
    cached = [p for p in srv.data_dir.glob("*.whl") if p.stat().st_size == 3_000_000]
    assert cached and cached[0].read_bytes() == body


def test_wheel_served_from_any_directory_and_url_dir(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(founding_case_world(nightlies=1))
    with client(srv) as c:
        doc = c.get("/whl/nightly/cpu/pytorch-triton/", headers={"Accept": JSON_ACCEPT}).json()
        urls = [f["url"] for f in doc["files"]]
        assert all(u.startswith("/whl/nightly/pytorch_triton-3.2.0%2Bgit35c6c7c6-") for u in urls)
        a = c.get(urls[0]).content
        b = c.get("/some/other/dir/" + urls[0].rsplit("/", 1)[1]).content
        assert a == b and zipfile.ZipFile(io.BytesIO(a)).testzip() is None


def test_sdist_minimal(index_server_factory) -> None:  # noqa: F811
    world = {"indexes": {"/simple": {"projects": {"oldpkg": [{"filename": "oldpkg-0.1.tar.gz"}]}}}}
    srv = index_server_factory(world)
    with client(srv) as c:
        ((attrs, _),) = anchors(c.get("/simple/oldpkg/").text)
        assert "data-core-metadata" not in attrs
        url, _, sha = (attrs["href"] or "").partition("#sha256=")
        body = c.get(url).content
        assert hashlib.sha256(body).hexdigest() == sha
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        member = tar.extractfile("oldpkg-0.1/PKG-INFO")
        assert member is not None
        assert b"Name: oldpkg\nVersion: 0.1\n" in member.read()


# ----------------------------------------------------------------------------------------------
# ranges
# ----------------------------------------------------------------------------------------------
WHEEL = "/simple/demo_pkg-1.0.0-py3-none-any.whl"


def test_range_on(tiny: IndexServer) -> None:
    with client(tiny) as c:
        full = c.get(WHEEL)
        assert full.headers["accept-ranges"] == "bytes"
        size = len(full.content)
        tail = c.get(WHEEL, headers={"Range": "bytes=-100"})
        assert tail.status_code == 206
        assert tail.content == full.content[-100:]
        assert tail.content[-22:-18] == b"PK\x05\x06"  # end of central directory
        assert tail.headers["content-range"] == f"bytes {size - 100}-{size - 1}/{size}"
        mid = c.get(WHEEL, headers={"Range": "bytes=10-19"})
        assert mid.status_code == 206 and mid.content == full.content[10:20]
        bad = c.get(WHEEL, headers={"Range": f"bytes={size + 5}-"})
        assert bad.status_code == 416
        assert bad.headers["content-range"] == f"bytes */{size}"
        head = c.head(WHEEL)
        assert head.status_code == 200 and int(head.headers["content-length"]) == size


def test_range_off(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(tiny_world(), range=False)
    with client(srv) as c:
        r = c.get(WHEEL, headers={"Range": "bytes=-100"})
        assert r.status_code == 200
        assert "accept-ranges" not in r.headers
        assert "content-range" not in r.headers
        assert len(r.content) == int(r.headers["content-length"]) > 100
        assert zipfile.ZipFile(io.BytesIO(r.content)).testzip() is None


# ----------------------------------------------------------------------------------------------
# faults
# ----------------------------------------------------------------------------------------------
def test_fail_5xx_per_path(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(tiny_world(), extra_args=["--fail-5xx", "2"])
    with client(srv) as c:
        codes = [c.get("/simple/demo-pkg/").status_code for _ in range(4)]
        assert codes == [503, 503, 200, 200]
        assert [c.get("/simple/filelock/").status_code for _ in range(3)] == [503, 503, 200]
    log = srv.requests()
    assert sum(1 for r in log if r["status"] == 503) == 4
    assert all(r["fault"] == "5xx" for r in log if r["status"] == 503)


def test_delay(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(tiny_world(), extra_args=["--delay", "0.4"])
    with client(srv) as c:
        t0 = time.monotonic()
        assert c.get("/simple/demo-pkg/").status_code == 200
        assert time.monotonic() - t0 >= 0.4
        t0 = time.monotonic()
        c.get("/_stats")  # not delayed
        assert time.monotonic() - t0 < 0.3


def test_stall_does_not_block_other_paths(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(tiny_world(), extra_args=["--stall-path", r"/filelock/$"])
    with client(srv, timeout=1.0) as c:
        t0 = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            c.get("/simple/filelock/")
        assert 0.9 <= time.monotonic() - t0 < 3
    with client(srv, timeout=5.0) as c:
        assert c.get("/simple/demo-pkg/").status_code == 200
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 4  # a stalled handler does not hold up shutdown
    assert any(r["fault"] == "stall" and not r["complete"] for r in srv.requests())


def test_gzip_bomb_headers(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(tiny_world(), extra_args=["--gzip-bomb-path", r"/demo-pkg/$"])
    with client(srv) as c, c.stream("GET", "/simple/demo-pkg/") as r:
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        compressed = int(r.headers["content-length"])
        assert compressed < 4 * 1024 * 1024
        raw = b""
        for chunk in r.iter_raw():
            raw += chunk
            if len(raw) >= 64 * 1024:
                break
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(raw, 16 * 1024 * 1024)
    assert len(out) == 16 * 1024 * 1024 and not out.strip(b"\x00")
    # the inflated size recorded in the gzip trailer is >= 1 GiB worth of ratio
    assert compressed * 500 < 1024**3 <= compressed * 2000


def test_misc_faults(index_server_factory) -> None:  # noqa: F811
    srv = index_server_factory(
        tiny_world(),
        extra_args=[
            "--redirect-loop-path", r"/loop/",
            "--garbage-page-path", r"/filelock/$",
            "--bad-content-type",
            "--truncate-wheels",
            "--bad-metadata-hash",
        ],
    )  # fmt: skip
    with client(srv) as c:
        loop = c.get("/simple/loop/")
        assert loop.status_code == 302 and loop.headers["location"] == "/simple/loop/"
        with pytest.raises(httpx.TooManyRedirects):
            c.get("/simple/loop/", follow_redirects=True)
        garbage = c.get("/simple/filelock/", headers={"Accept": JSON_ACCEPT})
        with pytest.raises(ValueError):
            json.loads(garbage.content)
        page = c.get("/simple/demo-pkg/", headers={"Accept": JSON_ACCEPT})
        assert page.headers["content-type"] == "application/octet-stream"
        f = json.loads(page.content)["files"][0]
        meta = c.get(f["url"] + ".metadata").content
        assert hashlib.sha256(meta).hexdigest() != f["core-metadata"]["sha256"]
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(f["url"])
    wheel_logs = [r for r in srv.requests() if r["kind"] == "wheel"]
    assert wheel_logs and wheel_logs[-1]["complete"] is False and wheel_logs[-1]["fault"] == "truncate"


# ----------------------------------------------------------------------------------------------
# process, log and stats
# ----------------------------------------------------------------------------------------------
def test_log_and_stats(tiny: IndexServer) -> None:
    with client(tiny) as c:
        c.get("/simple/demo-pkg/")
        body = c.get(WHEEL).content
        c.get(WHEEL, headers={"Range": "bytes=-10"})
        c.get(WHEEL + ".metadata")
        stats = c.get("/_stats").json()
    log = tiny.requests()
    assert [r["kind"] for r in log] == ["page", "wheel", "wheel", "metadata"]
    assert log[1]["bytes"] == len(body) and log[1]["complete"] is True
    assert log[2]["range"] == "bytes=-10" and log[2]["status"] == 206 and log[2]["bytes"] == 10
    assert tiny.bytes_served() == stats["bytes"] == sum(r["bytes"] for r in log)
    assert stats["requests"] == 4 and stats["by_kind"]["wheel"] == 2
    assert all(r["path"] != "/_stats" for r in log)


def test_refuses_non_loopback_host(tmp_path: Path) -> None:
    world = tmp_path / "w.json"
    world.write_text(json.dumps(tiny_world()))
    for host in ("0.0.0.0", "10.1.2.3", "example.invalid"):
        proc = subprocess.run(
            [sys.executable, str(SERVER_SCRIPT), "--world", str(world), "--host", host, "--max-seconds", "5"],
            capture_output=True, timeout=20,
        )  # fmt: skip
        assert proc.returncode == 2, host
        assert b"loopback" in proc.stderr


def test_sigterm_and_max_seconds(tmp_path: Path) -> None:
    srv = IndexServer(tiny_world(), data_dir=tmp_path / "d").start()
    proc = srv.proc
    assert proc is not None and srv.running
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 3
    assert proc.returncode == 0
    srv.stop()  # idempotent
    with IndexServer(tiny_world(), data_dir=tmp_path / "d", max_seconds=0.5) as short:
        p = short.proc
        assert p is not None
        assert p.wait(timeout=10) == 0


def test_founding_world_shape() -> None:
    world = founding_case_world(nightlies=2)
    nightly = world["indexes"]["/whl/nightly/cpu"]["projects"]
    torch = [f["filename"] for f in nightly["torch"]]
    assert len(torch) == 2 * 6
    assert "torch-2.6.0.dev20241204+cpu-cp313-cp313-win_amd64.whl" in torch
    assert "torch-2.6.0.dev20241203-cp312-none-macosx_11_0_arm64.whl" in torch
    reqs = nightly["torch"][0]["requires_dist"]
    assert (
        'pytorch-triton==3.2.0+git35c6c7c6; platform_system == "Linux" and platform_machine == "x86_64"'
        in reqs
    )
    assert {f["url_dir"] for f in nightly["pytorch-triton"]} == {"/whl/nightly"}
    default = world["indexes"]["/simple"]["projects"]
    assert [f["filename"] for f in default["pytorch-triton"]] == ["pytorch_triton-0.0.1-py3-none-any.whl"]
    assert {"filelock", "mpmath", "markupsafe", "pillow", "numpy"} <= set(default)


# ----------------------------------------------------------------------------------------------
# the uv oracle
# ----------------------------------------------------------------------------------------------
def _find_python312() -> str | None:
    for name in ("python3.12", "python3.13"):
        found = shutil.which(name)
        if found:
            try:
                ok = subprocess.run(
                    [found, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                    capture_output=True,
                    text=True,
                    timeout=20,
                )
            except (OSError, subprocess.TimeoutExpired):
                continue
            if ok.returncode == 0 and ok.stdout.strip() == "True":
                return found
    for pattern in ("3.12*", "3.13*"):
        for cand in sorted((Path.home() / ".pyenv" / "versions").glob(f"{pattern}/bin/python3")):
            if os.access(cand, os.X_OK):
                return str(cand)
    return None


def _uv() -> str | None:
    cand = Path(sys.executable).parent / "uv"
    if cand.exists():
        return str(cand)
    return shutil.which("uv")


def _founding_pyproject(index_url: str, fixed: bool) -> str:
    deps = ['"torch>=2.5.1"', '"torchvision>=0.20.1"']
    sources = [
        'torch = [{ index = "pytorch-cpu", marker = "platform_system != \'Darwin\'" }]',
        'torchvision = [{ index = "pytorch-cpu", marker = "platform_system != \'Darwin\'" }]',
    ]
    if fixed:
        deps.append("\"pytorch-triton; platform_system != 'Darwin'\"")
        sources.append(
            'pytorch-triton = [{ index = "pytorch-cpu", marker = "platform_system != \'Darwin\'" }]'
        )
    return (
        '[project]\nname = "founding-case"\nversion = "0.1.0"\nrequires-python = ">=3.12"\n'
        f"dependencies = [{', '.join(deps)}]\n\n[tool.uv.sources]\n" + "\n".join(sources) + "\n\n"
        f'[[tool.uv.index]]\nname = "pytorch-cpu"\nurl = "{index_url}"\nexplicit = true\n'
    )


def _run_uv_lock(srv: IndexServer, project: Path, python: str, uv: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, Any] = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(project),
        "UV_DEFAULT_INDEX": srv.index_url("/simple"),
        "UV_CACHE_DIR": str(project / ".uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_PYTHON": python,
        "UV_NO_PROGRESS": "1",
        "UV_NO_CONFIG": "1",
        "NO_COLOR": "1",
        "HTTP_PROXY": "http://127.0.0.1:1",
        "HTTPS_PROXY": "http://127.0.0.1:1",
        "ALL_PROXY": "http://127.0.0.1:1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    return subprocess.run([uv, "lock"], cwd=project, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.uv
def test_uv_oracle_founding_case(index_server_factory, tmp_path: Path) -> None:  # noqa: F811
    python, uv = _find_python312(), _uv()
    if python is None:
        pytest.skip("no Python >= 3.12 interpreter available for uv")
    if uv is None:
        pytest.skip("uv not installed")
    srv = index_server_factory(founding_case_world(nightlies=3))
    index = srv.index_url("/whl/nightly/cpu")

    fixed = tmp_path / "fixed"
    fixed.mkdir()
    (fixed / "pyproject.toml").write_text(_founding_pyproject(index, fixed=True))
    ok = _run_uv_lock(srv, fixed, python, uv)
    assert ok.returncode == 0, ok.stderr
    lock = (fixed / "uv.lock").read_text()
    assert 'version = "2.6.0.dev20241204+cpu"' in lock
    assert 'version = "3.2.0+git35c6c7c6"' in lock
    assert 'version = "2.5.1"' in lock  # macOS takes torch from the default index

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pyproject.toml").write_text(_founding_pyproject(index, fixed=False))
    bad = _run_uv_lock(srv, broken, python, uv)
    assert bad.returncode != 0
    assert "pytorch-triton" in bad.stderr
    assert not (broken / "uv.lock").exists()
    # uv used PEP 658 metadata, never whole wheels
    assert not [r for r in srv.requests() if r["kind"] == "wheel"]
