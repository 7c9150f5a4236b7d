"""``[tool.torchlint]`` and ``--config``: validation with positions, precedence, schema agreement, README."""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import ROOT
from tests.helpers import check_json, run_cli, write_project
from torchlint import config
from torchlint.errors import InputError
from torchlint.project.positions import scan
from torchlint.project.tomlfile import parse_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BASE = """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["requests"]

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
"""
# BASE alone gives exactly one TL001 (the index is not explicit) at 7:1


def _project(tmp_path: Path, table: str) -> Path:
    return write_project(tmp_path, BASE + "\n[tool.torchlint]\n" + table)


def _error(tmp_path: Path, table: str, *args: str) -> str:
    _project(tmp_path, table)
    proc = run_cli(["check", "--offline", *args], cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --------------------------------------------------------------------------- errors, with positions


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'selct = ["TL001"]\n',
            "pyproject.toml:12:1: unknown key `selct` in [tool.torchlint]; did you mean `select`?",
        ),
        (
            'select = ["TL001"]\nextend_ignore = ["TL001"]\n',
            "pyproject.toml:13:1: unknown key `extend_ignore` in [tool.torchlint]; did you mean `extend-ignore`?",
        ),
        ("colour = true\n", "pyproject.toml:12:1: unknown key `colour` in [tool.torchlint]"),
        (
            'select = "TL001"\n',
            "pyproject.toml:12:10: `select` must be an array of rule codes, not a string",
        ),
        (
            'select = ["TL001", 3]\n',
            "pyproject.toml:12:20: `select` must be an array of rule codes, not an integer items",
        ),
        (
            'extend-select = ["TL0", "TL9999"]\n',
            "pyproject.toml:12:25: `extend-select`: unknown rule selector 'TL9999' (see `torchlint rules`)",
        ),
        ('offline = "yes"\n', "pyproject.toml:12:11: `offline` must be true or false, not a string"),
        (
            "cache-ttl = { nightly = 60, stabel = 10 }\n",
            "pyproject.toml:12:29: unknown key `stabel` in `cache-ttl` (expected nightly, stable or other); "
            "did you mean `stable`?",
        ),
        ("cache-ttl = { other = -1 }\n", "pyproject.toml:12:23: `cache-ttl.other` must not be negative"),
        (
            'cache-ttl = { other = "1h" }\n',
            "pyproject.toml:12:23: `cache-ttl.other` must be a number of seconds, not a string",
        ),
        (
            'targets = ["linux-x86_64", "amiga-68k"]\n',
            "pyproject.toml:12:28: `targets`: invalid target 'amiga-68k': expected one of linux-aarch64, "
            "linux-x86_64, macos-arm64, macos-x86_64, windows-amd64 (optionally -py3.X)",
        ),
        (
            'output-format = "concsie"\n',
            "pyproject.toml:12:17: `output-format`: unknown format 'concsie'",
        ),
        ("ignore = { TL001 = 1 }\n", "pyproject.toml:12:20: `ignore`: the reason for TL001 must be a string"),
        (
            'per-file-ignores = ["TL001"]\n',
            "pyproject.toml:12:20: `per-file-ignores` must be a table of glob = [codes], not an array",
        ),
        (
            'mirrors = { "https://download.pytorch.org" = 1 }\n',
            "pyproject.toml:12:46: `mirrors` must be a string, not an integer",
        ),
        ('default-index = ""\n', "pyproject.toml:12:17: `default-index` must not be empty"),
    ],
)
def test_bad_config_is_one_line_exit_2(tmp_path: Path, table: str, expected: str) -> None:
    assert _error(tmp_path, table).startswith(expected)


def test_table_of_wrong_type(tmp_path: Path) -> None:
    write_project(tmp_path, BASE + "\n[tool]\ntorchlint = 1\n")
    proc = run_cli(["check", "--offline"], cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (
        2,
        "pyproject.toml:12:13: [tool.torchlint] must be a table, not an integer",
    )


def test_exit_zero_never_masks_a_config_error(tmp_path: Path) -> None:
    assert "unknown key `bogus`" in _error(tmp_path, "bogus = 1\n", "--exit-zero")


def test_second_files_table_is_validated_too(tmp_path: Path) -> None:
    write_project(tmp_path / "a", BASE)
    write_project(tmp_path / "b", BASE + "\n[tool.torchlint]\nselect = 1\n")
    proc = run_cli(["check", "--offline", "a/pyproject.toml", "b/pyproject.toml"], cwd=tmp_path)
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "b/pyproject.toml:12:10: `select` must be an array of rule codes, not an integer"
    )


# --------------------------------------------------------------------------- behaviour and precedence


def _codes(path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    code, diags, stderr = check_json(path, "--offline", *args, env=env)
    assert code in (0, 1), stderr
    return code, sorted(d["code"] for d in diags)


def test_select_and_ignore_from_config(tmp_path: Path) -> None:
    path = _project(tmp_path, 'select = ["TL001"]\n')
    assert _codes(path) == (1, ["TL001"])
    path = _project(tmp_path, 'ignore = { TL001 = "the CI image has no default index" }\n')
    assert "TL001" not in _codes(path)[1]
    path = _project(tmp_path, 'select = ["TL0"]\nextend-ignore = ["TL001"]\n')
    assert _codes(path) == (0, [])


def test_cli_wins_over_config(tmp_path: Path) -> None:
    path = _project(tmp_path, 'ignore = ["TL001"]\n')
    assert "TL001" not in _codes(path)[1]
    # --select replaces the file's selection; --extend-select re-enables on top of it
    assert _codes(path, "--select", "TL001") == (1, ["TL001"])
    assert "TL001" in _codes(path, "--extend-select", "TL001")[1]
    path = _project(tmp_path, 'select = ["TL001"]\n')
    assert _codes(path, "--ignore", "TL001") == (0, [])
    assert _codes(path, "--extend-ignore", "TL0") == (0, [])


def test_per_file_ignores(tmp_path: Path) -> None:
    sub = write_project(tmp_path / "services" / "api", BASE)
    root = _project(tmp_path, 'per-file-ignores = { "services/*/pyproject.toml" = ["TL001"] }\n')
    code, diags, _ = check_json(root, "--offline", "--select", "TL001", str(sub))
    files = sorted(d["filename"] for d in diags)
    assert files == ["pyproject.toml"], diags  # the root keeps its TL001, services/api loses it
    assert code == 1
    root = _project(tmp_path, 'per-file-ignores = { "pyproject.toml" = ["TL0"] }\n')
    assert check_json(root, "--offline", "--select", "TL001", str(sub))[1] == []


def test_output_format_precedence(tmp_path: Path) -> None:
    _project(tmp_path, 'output-format = "concise"\n')
    proc = run_cli(["check", "--offline"], cwd=tmp_path)
    assert proc.stdout.startswith("pyproject.toml:7:1: TL001 [warning] ")
    proc = run_cli(["check", "--offline"], cwd=tmp_path, env={"TORCHLINT_OUTPUT_FORMAT": "json"})
    assert json.loads(proc.stdout)[0]["code"] == "TL001"
    proc = run_cli(
        ["check", "--offline", "--output-format", "full"],
        cwd=tmp_path,
        env={"TORCHLINT_OUTPUT_FORMAT": "json"},
    )
    assert proc.stdout.splitlines()[1:3] == ["  |", "7 | [[tool.uv.index]]"]


def test_config_file_overrides_discovery(tmp_path: Path) -> None:
    _project(tmp_path, 'select = ["TL002"]\n')
    (tmp_path / "torchlint.toml").write_text('select = ["TL001"]\noutput-format = "concise"\n')
    proc = run_cli(["check", "--offline", "--config", "torchlint.toml"], cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.startswith("pyproject.toml:7:1: TL001 "), proc.stdout
    # a pyproject given as --config: its [tool.torchlint]
    write_project(tmp_path / "shared", '[tool.torchlint]\nignore = ["TL0"]\n')
    proc = run_cli(["check", "--offline", "--config", "shared/pyproject.toml"], cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.startswith("All checks passed!"), proc.stdout
    # errors in the --config file point into it
    (tmp_path / "bad.toml").write_text('\nselect = ["TL001"]\noffline = 1\n')
    proc = run_cli(["check", "--config", "bad.toml"], cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (
        2,
        "bad.toml:3:11: `offline` must be true or false, not an integer",
    )
    proc = run_cli(["check", "--config", "missing.toml"], cwd=tmp_path)
    assert (proc.returncode, proc.stderr.strip()) == (2, "missing.toml:1:1: no such file")


def test_required_targets_from_config(tmp_path: Path) -> None:
    path = _project(tmp_path, 'targets = ["linux-x86_64"]\n')
    code, diags, _ = check_json(path, "--offline", "--select", "TL001")
    assert code == 1 and [d["code"] for d in diags] == ["TL001"]


def test_offline_and_cache_ttl_and_mirrors_reach_the_probe(tmp_path: Path) -> None:
    cfg = config.from_source(
        _source(
            "[tool.torchlint]\noffline = true\n"
            'mirrors = { "https://download.pytorch.org" = "http://127.0.0.1:1" }\n'
            "cache-ttl = { nightly = 60, stable = 120.5 }\n"
            'default-index = "http://127.0.0.1:1/simple"\n'
        ),
        ("tool", "torchlint"),
    )
    assert cfg.offline is True
    assert cfg.mirrors == {"https://download.pytorch.org": "http://127.0.0.1:1"}
    assert cfg.cache_ttl == {"nightly": 60.0, "stable": 120.5}
    assert cfg.default_index == "http://127.0.0.1:1/simple"
    from torchlint.cli import _offline

    assert _offline(None, "", True) is True
    assert _offline(False, "1", True) is False  # --no-offline wins over everything
    assert _offline(None, "0", True) is False  # TORCHLINT_OFFLINE beats the file
    assert _offline(None, "", None) is False


def test_offline_from_config_means_no_network(tmp_path: Path) -> None:
    path = _project(tmp_path, "offline = true\n")
    proc = run_cli(["check", str(path), "--output-format", "json"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    # offline: no attempt to reach an index (conftest points proxies at a closed port)
    assert "unreachable" not in proc.stderr and "error" not in proc.stderr.lower()


# --------------------------------------------------------------------------- schema


def _source(text: str, name: str = "pyproject.toml") -> Any:
    from torchlint.project.model import SourceFile

    return SourceFile(path=name, display=name, text=text, data=parse_toml(text, name), positions=scan(text))


GOOD_TABLES: list[dict[str, Any]] = [
    {},
    {"pedantic": True, "fail-on": "error"},
    {"select": ["TL0", "TL201"], "extend-select": ["TL900"], "extend-ignore": ["TL003"]},
    {"ignore": ["TL001"]},
    {"ignore": {"TL001": "reason"}},
    {"per-file-ignores": {"services/*/pyproject.toml": ["TL001", "TL2"]}},
    {"mirrors": {"https://download.pytorch.org": "https://mirror.example.com/pytorch"}},
    {"targets": ["linux-x86_64", "macos-arm64-py3.12"]},
    {"offline": True, "cache-ttl": {"nightly": 60, "stable": 3600.5, "other": 0}},
    {"default-index": "https://packages.example.com/simple", "output-format": "concise"},
]
BAD_TABLES: list[dict[str, Any]] = [
    {"selct": ["TL001"]},
    {"pedantic": "yes"},
    {"fail-on": "info"},
    {"select": "TL001"},
    {"select": [1]},
    {"ignore": {"TL001": 1}},
    {"offline": "yes"},
    {"cache-ttl": {"weekly": 1}},
    {"cache-ttl": {"other": -1}},
    {"cache-ttl": {"other": "1h"}},
    {"mirrors": {"a": 1}},
    {"targets": "linux-x86_64"},
    {"output-format": "xml"},
    {"default-index": ""},
    {"per-file-ignores": {"x": "TL001"}},
]


def _toml(table: dict[str, Any]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)

    return "[tool.torchlint]\n" + "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in table.items())


def test_schema_keys_are_the_loaders_keys() -> None:
    schema = config.json_schema()
    assert tuple(schema["properties"]) == config.KEYS
    assert schema["additionalProperties"] is False
    assert tuple(schema["properties"]["cache-ttl"]["properties"]) == config.CACHE_TTL_KEYS
    from torchlint.report import FORMATS

    assert set(FORMATS) <= set(schema["properties"]["output-format"]["enum"]), (
        "add the new output format to torchlint/resources/torchlint.schema.json"
    )
    jsonschema.Draft7Validator.check_schema(schema)


@pytest.mark.parametrize("table", GOOD_TABLES, ids=lambda t: ",".join(t) or "empty")
def test_schema_and_loader_accept_the_same(table: dict[str, Any]) -> None:
    jsonschema.validate(table, config.json_schema())
    cfg = config.from_source(_source(_toml(table)), ("tool", "torchlint"))
    assert cfg.source == "pyproject.toml"


@pytest.mark.parametrize("table", BAD_TABLES, ids=lambda t: json.dumps(t))
def test_schema_and_loader_reject_the_same(table: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(table, config.json_schema())
    with pytest.raises(InputError):
        config.from_source(_source(_toml(table)), ("tool", "torchlint"))


def test_every_schema_key_is_accepted() -> None:
    every = {k: v for t in GOOD_TABLES for k, v in t.items()}
    assert set(every) == set(config.KEYS)
    config.from_source(_source(_toml(every)), ("tool", "torchlint"))


def test_schema_registered_for_validate_pyproject() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = meta["project"]["entry-points"]["validate_pyproject.tool_schema"]["torchlint"]
    module, _, attr = target.partition(":")
    import importlib

    schema = getattr(importlib.import_module(module), attr)()
    assert schema == config.json_schema() and schema["title"] == "torchlint"
    # shipped inside the package directory (hatchling packages everything under torchlint/)
    assert (ROOT / "torchlint" / "resources" / "torchlint.schema.json").is_file()


def test_resolve_codes_layers() -> None:
    cfg = config.Config(select=["TL0"], ignore=["TL001"])
    assert "TL001" not in config.resolve_codes(cfg)
    assert "TL201" not in config.resolve_codes(cfg)
    assert "TL001" in config.resolve_codes(cfg, extend_select=["TL001"])
    assert config.resolve_codes(cfg, select=["TL201"]) == ["TL201"]
    assert config.resolve_codes(config.Config(), ignore=["ALL"]) == []


# --------------------------------------------------------------------------- README snippets


def _readme_blocks(lang: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.S | re.M)


def test_readme_toml_snippets_load() -> None:
    blocks = _readme_blocks("toml")
    assert any("[tool.torchlint]" in b for b in blocks)
    for block in blocks:
        tomllib.loads(block)
        sf = _source(block)
        cfg = config.from_source(sf, ("tool", "torchlint"))
        if "[tool.torchlint]" in block:
            assert cfg.select is not None and cfg.targets


def test_readme_suppression_snippet_is_clean(tmp_path: Path) -> None:
    (block,) = [b for b in _readme_blocks("toml") if "torchlint: ignore" in b]
    path = write_project(tmp_path, block)
    _code, diags, _ = check_json(path, "--offline")
    found = {d["code"] for d in diags}
    assert not found & {"TL001", "TL003", "TL900"}, diags
    # and without the comments both findings are there
    path.write_text(block.replace("# torchlint:", "# (was)"), encoding="utf-8")
    _code, diags, _ = check_json(path, "--offline")
    assert {"TL001", "TL003"} <= {d["code"] for d in diags}


def test_readme_config_snippet_runs(tmp_path: Path) -> None:
    (block,) = [b for b in _readme_blocks("toml") if "[tool.torchlint]" in b]
    write_project(tmp_path, BASE + "\n" + block)
    proc = run_cli(["check", "--offline"], cwd=tmp_path)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.startswith("pyproject.toml:7:1: TL001 [warning] "), proc.stdout


def test_loader_does_not_mutate_input() -> None:
    table = copy.deepcopy(GOOD_TABLES[1])
    config.from_source(_source(_toml(table)), ("tool", "torchlint"))
    assert table == GOOD_TABLES[1]
