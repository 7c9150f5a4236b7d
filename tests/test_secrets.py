"""Secrets never leave the process: credentials in index URLs, netrc and UV_INDEX_* variables.

Live runs against the local index server (loopback; it ignores auth) in every output format, then
a search of stdout, stderr and every file under TORCHLINT_CACHE_DIR (cache entries, replay
results) for the secret, its URL-encoded form and its base64 basic-auth form.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.helpers import run_cli
from tests.indexserver.worlds import founding_case_world

SECRET = "s3cr3t-token/+=%x"
USER = "alice-user"
PUBLIC = "https://download.pytorch.org"
PROJECT = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.5.1", "torchvision>=0.20.1"]

[tool.uv.sources]
torch = [{{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }}]
torchvision = [{{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }}]

[[tool.uv.index]]
name = "pytorch-nightly"
url = "{url}"
explicit = true
"""


def _forms(secret: str) -> list[str]:
    return [
        secret,
        quote(secret, safe=""),
        quote(secret),
        base64.b64encode(f"{USER}:{secret}".encode()).decode(),
    ]


def _scan(texts: list[str], cache: Path, secret: str) -> list[str]:
    leaks = []
    forms = _forms(secret)
    for i, t in enumerate(texts):
        leaks += [f"output {i}: {f!r}" for f in forms if f in t]
    for f in cache.rglob("*"):
        leaks += [f"file name {f}" for form in forms if form in f.name]
        if f.is_file():
            data = f.read_bytes()
            leaks += [f"{f}: {form!r}" for form in forms if form.encode() in data]
    return leaks


@pytest.mark.parametrize("how", ["url-userinfo", "netrc", "uv-index-env"])
def test_secret_never_written_anywhere(index_server_factory, tmp_path: Path, how: str) -> None:
    server = index_server_factory(founding_case_world(nightlies=2), missing_status=403)
    cache = tmp_path / "cache"
    env = {"TORCHLINT_CACHE_DIR": str(cache)}
    index_url = f"{PUBLIC}/whl/nightly/cpu"
    default = server.index_url("/simple")
    if how == "url-userinfo":
        index_url = f"https://{USER}:{quote(SECRET, safe='')}@download.pytorch.org/whl/nightly/cpu"
        default = f"http://{USER}:{quote(SECRET, safe='')}@127.0.0.1:{server.port}/simple"
    elif how == "netrc":
        netrc = tmp_path / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login {USER} password {SECRET}\n")
        netrc.chmod(0o600)
        env["NETRC"] = str(netrc)
    else:
        env["UV_INDEX_PYTORCH_NIGHTLY_USERNAME"] = USER
        env["UV_INDEX_PYTORCH_NIGHTLY_PASSWORD"] = SECRET
    (tmp_path / "pyproject.toml").write_text(PROJECT.format(url=index_url), encoding="utf-8")
    texts = []
    for fmt in ("full", "concise", "json", "full"):  # the last run may be a replay
        proc = run_cli(
            [
                *["check", "pyproject.toml", "--output-format", fmt],
                *["--mirror", f"{PUBLIC}={server.url}", "--default-index", default],
            ],
            cwd=tmp_path,
            env=env,
        )
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr
        texts += [proc.stdout, proc.stderr]
    # the run really used the server (so the secret was in play), and stored results
    assert server.requests()
    assert any(cache.rglob("*.json")), list(cache.rglob("*"))
    assert _scan(texts, cache, SECRET) == []


def test_secret_in_an_unusable_index_url_is_redacted_in_notes(tmp_path: Path) -> None:
    """An index that cannot be reached: the note names it without the password."""
    url = f"http://{USER}:{quote(SECRET, safe='')}@127.0.0.1:9/simple"
    (tmp_path / "pyproject.toml").write_text(PROJECT.format(url=url), encoding="utf-8")
    cache = tmp_path / "cache"
    proc = run_cli(
        ["check", "pyproject.toml", "--output-format", "json", "--timeout", "2", "--default-index", url],
        cwd=tmp_path,
        env={"TORCHLINT_CACHE_DIR": str(cache)},
    )
    assert "Traceback" not in proc.stderr
    assert "unusable" in proc.stderr and "127.0.0.1:9" in proc.stderr, proc.stderr
    assert _scan([proc.stdout, proc.stderr], cache, SECRET) == []
