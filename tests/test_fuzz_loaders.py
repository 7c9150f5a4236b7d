"""Property-based fuzzing of the uv loader and the check pipeline (offline, in process).

Inputs are (a) random mutations of realistic valid configurations (the bundled examples and the
real-world corpus) and (b) structured random TOML with ``[project]`` / ``[dependency-groups]`` /
``[tool.uv]`` shapes and random strings or values of the wrong type in requirement, marker,
specifier and URL positions. The property: no exception other than
:class:`~torchlint.errors.InputError` escapes, every ``InputError`` points inside the file
(``path:line:col`` with a real line and column), and every TL000 problem too.

Most inputs run through ``load_uv_project`` + targets + routing (milliseconds each); a smaller
share runs the whole pipeline (``run_check``, config rules only, then every rule offline). Seeds
are fixed, so a failure reproduces; each test prints its count, seed and time, and appends them
to ``$TORCHLINT_RELIABILITY_REPORT`` when set (``scripts/reliability.py`` reads it).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from torchlint.check import CheckOptions, run_check
from torchlint.errors import InputError
from torchlint.index.probe import ProbeOptions
from torchlint.project.uv import load_uv_project
from torchlint.routing import Router, resolve_default_index
from torchlint.targets import build_targets

SEED = 20261126
#: Inputs per test; the total is asserted to stay >= 10,000 (the reliability table counts them).
COUNTS = {"mutations": 5200, "structured": 4000, "pipeline_config": 800, "pipeline_full": 40}
#: Wall-clock guard per test (seconds): past it, the remaining examples are skipped and the
#: test fails (a hang or a pathological slowdown). About 3x the time measured on a quiet
#: 2-core machine (~70 s in total), as CI machines are shared.
TIME_BOUND = {"mutations": 120.0, "structured": 75.0, "pipeline_config": 60.0, "pipeline_full": 45.0}

MAX_SEED_CHARS = 2500

SETTINGS = dict(
    deadline=None,
    database=None,
    derandomize=False,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


def _seeds() -> list[str]:
    """Small realistic files (a big seed costs milliseconds per input and adds little)."""
    texts = []
    for p in sorted((ROOT / "examples").glob("*/pyproject.toml")):
        texts.append(p.read_text(encoding="utf-8"))
    for p in sorted((ROOT / "tests" / "corpus" / "real").glob("*.toml")):
        text = p.read_text(encoding="utf-8")
        if "[project]" in text or "[tool.uv" in text:
            texts.append(text)
    texts = [t for t in texts if len(t) <= MAX_SEED_CHARS]
    assert len(texts) >= 10
    return texts


SEEDS = _seeds()

# ------------------------------------------------------------------------------ bookkeeping


class _Budget:
    """Counts inputs; past the time bound, the remaining examples are skipped cheaply."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.skipped = 0
        self.start = time.monotonic()

    def over(self) -> bool:
        if time.monotonic() - self.start > TIME_BOUND[self.name]:
            self.skipped += 1
            return True
        self.count += 1
        return False


@contextmanager
def _report(name: str) -> Iterator[_Budget]:
    budget = _Budget(name)
    yield budget
    elapsed = time.monotonic() - budget.start
    line = {
        "kind": "fuzz",
        "name": name,
        "inputs": budget.count,
        "seed": SEED,
        "seconds": round(elapsed, 1),
        "skipped_over_time": budget.skipped,
    }
    print(f"\nFUZZ {name}: {budget.count} inputs in {elapsed:.1f} s (seed {SEED})")
    out = os.environ.get("TORCHLINT_RELIABILITY_REPORT")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
    # the time guard must not eat the count: every example must have run
    assert budget.count == COUNTS[name], line


# ------------------------------------------------------------------------------ the property


def _check_error(err: InputError, path: Path, text: str) -> None:
    assert err.path is not None and err.path.endswith(path.name), str(err)
    lines = text.split("\n")
    assert 1 <= err.line <= len(lines), (str(err), len(lines))
    assert 1 <= err.column <= len(lines[err.line - 1]) + 1, (str(err), repr(lines[err.line - 1][:80]))
    assert "\n" not in str(err)


def _check_location(row: int, column: int, text: str, what: str) -> None:
    lines = text.split("\n")
    assert 1 <= row <= len(lines), (what, row, len(lines))
    assert 1 <= column <= len(lines[row - 1]) + 1, (what, row, column)


def _write(path: Path, text: str) -> str:
    data = text.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    # what the loader sees: BOM stripped, invalid UTF-8 is an InputError of its own
    return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")


def _load_route(path: Path, text: str) -> None:
    """Loader + targets + routing: the property on one input."""
    try:
        project = load_uv_project(str(path))
    except InputError as err:
        _check_error(err, path, text)
        return
    for problem in project.problems:
        _check_location(problem.location.row, problem.location.column, text, problem.message)
    targets = build_targets(project)
    router = Router(project, resolve_default_index(project, None, {}))
    names = sorted({r.name for r in project.requirements} | set(project.sources))
    for target in targets[:3]:
        for name in names[:10]:
            router.route(name, target)


def _pipeline(path: Path, text: str, config_only: bool) -> None:
    options = CheckOptions(probe=ProbeOptions(offline=True, no_cache=True), config_only=config_only)
    try:
        result = run_check([str(path)], options, environ={})
    except InputError as err:
        _check_error(err, path, text)
        return
    for d in result.diagnostics:
        if d.location is not None and d.location.filename == path.name:
            _check_location(d.location.row, d.location.column, text, d.code)


# ------------------------------------------------------------------------------ strategies

_JUNK_TEXT = ["torch>=2.5", "torch[;", "torch>>2", "torch @ ", "sys_platform = 'linux'", "", "\\", "\\u0000"]
_TOML_CHARS = "[]{}\"'=,.#\\\n\r\t -_+:;<>=!~@*/0123456789abcdefxyzTLuU\x00\x7f\u00e9\u202e\U0001f525"


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        op = draw(st.integers(0, 6))
        i = draw(st.integers(0, len(text)))
        if op == 0:  # delete a span
            j = min(len(text), i + draw(st.integers(1, 40)))
            text = text[:i] + text[j:]
        elif op == 1:  # insert TOML-significant characters
            text = text[:i] + draw(st.text(alphabet=_TOML_CHARS, min_size=1, max_size=8)) + text[i:]
        elif op == 2:  # truncate
            text = text[:i]
        elif op == 3:  # duplicate a line (duplicate keys and tables)
            lines = text.split("\n")
            k = draw(st.integers(0, len(lines) - 1))
            lines.insert(k, lines[k])
            text = "\n".join(lines)
        elif op == 4:  # replace the content of a string with random text
            q = text.find('"', i)
            e = text.find('"', q + 1) if q >= 0 else -1
            if q >= 0 and e > q:
                text = text[: q + 1] + _basic(draw(_junk)) + text[e:]
        elif op == 5:  # swap two lines
            lines = text.split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        else:  # line endings
            text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\n\n"])), draw(st.integers(1, 5)))
    return text


_junk = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=40), st.sampled_from(_JUNK_TEXT)
)


def _basic(s: str) -> str:
    """``s`` as the body of a TOML basic string."""
    return json.dumps(s, ensure_ascii=False)[1:-1].replace("\x7f", "\\u007f")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + _basic(v) + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f'"{_basic(k)}" = {_toml_value(x)}' for k, x in v.items()) + " }"
    raise TypeError(type(v))


def _toml_doc(tables: dict[str, dict[str, Any]], aot: list[dict[str, Any]]) -> str:
    out = []
    for header, table in tables.items():
        out.append(f"[{header}]")
        out.extend(f'"{_basic(k)}" = {_toml_value(v)}' for k, v in table.items())
        out.append("")
    for entry in aot:
        out.append("[[tool.uv.index]]")
        out.extend(f'"{_basic(k)}" = {_toml_value(v)}' for k, v in entry.items())
        out.append("")
    return "\n".join(out)


_JUNK = [
    "torch>=2.5",
    "torch ; sys_platform == 'linux'",
    "torch[;",
    "torch>>2",
    "torch @ ",
    "torch==2.*.1",
    "sys_platform == 'linux'",
    "sys_platform = 'linux'",
    "python_version >= '3.12' and",
    "extra == 'cu128'",
    "https://download.pytorch.org/whl/cu128",
    "https://download.pytorch.org/whl/nightly/cpu",
    "https://u:p@[::1:99999/x",
    "http://127.0.0.1:1/simple",
    "file:///nonexistent",
    "",
    "\\",
    "\u0000",
]
_NAMES = ["torch", "torchvision", "pytorch-triton", "numpy", "Torch_Vision", "pytorch-cpu", "pytorch-nightly"]
_WRONG: list[Any] = [5, -1, True, 1.5, [], {}, ["torch"], [5], [[1]], {"index": 5}, {"a": {"b": []}}]
_ALPHABET = "abcxyz0123456789 -_.;:<>=!~@*/[]{}()'\"\\\n\t\u00e9\u202e\u0000\U0001f525"


class _Gen:
    """Structured random documents from one integer seed (hypothesis' own recursive strategies
    cost ~30 ms per example on this machine; this costs well under one)."""

    def __init__(self, seed_value: int) -> None:
        import random

        self.r = random.Random(seed_value)

    def junk(self) -> str:
        r = self.r
        if r.random() < 0.6:
            return r.choice(_JUNK)
        return "".join(r.choice(_ALPHABET) for _ in range(r.randint(0, 30)))

    def name(self) -> str:
        return self.r.choice(_NAMES) if self.r.random() < 0.8 else self.junk()

    def anyval(self) -> Any:
        r = self.r
        return r.choice(_WRONG) if r.random() < 0.5 else self.junk()

    def maybe(self, good: Any) -> Any:
        return good if self.r.random() < 0.75 else self.anyval()

    def reqs(self) -> Any:
        r = self.r
        return self.maybe([self.junk() if r.random() < 0.4 else self.name() for _ in range(r.randint(0, 5))])

    def source(self) -> Any:
        r = self.r
        entry: dict[str, Any] = {"index": self.maybe(self.name())}
        if r.random() < 0.5:
            entry["marker"] = self.maybe(self.junk())
        if r.random() < 0.1:
            entry[r.choice(["extra", "group", "url", "git"])] = self.maybe(self.junk())
        return self.maybe(entry)

    def index(self) -> dict[str, Any]:
        r = self.r
        entry: dict[str, Any] = {"url": self.maybe(r.choice(_JUNK[10:]))}
        for key, good in (("name", self.name()), ("explicit", True), ("default", False), ("format", "flat")):
            if r.random() < 0.5:
                entry[key] = self.maybe(good)
        return entry

    def document(self) -> str:
        r = self.r
        project: dict[str, Any] = {"name": self.maybe("demo"), "version": "0.1.0"}
        if r.random() < 0.5:
            project["requires-python"] = self.maybe(r.choice([">=3.12", ">=3.9,<3.11", "==3.*", self.junk()]))
        project["dependencies"] = self.reqs()
        if r.random() < 0.4:
            project["optional-dependencies"] = self.maybe(
                {e: self.reqs() for e in r.sample(["cpu", "cu128"], 2)}
            )
        tables: dict[str, dict[str, Any]] = {"project": project}
        if r.random() < 0.4:
            tables["dependency-groups"] = {
                "dev": self.reqs(),
                "gpu": self.maybe([{"include-group": r.choice(["dev", "gpu", "nope"])}, self.name()]),
            }
        uv: dict[str, Any] = {}
        for key in ("environments", "required-environments", "extra-index-url", "find-links"):
            if r.random() < 0.25:
                uv[key] = self.maybe([self.junk() for _ in range(r.randint(0, 3))])
        for key in ("index-url", "index-strategy", "sources", "index"):
            if r.random() < 0.1:
                uv[key] = self.anyval()
        tables["tool.uv"] = uv
        if "sources" not in uv and r.random() < 0.7:
            tables["tool.uv.sources"] = {
                self.name(): self.source()
                if r.random() < 0.5
                else [self.source() for _ in range(r.randint(0, 2))]
                for _ in range(r.randint(0, 3))
            }
        aot = [] if "index" in uv else [self.index() for _ in range(r.randint(0, 3))]
        return _toml_doc(tables, aot)


@st.composite
def structured(draw: st.DrawFn) -> str:
    return _Gen(draw(st.integers(0, 2**63))).document()


# ------------------------------------------------------------------------------ tests


def _run_many(
    name: str, strategy: st.SearchStrategy[str], tmp: Path, fn: Callable[[Path, str], None]
) -> None:
    path = tmp / "pyproject.toml"
    with _report(name) as budget:

        @seed(SEED)
        @settings(max_examples=COUNTS[name], **SETTINGS)  # type: ignore[arg-type]
        @given(strategy)
        def prop(text: str) -> None:
            if budget.over():
                return
            fn(path, _write(path, text))

        prop()


@pytest.fixture
def fuzz_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory in memory when there is one: each input is written to a file, and a disk
    under load makes that write cost more than the check itself."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="torchlint-fuzz-") as d:
            yield Path(d)
    else:
        yield tmp_path


def test_fuzz_loader_mutations(fuzz_dir: Path) -> None:
    _run_many("mutations", mutated(), fuzz_dir, _load_route)


def test_fuzz_loader_structured(fuzz_dir: Path) -> None:
    _run_many("structured", structured(), fuzz_dir, _load_route)


def test_fuzz_pipeline_config_rules(fuzz_dir: Path) -> None:
    _run_many(
        "pipeline_config", st.one_of(mutated(), structured()), fuzz_dir, lambda p, t: _pipeline(p, t, True)
    )


def test_fuzz_pipeline_every_rule_offline(fuzz_dir: Path) -> None:
    _run_many(
        "pipeline_full", st.one_of(mutated(), structured()), fuzz_dir, lambda p, t: _pipeline(p, t, False)
    )


def test_fuzz_total_is_at_least_ten_thousand() -> None:
    assert sum(COUNTS.values()) >= 10_000


@pytest.mark.parametrize("text", SEEDS[:3])
def test_seeds_are_valid(text: str, tmp_path: Path) -> None:
    """The mutation seeds themselves load without a problem of the loader's own making."""
    path = tmp_path / "pyproject.toml"
    _load_route(path, _write(path, text))
