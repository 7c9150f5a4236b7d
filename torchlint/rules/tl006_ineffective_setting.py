"""## What it does
Finds configuration that does not do what it says:

* unknown keys in `[tool.uv]`, in an index table or in a sources entry (`souces`, `explict`,
  Poetry's `priority` in a uv index), with the key uv would accept;
* index settings under `[tool.uv.pip]` in a project (`index-url`, `extra-index-url`,
  `find-links`, `index-strategy`): they apply to `uv pip` commands only;
* `torch-backend` in `[tool.uv]`: `uv lock`, `uv sync` and `uv run` ignore it;
* a `[tool.uv.sources]` entry for a package the project does not declare: sources apply only to
  declared requirements, never to transitive ones;
* an explicit index that no source uses (info);
* `required-version` that allows a uv older than 0.5.12 in a project using PyTorch indexes (info);
* index options a manager ignores where they are written (pip options on a requirement line),
  and index settings in a `[tool.pip]` table, which pip never reads.

## Why is this bad?
Each of these is silently ignored, so the project resolves as if the line were not there:
with `[tool.uv.souces]` no source applies and torch comes from the default index
(astral-sh/uv#12709); with `[tool.uv.pip] extra-index-url`, `uv sync` never sees the CUDA index
and `torch==2.4.0+cu124` is unsatisfiable (astral-sh/uv#7372); with `torch-backend = "auto"`,
`uv run` re-installs the locked CPU build over the CUDA one (astral-sh/uv#18478); a source for
a transitive `torch` leaves it on the default index (astral-sh/uv#15003). uv before 0.5.12 did
not fall back from `+cpu` to a platform's non-local build, which the current PyTorch
configurations rely on.

## Example
```toml
[tool.uv.souces]
torch = { index = "pytorch-cu121" }

[tool.uv.pip]
extra-index-url = ["https://download.pytorch.org/whl/cu124"]
```

## Use instead
```toml
[tool.uv.sources]
torch = { index = "pytorch-cu121" }

[[tool.uv.index]]
name = "pytorch-cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true
```

## Fix safety
A misspelled key is renamed to the one uv accepts when one known key is clearly the closest
(`souces` → `sources`, `explict` → `explicit`); the value, its comments and layout stay. Index
settings under `[tool.uv.pip]` in a project are moved: `index-url` becomes a
`[[tool.uv.index]]` with `default = true`, each `extra-index-url` entry an index (a PyTorch
variant index with `explicit = true` and `[tool.uv.sources]` entries for the declared
torch-family packages), each `find-links` entry a `format = "flat"` index (a legacy PyTorch
page becomes its variant index), and the old key is removed. Both fixes are unsafe: the setting
starts to take effect, which changes the resolution. There is no fix when the match is
ambiguous, when a new index name is taken, or for the other findings.

## References
- astral-sh/uv#7372, astral-sh/uv#12709, astral-sh/uv#18478, astral-sh/uv#15003
- uv docs: settings reference (`[tool.uv.pip]`, `torch-backend`)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from torchlint.diagnostics import Diagnostic, Fix, Location, Severity
from torchlint.fix import builders
from torchlint.fix.ops import Op, RenameKey
from torchlint.index.urls import parse_pytorch_url
from torchlint.project.uv_keys import INDEX_KEYS, SOURCE_KEYS, UV_KEYS
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.common import TORCH_FAMILY
from torchlint.rules.config_helpers import canonical, mirrors, pytorch, variant_for_legacy

RULE = Rule(
    code="TL006",
    name="ineffective-setting",
    severity="warning",
    needs="config",
    summary="settings uv ignores: misspelled keys, `[tool.uv.pip]` indexes, `torch-backend`, sources for undeclared packages",
    fix_availability="sometimes",
)

#: `[tool.uv.pip]` / `[tool.pip]` keys that choose indexes or variants.
INDEX_SETTINGS = frozenset(
    {
        "index-url",
        "extra-index-url",
        "find-links",
        "index-strategy",
        "index",
        "default-index",
        "no-index",
        "torch-backend",
        "prerelease",
        "keyring-provider",
        "trusted-host",
    }
)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    yield from _unknown_keys(ctx)
    yield from _uv_pip(ctx)
    yield from _torch_backend(ctx)
    yield from _undeclared_sources(ctx)
    yield from _unused_indexes(ctx)
    yield from _required_version(ctx)
    yield from _ignored_options(ctx)
    yield from _tool_pip(ctx)


#: Unknown keys that get a "did you mean" suggestion: beyond these (a generated table of
#: thousands of keys) the suggestion search, a millisecond per key, is skipped.
_SUGGESTED = 200


def _unknown_keys(ctx: RuleContext) -> Iterator[Diagnostic]:
    for i, (key, location) in enumerate(ctx.project.unknown_keys):
        prefix, _, name = key.rpartition(".")
        if prefix == "index":
            where, known = "an index table", INDEX_KEYS
        elif prefix == "sources":
            where, known = "a sources entry", SOURCE_KEYS
        elif not prefix:
            where, known = "[tool.uv]", UV_KEYS
        else:
            where, known = f"`{prefix}`", frozenset()
        candidates = difflib.get_close_matches(name, sorted(known), n=2, cutoff=0.7) if i < _SUGGESTED else []
        close = candidates[:1]
        if prefix == "index" and name in ("priority", "secondary", "default-priority"):
            help_ = (
                "uv indexes have no priority: use `explicit = true` (only for packages routed to it) "
                "or `default = true` (replaces the default index)"
            )
        elif name == "index-urls":
            help_ = "did you mean `index-url` (or `extra-index-url`)?"
        elif close:
            help_ = f"did you mean `{close[0]}`?"
        else:
            help_ = "remove it, or check the uv settings reference for the right key"
        effect = "so no source in it applies" if close == ["sources"] else "and the setting has no effect"
        fix = None
        if _unambiguous(name, candidates) and help_ == f"did you mean `{close[0]}`?":
            fix = _rename_fix(ctx, location, name, close[0])
        yield ctx.diagnostic(
            f"`{name}` is not a key uv knows in {where}: uv ignores it (with at most a warning), {effect}",
            location,
            help=help_,
            fix=fix,
        )


def _unambiguous(name: str, candidates: list[str]) -> bool:
    """One close key, or one clearly closer than the next (`souces`: `sources` 0.92, `no-sources` 0.75)."""
    if len(candidates) < 2:
        return len(candidates) == 1
    first, second = (difflib.SequenceMatcher(None, name, c).ratio() for c in candidates[:2])
    return first - second >= 0.1


def _rename_fix(ctx: RuleContext, location: Location, old: str, new: str) -> Fix | None:
    """Rename the key in place (unsafe: the setting starts to take effect)."""
    sf = builders.source_file(ctx.project, location.filename)
    path = builders.path_of(sf.data, location.toml_path) if sf is not None else None
    if path is None or path[-1] != old or sf is None:
        return None
    table: Any = sf.data
    for part in path[:-1]:
        table = table[part]
    if new in table:
        return None  # both spellings present: merging them is the author's call
    return Fix("unsafe", f"rename `{old}` to `{new}`", ops=(RenameKey(path[:-1], old, new),))


def _is_project(ctx: RuleContext) -> bool:
    return isinstance(ctx.project.file.data.get("project"), dict)


def _uv_pip(ctx: RuleContext) -> Iterator[Diagnostic]:
    if not _is_project(ctx):
        return
    for key, location in ctx.project.uv_pip_keys:
        if key not in INDEX_SETTINGS:
            continue
        if key == "index-strategy" or key == "prerelease" or key == "torch-backend":
            move = (
                f"move `{key}` to `[tool.uv]`"
                if key != "torch-backend"
                else "select the variant with sources"
            )
        else:
            move = (
                "define the index with `[[tool.uv.index]]` (`explicit = true`) and route the torch packages "
                "to it in `[tool.uv.sources]`"
            )
        yield ctx.diagnostic(
            f"`[tool.uv.pip] {key}` applies only to `uv pip` commands: `uv lock`, `uv sync` and `uv run` "
            "ignore it (astral-sh/uv#7372)",
            location,
            help=move,
            fix=_move_fix(ctx, location, key),
        )


def _move_fix(ctx: RuleContext, location: Location, key: str) -> Fix | None:
    """``[tool.uv.pip]`` index settings -> ``[[tool.uv.index]]`` entries (and sources); the key goes.

    Unsafe: `uv lock` and `uv sync` start to use the indexes.
    """
    if key not in ("index-url", "extra-index-url", "find-links"):
        return None
    project = ctx.project
    sf = builders.source_file(project, location.filename)
    path = builders.path_of(sf.data, location.toml_path) if sf is not None else None
    if sf is not project.file or path != ("tool", "uv", "pip", key):
        return None
    value = project.file.data["tool"]["uv"]["pip"][key]
    urls = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    if not urls or not all(isinstance(u, str) for u in urls):
        return None
    if key == "index-url" and (len(urls) != 1 or any(i.default for i in project.indexes)):
        return None  # a default index is already defined: moving this one would compete with it
    mm = mirrors(ctx)
    ops: list[Op] = []
    names: list[str] = []
    for url in urls:
        pt = parse_pytorch_url(url, mm)
        fmt = "flat" if key == "find-links" else None
        explicit = False
        if pt is not None and (pt.flat or pt.kind == "aggregated"):
            variant = variant_for_legacy(project, pt)
            new_url = builders.variant_url(url, pt, variant) if variant else None
            if new_url is None:
                return None  # TL008 names the variant to use once it can be told
            url, pt, fmt = new_url, parse_pytorch_url(new_url, mm), None
        if pt is not None and pt.kind != "unknown" and key != "index-url":
            explicit = True
            if any(n.startswith("pytorch") for n in names):
                return None  # two PyTorch variants: which package goes where is the author's call
        name = builders.index_name_for(url, mm)
        if name in names:
            return None
        names.append(name)
        route = builders.route_to_new_index(
            project, name, url, explicit=explicit, fmt=fmt, default=key == "index-url"
        )
        if route is None:
            return None
        ops.extend(route)
    ops.append(builders.remove(path[:-1], key))
    listed = ", ".join(f"`{n}`" for n in names)
    return Fix("unsafe", f"move `[tool.uv.pip] {key}` to `[[tool.uv.index]]` {listed}", ops=tuple(ops))


def _torch_backend(ctx: RuleContext) -> Iterator[Diagnostic]:
    setting = ctx.project.uv.torch_backend
    if setting is None or setting.location is None:
        return
    yield ctx.diagnostic(
        f'`torch-backend = "{setting.value}"` in [tool.uv] is honoured only by `uv pip` (and `uv tool`): '
        "`uv lock`, `uv sync` and `uv run` ignore it, and `uv run` re-installs the locked torch build "
        "(astral-sh/uv#18478)",
        setting.location,
        help="remove it and select the variant with explicit indexes and `[tool.uv.sources]` "
        "(extras with `conflicts` when users choose)",
    )


def _raw_names(value: Any) -> set[str]:
    out: set[str] = set()
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str) and (m := _NAME.match(item)):
                out.add(canonical(m.group(1)))
    return out


def _undeclared_sources(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    tool = project.file.data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    if isinstance(uv, dict) and "workspace" in uv:
        return  # a workspace root's sources also serve its members' requirements
    declared = project.declared_names() | {r.name for r in project.constraints}
    if isinstance(uv, dict):
        for key in ("override-dependencies", "constraint-dependencies"):
            declared |= _raw_names(uv.get(key))
    for package, entries in project.sources.items():
        if package in declared or not entries:
            continue
        entry = entries[0]
        if entry.kind == "workspace" or entry.location is None:
            continue
        to = f"index `{entry.index}`" if entry.kind == "index" and entry.index else f"a {entry.kind} source"
        # routed to a PyTorch index (or a torch-family package): the transitive one comes from
        # elsewhere, another build; routed to an index like the default one: nothing changes
        idx = ctx.router.index_named(entry.index) if entry.index else None
        pytorch = idx is not None and parse_pytorch_url(idx.url, mirrors(ctx)) is not None
        severity: Severity = "warning" if pytorch or package in TORCH_FAMILY else "info"
        yield ctx.diagnostic(
            f"`[tool.uv.sources]` routes `{package}` to {to}, but `{package}` is not a dependency of this project: "
            f"uv applies sources only to requirements the project declares, so a transitive `{package}` still "
            "comes from the default index (astral-sh/uv#15003)",
            entry.location,
            help=f"add `{package}` to [project] dependencies (with the marker of its source), or remove the entry",
            severity=severity,
        )


def _unused_indexes(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    used = {e.index for entries in project.sources.values() for e in entries if e.index}
    for idx in project.indexes:
        if not idx.explicit or not idx.name or idx.name in used or idx.location is None:
            continue
        if idx.origin not in ("[[tool.uv.index]]", "uv.toml"):
            continue
        yield ctx.diagnostic(
            f"explicit index `{idx.name}` is not used by any `[tool.uv.sources]` entry: uv consults an explicit "
            "index only for packages routed to it, so nothing comes from it",
            idx.location,
            help=f'route the packages meant to come from it (`torch = {{ index = "{idx.name}" }}`), or remove it',
            severity="info",
        )


def _required_version(ctx: RuleContext) -> Iterator[Diagnostic]:
    project = ctx.project
    setting = project.uv.required_version
    if setting is None or setting.location is None or not isinstance(setting.value, str):
        return
    mm = mirrors(ctx)
    if not any(pytorch(i, mm) is not None for i in project.indexes):
        return
    try:
        spec = SpecifierSet(setting.value)
    except InvalidSpecifier:
        return
    old = [
        v for v in ("0.5.11", "0.5.0", "0.4.30", "0.4.0", "0.3.0", "0.2.0") if spec.contains(Version(v), True)
    ]
    if not old:
        return
    yield ctx.diagnostic(
        f'`required-version = "{setting.value}"` allows uv {old[0]}, older than 0.5.12: before 0.5.12 uv did not '
        "fall back from a `+cpu`/`+cuXXX` build to a platform's non-local build, which PyTorch index "
        "configurations rely on (and before 0.5.0 local versions did not satisfy plain pins)",
        setting.location,
        help='raise it to at least ">=0.5.12"',
        severity="info",
    )


def _ignored_options(ctx: RuleContext) -> Iterator[Diagnostic]:
    for opt in ctx.project.ignored_options:
        what = f"`{opt.option} {opt.value}`" if opt.value else f"`{opt.option}`"
        on = f" on the `{opt.package}` line" if opt.package else ""
        yield ctx.diagnostic(
            f"{what}{on} has no effect: {opt.reason}",
            opt.location,
            help="put index options on their own line at the top of the file",
        )


def _tool_pip(ctx: RuleContext) -> Iterator[Diagnostic]:
    tool = ctx.project.file.data.get("tool")
    pip = tool.get("pip") if isinstance(tool, dict) else None
    if not isinstance(pip, dict):
        return
    for key in pip:
        if key not in INDEX_SETTINGS:
            continue
        yield ctx.diagnostic(
            f"`[tool.pip] {key}` is never read: pip takes no configuration from pyproject.toml, so this index "
            "setting has no effect on `pip install`",
            ctx.project.file.loc("tool", "pip", key),
            help="pass it on the command line or in a requirements file (`--extra-index-url ...`), or use "
            "`[[tool.uv.index]]` with uv",
        )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11,<3.13"
dependencies = ["torch==2.4.0"]

[tool.uv.pip]
extra-index-url = ["https://download.pytorch.org/whl/cu124"]
""",
        expect=("TL006",),
        title="an index under `[tool.uv.pip]` (astral-sh/uv#7372)",
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11,<3.13"
dependencies = ["torch==2.4.0"]

[tool.uv.pip]

[[tool.uv.index]]
name = "pytorch-cu124"
url = "https://download.pytorch.org/whl/cu124"
explicit = true

[tool.uv.sources]
torch = [{ index = "pytorch-cu124" }]
""",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.7.1"]

# the CUDA build on Linux
[tool.uv.souces]
torch = { index = "pytorch-cu126" }  # linux-x86_64 only

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explict = true
""",
        expect=("TL006",),
        title="misspelled `[tool.uv.souces]` and `explict` (astral-sh/uv#12709)",
        fixed="""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch==2.7.1"]

# the CUDA build on Linux
[tool.uv.sources]
torch = { index = "pytorch-cu126" }  # linux-x86_64 only

[[tool.uv.index]]
name = "pytorch-cu126"
url = "https://download.pytorch.org/whl/cu126"
explicit = true
""",
    ),
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["lightning>=2.4"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
""",
        expect=("TL006",),
        title="a source for a package that is only a transitive dependency (astral-sh/uv#15003)",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["lightning>=2.4", "torch>=2.5"]

[tool.uv.sources]
torch = { index = "pytorch-cpu" }

[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
""",
    ),
)
