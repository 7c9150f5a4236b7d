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


# --------------------------------------------------------------------------------------------
# Every output format and option, with credentials in the files, the environment and netrc

FILE_SECRET = "fil3-pass-Xq9"
QUERY_SECRET = "qry-t0ken-Zr4"
REQ_SECRET = "req-pass-Wv7"
ENV_SECRET = "env-pass-Kp2"
DEFAULT_SECRET = "dflt-pass-Jm5"
NETRC_SECRET = "netrc-pass-Hn8"
ALL_SECRETS = [FILE_SECRET, QUERY_SECRET, REQ_SECRET, ENV_SECRET, DEFAULT_SECRET, NETRC_SECRET]

#: A project with fixable findings next to the credentials (a misspelled index name, a
#: non-explicit index, a marker spelling): fixes edit lines near and between the secrets.
LEAKY_PROJECT = f"""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["torch>=2.5.1", "torchvision>=0.20.1"]

[tool.uv.sources]
torch = [{{ index = "pytorch-cu12", marker = "platform_system != 'darwin'" }}]

[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://{USER}:{FILE_SECRET}@download.pytorch.org/whl/cu128?token={QUERY_SECRET}"

[[tool.uv.index]]
name = "internal"
url = "https://pkgs.example.invalid/simple"
explicit = true
"""
LEAKY_REQUIREMENTS = f"""\
--extra-index-url https://{USER}:{REQ_SECRET}@download.pytorch.org/whl/cu121
torch==2.5.1
"""


def _scan_all(texts: list[str], paths: list[Path]) -> list[str]:
    leaks = []
    for secret in ALL_SECRETS:
        forms = _forms(secret)
        for i, t in enumerate(texts):
            leaks += [f"output {i}: {f!r}" for f in forms if f in t]
        for root in paths:
            for f in [root, *root.rglob("*")] if root.is_dir() else [root]:
                if f.is_file():
                    data = f.read_bytes()
                    leaks += [f"{f}: {form!r}" for form in forms if form.encode() in data]
    return leaks


def test_no_output_format_or_option_prints_a_secret(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "pyproject.toml").write_text(LEAKY_PROJECT, encoding="utf-8")
    (work / "requirements.txt").write_text(LEAKY_REQUIREMENTS, encoding="utf-8")
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine download.pytorch.org login {USER} password {NETRC_SECRET}\n")
    netrc.chmod(0o600)
    cache = tmp_path / "cache"
    reports = tmp_path / "reports"
    reports.mkdir()
    env = {
        "TORCHLINT_CACHE_DIR": str(cache),
        "NETRC": str(netrc),
        "UV_INDEX_INTERNAL_USERNAME": USER,
        "UV_INDEX_INTERNAL_PASSWORD": ENV_SECRET,
        "UV_DEFAULT_INDEX": f"https://{USER}:{DEFAULT_SECRET}@pkgs.example.invalid/simple",
    }
    files = ["pyproject.toml", "requirements.txt"]
    common = ["--offline", "--unsafe-fixes", "--pedantic"]
    runs: list[list[str]] = [
        [*files, "--output-format", fmt, "--show-fixes", *common]
        for fmt in ("full", "concise", "json", "json-lines", "github", "sarif", "html")
    ]
    runs += [
        [*files, "--diff", *common],
        [*files, "--statistics", *common],
        [*files, "--output-format", "sarif", "-o", str(reports / "r.sarif"), *common],
        [*files, "--output-format", "html", "-o", str(reports / "r.html"), *common],
        [*files, "--output-format", "json", "-o", str(reports / "r.json"), *common],
        [*files, "--quiet", *common],
        # a bad option value: the error line names nothing secret either
        [*files, "--default-index", f"https://{USER}:{DEFAULT_SECRET}@", "--select", "NOPE"],
    ]
    texts = []
    saw_diff = False
    for args in runs:
        proc = run_cli(["check", *args], cwd=work, env=env)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)
        assert proc.returncode in (0, 1, 2), (args, proc.returncode, proc.stderr)
        texts += [proc.stdout, proc.stderr]
        saw_diff = saw_diff or ("--diff" in args and "+++ b/pyproject.toml" in proc.stdout)
    assert saw_diff, "the --diff run showed no diff: the fixes were not exercised"
    assert any("explicit = true" in t for t in texts), "no fix was shown"
    assert sorted(p.name for p in reports.iterdir()) == ["r.html", "r.json", "r.sarif"]
    # --fix writes the credentials back into the file (they are the user's data), nowhere else
    proc = run_cli(["check", *files, "--fix", *common], cwd=work, env=env)
    assert "Traceback" not in proc.stderr
    texts += [proc.stdout, proc.stderr]
    fixed = (work / "pyproject.toml").read_text(encoding="utf-8")
    assert fixed != LEAKY_PROJECT and f"{USER}:{FILE_SECRET}@" in fixed and QUERY_SECRET in fixed
    assert REQ_SECRET in (work / "requirements.txt").read_text(encoding="utf-8")
    assert _scan_all(texts, [cache, reports]) == []
    # nothing else was written beside the checked files (no temporary file left behind)
    assert sorted(p.name for p in work.iterdir()) == ["pyproject.toml", "requirements.txt"]


def test_masker_masks_known_secrets_and_url_forms() -> None:
    from torchlint.report.mask import Masker

    m = Masker.for_run(
        {"UV_INDEX_X_PASSWORD": ENV_SECRET, "UV_DEFAULT_INDEX": f"https://u:{DEFAULT_SECRET}@h/simple"},
        [f'url = "https://u:{FILE_SECRET}@h/x?api_key={QUERY_SECRET}"'],
    )
    text = (
        f"a {ENV_SECRET} b {quote(DEFAULT_SECRET, safe='')} c https://tok{FILE_SECRET}@h/ "
        f"d https://h/p?token={QUERY_SECRET}&page=2 e https://v:short@h/"
    )
    out = m(text)
    for s in (ENV_SECRET, DEFAULT_SECRET, FILE_SECRET, QUERY_SECRET, "short"):
        assert s not in out, out
    assert "page=2" in out and out.startswith("a *** b *** c https://")
