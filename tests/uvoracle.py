"""Real ``uv lock`` on the local index server, for any configuration: the oracle torchlint is judged by.

``lock_config(text)`` builds a world from the bundled snapshot for the PyTorch indexes the
configuration names (every torch-family and Triton project on them) plus the public default index,
adds a placeholder wheel on the default index for every other package the configuration declares
(so only the torch / index configuration can make the lock fail), rewrites the configuration's
PyTorch and default-index URLs to the server, neutralises what cannot resolve offline (git, path and
URL sources of unrelated packages, workspace members, dynamic metadata), runs pinned ``uv lock``
and reads the ``uv.lock`` it writes.

``picks(lock, target, extras, groups)`` walks the lock from the project root, as ``uv sync`` would
on that target with those extras and groups, and returns what each package resolves to there
(version, registry) and whether the lock has a wheel that installs on the target.

The harness is test code: it never touches a non-loopback address, and every server it starts is
stopped by its process id.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from tests.conftest import uv_exe
from tests.indexserver import IndexServer
from tests.indexserver.snapshot_world import world_from_snapshot
from torchlint.index.filenames import parse_wheel
from torchlint.index.snapshot import Snapshot
from torchlint.index.urls import parse_pytorch_url
from torchlint.targets import Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import tomlkit

PUBLIC = "https://download.pytorch.org"
#: The placeholder the corpus files carry instead of the public default index's host.
PYPI_PLACEHOLDER = re.compile(r"https?://PYPI-HOST(?:/simple)?/?")
_PT_URL = re.compile(r"https?://download(?:-r2)?\.pytorch\.org(/whl[^\s\"'\]]*)?")

#: Projects served from each PyTorch key the configuration names.
TORCH_PROJECTS = (
    "torch",
    "torchvision",
    "torchaudio",
    "torchcodec",
    "torchao",
    "xformers",
    "triton",
    "pytorch-triton",
    "pytorch-triton-rocm",
    "triton-rocm",
    "pytorch-triton-xpu",
    "triton-xpu",
)


@dataclass
class LockOutcome:
    ok: bool
    stderr: str
    lock: dict[str, Any] | None
    #: The configuration as uv saw it (URLs rewritten to the server).
    rewritten: str
    #: What the harness changed besides URLs (one line each), for messages.
    changes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------- world


def snapshot_keys(text: str, snap: Snapshot) -> set[str]:
    keys = {"default"}
    for m in _PT_URL.finditer(text):
        pt = parse_pytorch_url(m.group(0).rstrip("/"))
        if pt is not None and snap.key_for_url(f"{PUBLIC}/{pt.key}") is not None:
            keys.add(pt.key)
    return keys


def _declared(data: dict[str, Any]) -> list[Requirement]:
    lines: list[str] = []
    project = data.get("project") or {}
    lines += [x for x in project.get("dependencies") or [] if isinstance(x, str)]
    for deps in (project.get("optional-dependencies") or {}).values():
        lines += [x for x in deps or [] if isinstance(x, str)]
    for deps in (data.get("dependency-groups") or {}).values():
        lines += [x for x in deps or [] if isinstance(x, str)]
    uv = (data.get("tool") or {}).get("uv") or {}
    for key in ("dev-dependencies", "constraint-dependencies", "override-dependencies"):
        lines += [x for x in uv.get(key) or [] if isinstance(x, str)]
    out = []
    for line in lines:
        req = _lenient(line)
        if req is not None:
            out.append(req)
    return out


def _lenient(line: str) -> Requirement | None:
    """A requirement as uv reads it (uv also accepts "name @ url; marker" without the space)."""
    try:
        return Requirement(line)
    except InvalidRequirement:
        m = re.match(r"\s*([A-Za-z0-9._-]+)\s*(\[[^\]]*\])?\s*@\s*[^;\s]+\s*(;.*)?$", line)
        if m is None:
            return None
        try:
            return Requirement(m.group(1) + (m.group(2) or "") + (" " + m.group(3) if m.group(3) else ""))
        except InvalidRequirement:
            return None


def _placeholder_version(specs: Iterable[SpecifierSet]) -> str | None:
    specs = list(specs)
    cands: list[str] = []
    for spec in specs:  # an exact local build (natten==0.21.7+torch2130cu132) is served as written
        cands += [s.version for s in spec if s.operator in ("==", "===") and "*" not in s.version]
    for spec in specs:
        for s in spec:
            v = s.version.replace(".*", ".0").split("+", 1)[0]
            cands += [v]
            try:
                parsed = Version(v)
            except InvalidVersion:
                continue
            rel = [*parsed.release, 0, 0]
            cands += [f"{rel[0]}.{rel[1]}.{rel[2] + 1}", f"{rel[0]}.{rel[1] + 1}.0", f"{rel[0] + 1}.0.0"]
    cands += ["1.0", "2.0", "3.0", "5.0", "10.0", "50.0", "100.0", "2025.1.0", "9999.0", "0.1.0", "0.0.1"]
    for s in (x for spec in specs for x in spec):
        if s.operator in ("<", "<=", "!="):
            try:
                rel = [*Version(s.version.replace(".*", ".0")).release, 0, 0]
            except InvalidVersion:
                continue
            if rel[1] > 0:
                cands.append(f"{rel[0]}.{rel[1] - 1}.0")
            if rel[0] > 0:
                cands.append(f"{rel[0] - 1}.99.0")
    for c in cands:
        try:
            v = Version(c)
        except InvalidVersion:
            continue
        if all(spec.contains(v, prereleases=True) for spec in specs):
            return c
    return None


_WORLDS: dict[tuple[frozenset[str], int], dict[str, Any]] = {}


def _snapshot_part(keys: frozenset[str], snap: Snapshot) -> dict[str, Any]:
    """Every version of every torch-family and Triton project on *keys* (memoised per process:
    configurations naming the same indexes share it; callers get a deep copy)."""
    hit = _WORLDS.get((keys, id(snap)))
    if hit is None:
        hit = _WORLDS[(keys, id(snap))] = world_from_snapshot(
            {k: list(TORCH_PROJECTS) for k in keys}, newest=1000, snapshot=snap
        )
    return hit


def world_for(text: str, data: dict[str, Any], snap: Snapshot | None = None) -> dict[str, Any]:
    snap = snap or Snapshot.bundled()
    keys = snapshot_keys(text, snap)
    world = copy.deepcopy(_snapshot_part(frozenset(keys), snap))
    default = world["indexes"].setdefault("/simple", {"projects": {}})["projects"]
    # a declared project the snapshot records on a PyTorch key without files (torchcodec, a
    # flash-attn build): served there as a placeholder, so only what the snapshot does record can
    # fail the lock
    from tests.indexserver.snapshot_world import prefix_for

    declared = {canonicalize_name(r.name): r for r in _declared(data)}
    for key in keys - {"default"}:
        served = world["indexes"].setdefault(prefix_for(key), {"projects": {}})["projects"]
        for name in declared:
            lst = snap.listing(key, name)
            if name not in served and lst is not None and lst.ok and not lst.files:
                v = _placeholder_version([declared[name].specifier]) or "1.0"
                served[name] = [
                    {
                        "filename": f"{name.replace('-', '_')}-{v}-py3-none-any.whl",
                        "requires_dist": [],
                        "metadata": True,
                    }
                ]
    specs: dict[str, list[SpecifierSet]] = {}
    own = canonicalize_name(str((data.get("project") or {}).get("name") or "demo"))
    for req in _declared(data):
        name = canonicalize_name(req.name)
        if name == own:
            continue
        if name in TORCH_PROJECTS:
            lst = snap.listing("default", name)
            if name in default or (lst is not None and lst.status == "ok"):
                continue  # the snapshot's record (or its absence, for index-only Triton builds) stands
            if name not in ("torchcodec", "torchao", "xformers"):
                continue
        specs.setdefault(name, []).append(req.specifier)
    for name, ss in sorted(specs.items()):
        files = default.setdefault(name, [])
        have = {str(parse_wheel(f["filename"]).version) for f in files if parse_wheel(f["filename"])}
        both = _placeholder_version(ss)
        if both is not None and not any(all(s.contains(v, prereleases=True) for s in ss) for v in have):
            have.add(both)
            files.append(
                {
                    "filename": f"{name.replace('-', '_')}-{both}-py3-none-any.whl",
                    "requires_dist": [],
                    "metadata": True,
                }
            )
        for spec in ss:
            if any(spec.contains(v, prereleases=True) for v in have):
                continue
            v = _placeholder_version([spec]) or _placeholder_version([SpecifierSet()])
            if v is None or v in have:
                continue
            have.add(v)
            files.append(
                {
                    "filename": f"{name.replace('-', '_')}-{v}-py3-none-any.whl",
                    "requires_dist": [],
                    "metadata": True,
                }
            )
    return world


# --------------------------------------------------------------------------------------------- rewrite


def _rewrite_urls(text: str, server_url: str) -> str:
    text = PYPI_PLACEHOLDER.sub(server_url + "/simple", text)
    return re.sub(r"https?://download(?:-r2)?\.pytorch\.org", server_url, text)


def rewrite(text: str, server_url: str) -> tuple[str, list[str]]:
    """The configuration with URLs pointing at the server and offline-unresolvable parts removed."""
    changes: list[str] = []
    doc = tomlkit.parse(_rewrite_urls(text, server_url))
    project = doc.get("project")
    if project is not None:
        dyn = project.get("dynamic")
        if dyn is not None:
            if "version" in [str(x) for x in dyn]:
                project["version"] = "0.1.0"
            keep = [str(x) for x in dyn if str(x) not in ("version",)]
            del project["dynamic"]
            changes.append("dynamic metadata made static")
            for k in keep:
                if k == "dependencies":
                    project["dependencies"] = []
        if "version" not in project:
            project["version"] = "0.1.0"
        if "name" not in project:
            project["name"] = "demo"
        for key in ("dependencies",):
            deps = project.get(key)
            if deps is not None:
                project[key] = _strip_direct(deps, changes)
        opt = project.get("optional-dependencies")
        if opt is not None:
            for extra in list(opt):
                opt[extra] = _strip_direct(opt[extra], changes)
    groups = doc.get("dependency-groups")
    if groups is not None:
        for g in list(groups):
            groups[g] = [x for x in _strip_direct(groups[g], changes)]
    tool = doc.get("tool")
    uv = tool.get("uv") if tool is not None else None
    if uv is not None:
        for key in ("dev-dependencies", "override-dependencies", "constraint-dependencies"):
            if key in uv:
                uv[key] = _strip_direct(uv[key], changes)
        if "workspace" in uv:
            del uv["workspace"]
            changes.append("workspace members dropped")
        sources = uv.get("sources")
        if sources is not None:
            for name in list(sources):
                entries = sources[name]
                items = list(entries) if isinstance(entries, list) else [entries]
                kinds = [
                    k
                    for it in items
                    if isinstance(it, dict)
                    for k in ("git", "path", "url", "workspace")
                    if k in it
                ]
                if kinds:
                    del sources[name]
                    changes.append(f"source of {name} ({', '.join(sorted(set(kinds)))}) dropped")
        for key in ("required-version",):
            if key in uv:
                del uv[key]
        for idx in uv.get("index") or []:
            url = str(idx.get("url", ""))
            if not url.startswith(server_url) and url.startswith(("http://", "https://")):
                idx["url"] = server_url + "/simple"
                changes.append(f"index {idx.get('name') or url} served as the default index")
        for key in ("index-url",):
            url = str(uv.get(key, ""))
            if url and not url.startswith(server_url):
                uv[key] = server_url + "/simple"
                changes.append(f"{key} served as the default index")
        if "extra-index-url" in uv:
            uv["extra-index-url"] = [
                u if str(u).startswith(server_url) else server_url + "/simple" for u in uv["extra-index-url"]
            ]
        if "find-links" in uv:
            kept = [u for u in uv["find-links"] if str(u).startswith(server_url)]
            if len(kept) != len(uv["find-links"]):
                changes.append("find-links of other hosts dropped")
            uv["find-links"] = kept
        for key in ("package", "exclude-newer", "exclude-newer-package"):
            if key in uv:
                del uv[key]  # a relative exclude-newer would hide the undated placeholder wheels
    if "build-system" in doc:
        del doc["build-system"]  # without one, uv locks the project without building it
    return tomlkit.dumps(doc), changes


def _strip_direct(deps: Any, changes: list[str]) -> list[Any]:
    out: list[Any] = []
    for x in deps:
        if not isinstance(x, str):
            out.append(x)  # {include-group = "…"}
            continue
        s = str(x)
        try:
            req = Requirement(s)
        except InvalidRequirement:
            m = re.match(r"\s*([A-Za-z0-9._-]+)\s*(\[[^\]]*\])?\s*@\s*[^;\s]+\s*(;.*)?$", s)
            if m is None:  # uv accepts "name @ url; marker" without a space before ";"
                out.append(s)
                continue
            if canonicalize_name(m.group(1)) not in TORCH_PROJECTS:
                changes.append(f"direct URL of {m.group(1)} dropped")
                s = m.group(1) + (m.group(2) or "") + (" " + m.group(3) if m.group(3) else "")
            out.append(s)
            continue
        if req.url and canonicalize_name(req.name) not in TORCH_PROJECTS:
            req.url = None
            changes.append(f"direct URL of {req.name} dropped")
            s = str(req)
        out.append(s)
    return out


# --------------------------------------------------------------------------------------------- lock


@contextmanager
def served(world: dict[str, Any], data_dir: Path | None = None) -> Iterator[IndexServer]:
    # 404 for an unknown project: the PyTorch host answers 403, which uv treats as "not found" for
    # that host only; a loopback server must say 404 to be read the same way
    server = IndexServer(world, data_dir=data_dir, missing_status=404, json=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _own_default(data: dict[str, Any]) -> bool:
    """Does the configuration name its own default index? (UV_DEFAULT_INDEX would override it.)"""
    uv = (data.get("tool") or {}).get("uv") or {}
    return bool(uv.get("index-url")) or any(
        isinstance(i, dict) and i.get("default") is True for i in uv.get("index") or []
    )


def python_for(requires_python: str | None) -> str | None:
    """The newest local CPython that requires-python allows (uv must not download one)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(pyenv.glob("3.*/bin/python3"), key=lambda p: Version(p.parent.parent.name), reverse=True)
    try:
        spec = SpecifierSet(requires_python or "")
    except InvalidSpecifier:
        spec = SpecifierSet()
    if not requires_python:
        # uv locks for ">= the interpreter's version" when requires-python is absent; torchlint
        # assumes the oldest Python it considers (3.10): give uv that interpreter
        spec = SpecifierSet(">=3.10")
        found.reverse()
    for p in found:
        if spec.contains(Version(p.parent.parent.name), prereleases=True):
            return str(p)
    return None


def uv_env(workdir: Path, default_index: str | None, requires_python: str | None = None) -> dict[str, str]:
    py = python_for(requires_python)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env.update(
        UV_CACHE_DIR=str(workdir / ".uv-cache"),
        UV_PYTHON_DOWNLOADS="never",
        UV_NO_PROGRESS="1",
        HOME=str(workdir),
        NO_COLOR="1",
    )
    if py is not None:
        env["UV_PYTHON"] = py
    if default_index is not None:
        env["UV_DEFAULT_INDEX"] = default_index
    return env


def run_lock(
    text: str,
    workdir: Path,
    *,
    data_dir: Path | None = None,
    snap: Snapshot | None = None,
    timeout: float = 300,
) -> LockOutcome:
    """Lock *text* (a pyproject.toml) with real uv against a world built for it."""
    uv = uv_exe()
    assert uv is not None, "uv is not installed"
    data = tomllib.loads(PYPI_PLACEHOLDER.sub("https://placeholder.invalid/simple", text))
    world = world_for(text, data, snap)
    workdir.mkdir(parents=True, exist_ok=True)
    with served(world, data_dir) as server:
        rewritten, changes = rewrite(text, server.url)
        (workdir / "pyproject.toml").write_text(rewritten, encoding="utf-8")
        ok, stderr, lock = uv_lock(
            workdir, server, data, (data.get("project") or {}).get("requires-python"), timeout
        )
    return LockOutcome(ok, stderr, lock, rewritten, changes)


def uv_lock(
    workdir: Path, server: IndexServer, root: dict[str, Any], requires_python: str | None, timeout: float
) -> tuple[bool, str, dict[str, Any] | None]:
    """Run pinned ``uv lock`` in *workdir* against *server* (its ``/simple`` as the default index
    unless the root configuration names its own); (succeeded, stderr with public URLs, lock)."""
    uv = uv_exe()
    assert uv is not None, "uv is not installed"
    lock_path = workdir / "uv.lock"
    if lock_path.exists():
        lock_path.unlink()
    proc = subprocess.run(
        [uv, "lock", "--no-progress"],
        cwd=workdir,
        env=uv_env(workdir, None if _own_default(root) else server.index_url("/simple"), requires_python),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    lock = tomllib.loads(lock_path.read_text()) if proc.returncode == 0 and lock_path.exists() else None
    return proc.returncode == 0, proc.stderr.replace(server.url, PUBLIC), lock


#: Locks already taken in this process, by configuration text (see :func:`lock_once`).
_LOCKS: dict[str, LockOutcome] = {}


def lock_once(text: str, workdir: Path, *, data_dir: Path | None = None) -> LockOutcome:
    """:func:`run_lock`, once per configuration and test process: the model comparison and the
    matrix comparison read the same lock (their tests share an ``xdist_group`` per config, so
    they run in one worker)."""
    hit = _LOCKS.get(text)
    if hit is None:
        hit = _LOCKS[text] = run_lock(text, workdir, data_dir=data_dir)
    return hit


# --------------------------------------------------------------------------------------------- picks


@dataclass(frozen=True)
class Pick:
    name: str
    version: str
    #: "default" for the default index, else the PyTorch snapshot key ("whl/cu128"), else the URL.
    index: str
    #: The wheel of the lock that installs on the target (None: uv sync fails there).
    wheel: str | None


def _index_of(source: dict[str, Any], server_url: str | None = None) -> str:
    url = str(source.get("registry") or source.get("url") or source.get("git") or source.get("path") or "")
    path = re.sub(r"^https?://127\.0\.0\.1:\d+", "", url).rstrip("/")
    if path in ("/simple", ""):
        return "default"
    return path.lstrip("/")


def _conflict_extra(package: str, extra: str) -> str:
    return f"extra-{len(package)}-{package}-{extra}"


def _conflict_group(package: str, group: str) -> str:
    return f"group-{len(package)}-{package}-{group}"


def _holds(
    marker: str | None, target: Target, root: str, extras: Iterable[str], groups: Iterable[str]
) -> bool:
    if not marker:
        return True
    try:
        m = Marker(marker)
    except InvalidMarker:
        return True
    env = target.environment()
    values = [""] + [_conflict_extra(root, e) for e in extras] + [_conflict_group(root, g) for g in groups]
    values += list(extras)
    # uv writes conflict markers as extra == '…' clauses; any active one may satisfy a clause, and
    # negated ones (extra != '…') must hold for all active values: evaluate both ways
    results = []
    for v in values:
        e = dict(env)
        e["extra"] = v
        try:
            results.append(m.evaluate(e))
        except Exception:
            results.append(False)
    text = marker
    if "extra !=" in text or "not extra" in text:
        return all(results[1:] or results)
    return any(results)


def picks(
    lock: dict[str, Any], target: Target, extras: Iterable[str] = (), groups: Iterable[str] = ()
) -> dict[str, Pick]:
    """What each package reached from the root resolves to on *target* (uv sync's view of the lock)."""
    extras, groups = tuple(extras), tuple(groups)
    pkgs = lock.get("package", [])
    root = next(
        (p for p in pkgs if "editable" in p.get("source", {}) or "virtual" in p.get("source", {})), None
    )
    if root is None:
        return {}
    root_name = str(root["name"])
    by_key: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for p in pkgs:
        by_key.setdefault((str(p["name"]), None), []).append(p)
        by_key.setdefault((str(p["name"]), str(p.get("version"))), []).append(p)
    edges: list[dict[str, Any]] = list(root.get("dependencies", []))
    for e in extras:
        edges += list(root.get("optional-dependencies", {}).get(e, []))
    for g in groups:
        edges += list(root.get("dev-dependencies", {}).get(g, []))
    out: dict[str, Pick] = {}
    seen: set[tuple[str, str]] = set()
    stack = list(edges)
    steps = 0
    while stack and steps < 100_000:
        steps += 1
        edge = stack.pop()
        if not _holds(edge.get("marker"), target, root_name, extras, groups):
            continue
        name = str(edge["name"])
        cands = by_key.get((name, str(edge["version"])) if "version" in edge else (name, None), [])
        if "source" in edge:
            cands = [c for c in cands if c.get("source") == edge["source"]] or cands
        if not cands:
            continue
        pkg = cands[0]
        key = (name, str(pkg.get("version")) + repr(pkg.get("source")))
        if key in seen:
            continue
        seen.add(key)
        wheel = next(
            (w["url"].rsplit("/", 1)[-1] for w in pkg.get("wheels", []) if _installs(w, target)),
            None,
        )
        out[name] = Pick(name, str(pkg.get("version")), _index_of(pkg.get("source", {})), wheel)
        deps = list(pkg.get("dependencies", []))
        for e in extra_names(edge):
            deps += list(pkg.get("optional-dependencies", {}).get(e, []))
        stack.extend(deps)
    return out


def extra_names(edge: dict[str, Any]) -> list[str]:
    return [str(x) for x in edge.get("extra", [])]


def _installs(wheel: dict[str, Any], target: Target) -> bool:
    from urllib.parse import unquote

    from torchlint.index.filenames import tag_matches

    fn = unquote(str(wheel.get("url") or wheel.get("filename") or "").rsplit("/", 1)[-1])
    w = parse_wheel(fn)
    return w is not None and any(tag_matches(t, target.os, target.arch, target.python) for t in w.tags)


def requirement_specs(text: str) -> dict[str, SpecifierSet]:
    """Union of specifiers per declared name (for messages)."""
    out: dict[str, SpecifierSet] = {}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return out
    for req in _declared(data):
        try:
            out[canonicalize_name(req.name)] = (
                out.get(canonicalize_name(req.name), SpecifierSet()) & req.specifier
            )
        except InvalidSpecifier:
            continue
    return out


# --------------------------------------------------------------------------------------------- model


def model_of(path: Path) -> Any:
    """torchlint's resolution model of the configuration at *path*, offline on the bundled snapshot."""
    from torchlint.check import load_project
    from torchlint.index.probe import Probe, ProbeOptions
    from torchlint.resolution import resolve
    from torchlint.routing import Router, resolve_default_index
    from torchlint.rules.base import RuleContext
    from torchlint.targets import build_targets

    project = load_project(str(path))
    targets = build_targets(project)
    router = Router(project, resolve_default_index(project, None, {}))
    probe = Probe(ProbeOptions(offline=True), {})
    try:
        return resolve(RuleContext(project, targets, router, probe))
    finally:
        probe.close()


def index_key(url: str | None) -> str:
    """ "default", or the PyTorch snapshot key of an index URL (how the lock side names it too)."""
    if not url:
        return "?"
    pt = parse_pytorch_url(url)
    return pt.key if pt is not None else "default"


@dataclass(frozen=True)
class Difference:
    fork: str
    target: str
    package: str
    model: str
    uv: str


def compare(model: Any, lock: dict[str, Any] | None) -> list[Difference]:
    """Where the model and uv's lock disagree, per fork, target and package the model follows."""
    out: list[Difference] = []
    if lock is None:
        return out
    for fork in model.forks:
        outcomes = [o for o in model.outcomes if o.fork == fork]
        by_target: dict[str, list[Any]] = {}
        for o in outcomes:
            by_target.setdefault(o.target.name, []).append(o)
        for target in model.targets:
            got = picks(lock, target, sorted(fork.extras), sorted(fork.groups))
            for o in by_target.get(target.name, []):
                if o.status in ("unknown", "fails"):
                    continue
                mine = f"{o.pick.version}@{index_key(o.index.url if o.index else None)}" if o.pick else "-"
                theirs_pick = got.get(o.package)
                theirs = f"{theirs_pick.version}@{theirs_pick.index}" if theirs_pick else "absent"
                if mine != theirs:
                    out.append(Difference(fork.label, target.name, o.package, mine, theirs))
                elif (
                    o.pick is not None
                    and theirs_pick is not None
                    and (o.wheel is None) != (theirs_pick.wheel is None)
                ):
                    out.append(
                        Difference(
                            fork.label,
                            target.name,
                            o.package,
                            mine + (" no wheel" if o.wheel is None else " installs"),
                            theirs + (" no wheel" if theirs_pick.wheel is None else " installs"),
                        )
                    )
    return out
