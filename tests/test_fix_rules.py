"""The TL004 (conflicts), TL006 and TL008 fixes: when they apply, what they write, when they refrain."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import python_for_uv, uv_exe
from tests.test_examples import _world_for
from torchlint.check import CheckOptions, run_check
from torchlint.fix.run import plan_fixes
from torchlint.index.probe import ProbeOptions
from torchlint.rules import tl004_variant_selector

HEAD = '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'


def _fixed(tmp: Path, text: str, code: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str | None, list[str]]:
    """(fixed text or None when no fix applies, messages of *code*'s findings)."""
    (tmp / "pyproject.toml").write_text(text)
    monkeypatch.chdir(tmp)
    opts = CheckOptions(select=(code,), probe=ProbeOptions(offline=True, cache_dir=str(tmp / "cache")))
    result = run_check(["pyproject.toml"], opts, environ={})
    messages = [d.message for d in result.diagnostics if d.code == code]
    plans = [p for p in plan_fixes(result, unsafe=True) if p.changed]
    assert all(not p.refused for p in plans)
    return (plans[0].new_text if plans else None), messages


# ---------------------------------------------------------------------------------------- TL008


@pytest.mark.parametrize(
    ("deps", "url", "new"),
    [
        ('["torch==2.0.1+cu118"]', "https://download.pytorch.org/whl/torch_stable.html", "whl/cu118"),
        ('["torch==2.0.1"]', "https://download.pytorch.org/whl/cu118/torch_stable.html", "whl/cu118"),
        ('["torch==2.0.1+cpu", "torchvision==0.15.2+cpu"]', "https://download.pytorch.org/whl", "whl/cpu"),
    ],
)
def test_tl008_variant_from_pins_or_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deps: str, url: str, new: str
) -> None:
    text = HEAD + f'dependencies = {deps}\n\n[tool.uv]\nfind-links = ["{url}"]  # old page\n'
    fixed, messages = _fixed(tmp_path, text, "TL008", monkeypatch)
    assert messages and fixed is not None
    name = "pytorch-" + new.rpartition("/")[2]
    assert (
        f'[[tool.uv.index]]\nname = "{name}"\nurl = "https://download.pytorch.org/{new}"\nexplicit = true\n'
        in fixed
    )
    assert f'torch = [{{ index = "{name}" }}]' in fixed
    assert "find-links" not in fixed
    assert "[tool.uv]\n# old page\n" in fixed  # the removed line's comment stays


@pytest.mark.parametrize(
    "deps",
    ['["torch==2.0.1"]', '["torch==2.0.1+cu118", "torchvision==0.15.2+cu117"]'],
    ids=["no-local-label", "labels-disagree"],
)
def test_tl008_no_fix_without_one_variant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deps: str) -> None:
    text = (
        HEAD
        + f'dependencies = {deps}\n\n[tool.uv]\nfind-links = ["https://download.pytorch.org/whl/torch_stable.html"]\n'
    )
    fixed, messages = _fixed(tmp_path, text, "TL008", monkeypatch)
    assert messages and fixed is None


def test_tl008_keeps_other_find_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        HEAD + 'dependencies = ["torch==2.0.1+cu118"]\n\n[tool.uv]\nfind-links = [\n'
        '  "https://download.pytorch.org/whl/torch_stable.html",\n  "./wheels",  # local builds\n]\n'
    )
    fixed, _ = _fixed(tmp_path, text, "TL008", monkeypatch)
    assert fixed is not None
    assert '"./wheels",  # local builds' in fixed and "torch_stable" not in fixed


# ---------------------------------------------------------------------------------------- TL006


def test_tl006_moves_index_url_and_find_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (
        HEAD + 'dependencies = ["numpy"]\n\n[tool.uv.pip]\n'
        'index-url = "https://mirror.example.org/simple"\n'
        'find-links = ["https://wheels.example.net/flat/"]\n'
    )
    (tmp_path / "pyproject.toml").write_text(text)
    fixed, messages = _fixed(tmp_path, text, "TL006", monkeypatch)
    assert len(messages) == 2 and fixed is not None
    assert (
        '[[tool.uv.index]]\nname = "mirror-example-org"\nurl = "https://mirror.example.org/simple"\ndefault = true\n'
        in fixed
    )
    assert (
        '[[tool.uv.index]]\nname = "wheels-example-net"\nurl = "https://wheels.example.net/flat/"\nformat = "flat"\n'
        in fixed
    )
    assert "index-url" not in fixed and "find-links" not in fixed and "[tool.uv.sources]" not in fixed


def test_tl006_no_move_onto_a_taken_name_or_second_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = (
        HEAD + 'dependencies = ["torch==2.4.0"]\n\n[tool.uv.pip]\n'
        'extra-index-url = ["https://download.pytorch.org/whl/cu124"]\n\n'
        '[[tool.uv.index]]\nname = "pytorch-cu124"\nurl = "https://download.pytorch.org/whl/cu121"\nexplicit = true\n'
    )
    fixed, messages = _fixed(tmp_path, taken, "TL006", monkeypatch)
    assert any("[tool.uv.pip] extra-index-url" in m for m in messages) and fixed is None
    second_default = (
        HEAD + 'dependencies = ["numpy"]\n\n[tool.uv.pip]\nindex-url = "https://a.example.org/simple"\n\n'
        '[[tool.uv.index]]\nname = "b"\nurl = "https://b.example.org/simple"\ndefault = true\n'
    )
    fixed, messages = _fixed(tmp_path, second_default, "TL006", monkeypatch)
    assert messages and fixed is None
    two_variants = (
        HEAD + 'dependencies = ["torch==2.4.0"]\n\n[tool.uv.pip]\nextra-index-url = [\n'
        '  "https://download.pytorch.org/whl/cpu",\n  "https://download.pytorch.org/whl/cu124",\n]\n'
    )
    fixed, messages = _fixed(tmp_path, two_variants, "TL006", monkeypatch)
    assert messages and fixed is None


@pytest.mark.parametrize(
    ("table", "key", "fixable"),
    [
        ("[tool.uv]", "soruces = {}", True),  # `sources` is clearly closer than `no-sources`
        ("[tool.uv]", "index-urls = []", False),  # index-url or extra-index-url: a question for the user
        ("[tool.uv]", "soruces = {}\nsources = {}", False),  # both spellings: no merge
        (
            '[[tool.uv.index]]\nname = "x"\nurl = "https://x.example.org/simple"',
            'priority = "supplemental"',
            False,
        ),
    ],
)
def test_tl006_renames_only_unambiguous_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, key: str, fixable: bool
) -> None:
    text = HEAD + f'dependencies = ["numpy"]\n\n{table}\n{key}\n'
    fixed, messages = _fixed(tmp_path, text, "TL006", monkeypatch)
    assert messages
    assert (fixed is not None) == fixable
    if fixed is not None:
        assert "sources = {}" in fixed


# ---------------------------------------------------------------------------------------- TL004


def _lock(tmp: Path, text: str, server) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    uv, py = uv_exe(), python_for_uv()
    if uv is None or py is None:
        pytest.skip("uv or a Python >= 3.12 is not available")
    (tmp / "pyproject.toml").write_text(text.replace("https://download.pytorch.org", server.url))
    env = dict(os.environ)
    env.update(
        UV_DEFAULT_INDEX=server.index_url("/simple"),
        UV_CACHE_DIR=str(tmp.parent / "uv-cache"),
        UV_PYTHON=py,
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        HOME=str(tmp),
    )
    return subprocess.run([uv, "lock"], cwd=tmp, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.uv
def test_uv_needs_the_conflicts_the_tl004_fix_adds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_server_factory
) -> None:  # type: ignore[no-untyped-def]
    """Two backend extras routed to two explicit indexes: uv refuses to lock without `conflicts`
    ("conflicting indexes"), and locks one torch per extra with the entry the fix adds."""
    (ex,) = [e for e in tl004_variant_selector.EXAMPLES if e.fixed and "cu126 = [" in e.pyproject]
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "pyproject.toml").write_text(ex.pyproject)
    server = index_server_factory(_world_for(tmp_path / "w"), missing_status=403, json=False)
    before = tmp_path / "before"
    before.mkdir()
    proc = _lock(before, ex.pyproject, server)
    assert proc.returncode != 0
    assert "conflicting indexes for package `torch`" in proc.stderr
    fixed, messages = _fixed(tmp_path / "w", ex.pyproject, "TL004", monkeypatch)
    assert messages and fixed == ex.fixed
    assert fixed is not None and 'conflicts = [[{ extra = "cpu" }, { extra = "cu126" }]]' in fixed
    after = tmp_path / "after"
    after.mkdir()
    proc = _lock(after, fixed, server)
    assert proc.returncode == 0, proc.stderr
    lock = (after / "uv.lock").read_text()
    assert f"{server.url}/whl/cpu" in lock and f"{server.url}/whl/cu126" in lock
