"""``torchlint init``: read or create the pyproject, plan, verify with uv's model and torchlint's
own rules, then show the diff or write atomically.

The result is checked before anything is written: the draft is loaded like any project, the
resolution model (which reads the chosen index's METADATA) names the dependencies only that
index serves (Triton builds) so they are declared and routed too, and the full rule set runs on
the final draft. A draft with findings is refused (exit 2), so ``init`` never writes a
configuration ``torchlint check`` rejects.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.markers import InvalidMarker, Marker

from torchlint.errors import InputError
from torchlint.fix.apply import FixError, SourceBytes, apply_fixes, create_atomic, unified_diff, write_atomic
from torchlint.fix.ops import AddArray, AddSource, Op, toml_string
from torchlint.index.probe import Probe, ProbeOptions
from torchlint.init import host
from torchlint.init.facts import Choice, IndexFacts, current_platforms, index_facts, known_variants
from torchlint.init.plan import FRESH_DEPENDENCIES, Plan, build, refuse
from torchlint.init.spec import Spec, parse_platforms, parse_spec
from torchlint.project.model import Project
from torchlint.rules.common import TORCH_FAMILY
from torchlint.targets import NEWEST_PYTHON, PLATFORMS, Platform, python_minors, python_ranges


@dataclass
class InitOptions:
    path: str = "."
    backend: str = ""
    nightly: bool = False
    python: str | None = None
    platforms: tuple[str, ...] = ()
    groups: bool = False
    dry_run: bool = False
    force: bool = False
    probe: ProbeOptions = field(default_factory=ProbeOptions)
    environ: Mapping[str, str] | None = None


@dataclass
class InitResult:
    path: str
    display: str
    created: bool
    old_text: str
    new_text: str
    diff: str
    notes: list[str] = field(default_factory=list)
    wrote: bool = False


def _target_path(path: str) -> str:
    if os.path.isdir(path) or path.endswith(os.sep) or not path.endswith(".toml"):
        return os.path.join(path, "pyproject.toml")
    return path


def _display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _python(text: str | None) -> str | None:
    if text is None:
        return None
    if not re.fullmatch(r"3\.\d{1,2}", text.strip()):
        raise InputError(f"--python {text!r}: expected a Python version like 3.12")
    return text.strip()


def fresh_text(name: str, requires_python: str, dependencies: tuple[str, ...]) -> str:
    """A minimal ``pyproject.toml`` (what ``uv init`` writes, without a build backend)."""
    deps = ", ".join(toml_string(d) for d in dependencies)
    return (
        "[project]\n"
        f"name = {toml_string(name)}\n"
        'version = "0.1.0"\n'
        f"requires-python = {toml_string(requires_python)}\n"
        f"dependencies = [{deps}]\n"
    )


def _project_name(folder: str) -> str:
    base = os.path.basename(os.path.abspath(folder)) or "project"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip("-._").lower()
    return name or "project"


def _load_text(text: str) -> tuple[Project, str]:
    """Load *text* as a project (from a private temporary directory)."""
    from torchlint.check import load_project

    folder = tempfile.mkdtemp(prefix="torchlint-init-")
    path = os.path.join(folder, "pyproject.toml")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    return load_project(path), path


def _cleanup(path: str) -> None:
    folder = os.path.dirname(path)
    for name in os.listdir(folder):
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass
    try:
        os.rmdir(folder)
    except OSError:
        pass


def _auto(probe: Probe, opts: InitOptions, pythons: list[tuple[int, int]], notes: list[str]) -> str:
    """Pick one backend for this host, and say why (a note)."""
    found = host.detect(opts.environ)
    here_os = host.host_os()
    if found.kind == "amd":
        raise InputError(
            f"--backend auto: an AMD GPU was found ({found.how}); name the ROCm build with --backend rocmX.Y"
        )
    if found.kind == "xpu":
        notes.append(f"auto: xpu, because {found.how}")
        return "xpu"
    if found.kind != "cuda" or found.driver is None:
        notes.append(f"auto: cpu, because {found.how}")
        return "cpu"
    cudas = [v for v in known_variants(probe, opts.nightly) if re.fullmatch(r"cu\d{2,3}", v)]
    cudas.sort(key=lambda v: int(v[2:]), reverse=True)
    for variant in cudas:
        minimum = host.minimum_driver(host.cuda_of(variant), here_os)
        if minimum is None or found.driver < minimum:
            continue
        facts = index_facts(probe, Choice(variant, opts.nightly), pythons, set())
        served = [p for p in facts.platforms() if p.os == here_os]
        if not facts.ok or not served:
            continue
        notes.append(
            f"auto: {variant}, because the NVIDIA driver is {found.driver} ({found.how}) and CUDA "
            f"{host.cuda_of(variant)} needs {minimum} or newer on {here_os} (NVIDIA's minimum, "
            f"torchlint/resources/cuda-driver-minimums.json); it is the newest CUDA variant "
            f"{facts.origin} has torch builds of for {here_os}"
        )
        return variant
    notes.append(f"auto: cpu, because no CUDA variant's driver minimum is met by driver {found.driver}")
    return "cpu"


def run_init(opts: InitOptions) -> InitResult:
    """Plan, verify and (unless ``dry_run``) write the configuration; InputError on refusal."""
    spec = parse_spec(opts.backend)
    python = _python(opts.python)
    platforms: tuple[Platform, ...] = parse_platforms(opts.platforms, "--platforms") if opts.platforms else ()
    path = _target_path(opts.path)
    display = _display(path)
    created = not os.path.exists(path)
    if created and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise InputError(f"{display}: the directory does not exist")
    src: SourceBytes | None = None
    notes: list[str] = []
    probe = Probe(opts.probe, dict(os.environ if opts.environ is None else opts.environ))
    try:
        if created:
            base_text = fresh_text(
                _project_name(os.path.dirname(os.path.abspath(path))), f">={python or '3.10'}", ()
            )
        else:
            try:
                src = SourceBytes.read(path)
            except FixError as e:
                raise InputError(str(e), display) from None
            base_text = src.text
        project, tmp = _load_text(base_text)
        try:
            if project.manager != "uv":
                raise refuse(f"this is a {project.manager} project; init writes uv configuration", display)
            if not isinstance(project.file.data.get("project"), dict):
                raise refuse(
                    "the file has no [project] table (init adds to a project; in a directory without a "
                    "pyproject.toml it creates one)",
                    display,
                )
            requires = project.requires_python
            if python is not None:
                from packaging.specifiers import SpecifierSet

                requires = SpecifierSet(f">={python}")
            pythons = python_minors(requires)
            if not pythons:
                raise refuse("requires-python allows no released CPython", display)
            if spec.kind == "auto":
                spec = Spec("single", (_auto(probe, opts, pythons, notes),))
            family = (project.declared_names() & TORCH_FAMILY) | set(FRESH_DEPENDENCIES)
            facts = [index_facts(probe, Choice(b, opts.nightly), pythons, family) for b in spec.backends]
            _check_facts(spec, facts, platforms, pythons, display)
            from torchlint.routing import resolve_default_index

            elsewhere = current_platforms(probe, resolve_default_index(project, None, probe.environ), pythons)
        finally:
            _cleanup(tmp)
        if created:
            floor = _requires_python(spec, facts, platforms, python)
            deps: tuple[str, ...] = FRESH_DEPENDENCIES if spec.kind != "choice" else ()
            deps = tuple(d for d in deps if d == "torch" or all(d in f.lists for f in facts))
            base_text = fresh_text(_project_name(os.path.dirname(os.path.abspath(path))), floor, deps)
            python = None
        project, tmp = _load_text(base_text)
        try:
            plan = build(
                project,
                spec,
                facts,
                groups=opts.groups,
                platforms=platforms,
                force=opts.force,
                python=python,
                path=display,
                elsewhere=elsewhere,
                wanted=FRESH_DEPENDENCIES if created and spec.kind == "choice" else (),
            )
            if spec.kind == "choice":
                plan.notes.append(
                    "choose a build at install time: "
                    + ", ".join(
                        f"`uv sync --{'group' if opts.groups else 'extra'} {m}`" for m in _members(plan)
                    )
                )
        finally:
            _cleanup(tmp)
        text = _apply(base_text, plan.ops, display)
        text = _add_index_only_dependencies(text, plan, probe, display)
        environ = dict(os.environ if opts.environ is None else opts.environ)
        findings = _verify(text, opts.probe, environ)
        if findings and not created:
            # what was wrong before init (credentials in a URL, an ignored setting) is not init's
            # to refuse over; it is reported as a note and remains for `torchlint check`
            before = set(_verify(base_text, opts.probe, environ))
            kept = [f for f in findings if f in before]
            findings = [f for f in findings if f not in before]
            if kept:
                notes.append(
                    f"{len(kept)} finding(s) the file had before remain (run `torchlint check`): {kept[0]}"
                )
        if findings:
            raise refuse(f"the result would not pass `torchlint check`: {findings[0]}", display)
        notes.extend(plan.notes)
        notes.append(f"index facts: {facts[0].origin}")
    finally:
        probe.close()
    old = "" if created else base_text
    diff = unified_diff(old, text, display.replace(os.sep, "/"))
    if created:
        diff = diff.replace(f"--- a/{display}", "--- /dev/null", 1)
    result = InitResult(path, display, created, old, text, diff, notes)
    if not opts.dry_run and text != old:
        try:
            if src is None:
                create_atomic(path, text)
            else:
                write_atomic(src, text)
        except FixError as e:
            raise InputError(str(e), display) from None
        result.wrote = True
    return result


def _members(plan: Plan) -> list[str]:
    return [dict(keys).get("extra") or dict(keys).get("group") or "" for _, _, keys in plan.scopes]


def _check_facts(
    spec: Spec,
    facts: list[IndexFacts],
    platforms: tuple[Platform, ...],
    pythons: list[tuple[int, int]],
    display: str,
) -> None:
    """Refuse a backend its index cannot serve here (no such index, no wheels for the Pythons or platforms)."""
    for f in facts:
        if not f.ok:
            raise refuse(f"{f.choice.label}: {f.problem}", display)
        want = spec.platforms if spec.kind == "split" else platforms if spec.kind != "choice" else ()
        missing = [p.name for p in want if p not in f.current]
        if missing and f.current:
            raise refuse(
                f"{f.choice.label} has no torch wheels for {', '.join(missing)} "
                f"(it serves {', '.join(p.name for p in f.platforms())}, {f.origin})",
                display,
            )
        scope = spec.platforms if spec.kind == "split" else platforms or tuple(PLATFORMS)
        if not f.pythons(scope):
            asked = python_ranges(pythons)
            has = f.describe_pythons()
            raise refuse(
                f"{f.choice.label} has no torch wheels for Python {asked} on "
                f"{', '.join(p.name for p in scope)} (it has {has}, {f.origin})",
                display,
            )


def _common_pythons(
    spec: Spec, facts: list[IndexFacts], platforms: tuple[Platform, ...]
) -> set[tuple[int, int]]:
    """The Pythons the newest torch of every chosen index has wheels for, where it is used."""
    common: set[tuple[int, int]] | None = None
    for f in facts:
        scope = spec.platforms if spec.kind == "split" else platforms or f.platforms()
        mine = set.intersection(*(f.latest.get(p, set()) for p in scope)) if scope else set()
        common = mine if common is None else common & mine
    return common or set()


def _requires_python(
    spec: Spec, facts: list[IndexFacts], platforms: tuple[Platform, ...], python: str | None
) -> str:
    """A new project's requires-python: from the oldest Python every chosen index serves (or
    ``--python``); with required platforms, below the first Python the newest build lacks (a gap
    on a required target is an error)."""
    common = _common_pythons(spec, facts, platforms)
    best = min(common) if common else min(facts[0].pythons())
    text = f">={python}" if python else f">={best[0]}.{best[1]}"
    if platforms and common and max(common) < NEWEST_PYTHON:
        top = max(common)
        text += f",<{top[0]}.{top[1] + 1}"
    return text


def _apply(text: str, ops: list[Op], display: str) -> str:
    try:
        # one operation per step: each step re-parses the text, as consecutive fixes do
        outcome = apply_fixes(text, [(op,) for op in ops])
    except FixError as e:
        raise InputError(str(e), display) from None
    except (AttributeError, IndexError) as e:  # a layout tomlkit cannot edit in place
        raise refuse(f"the edit cannot be made safely ({type(e).__name__}: {e})", display) from None
    if outcome.refused:
        raise refuse(f"the edit cannot be made safely ({outcome.refused[0][1]})", display)
    return outcome.text


def canonical_marker(text: str | None) -> str | None:
    """A marker as uv writes it: normalised by packaging, single-quoted values."""
    if not text:
        return None
    try:
        rendered = str(Marker(text))
    except InvalidMarker:
        return text
    return re.sub(r'"([^"\']*)"', r"'\1'", rendered)


def _add_index_only_dependencies(text: str, plan: Plan, probe: Probe, display: str) -> str:
    """Declare and route what the chosen index's torch requires and only that index serves.

    The resolution model reads torch's Requires-Dist from the index's METADATA (the nightly's
    ``pytorch-triton``, ROCm's and XPU's Triton builds) and reports each one uv could not reach;
    each is added beside torch, with the Requires-Dist marker, and routed like torch.
    """
    from torchlint.resolution import resolve
    from torchlint.routing import Router, resolve_default_index
    from torchlint.rules.base import RuleContext
    from torchlint.targets import build_targets

    for _round in range(3):
        project, tmp = _load_text(text)
        try:
            router = Router(project, resolve_default_index(project, None, probe.environ))
            model = resolve(RuleContext(project, build_targets(project), router, probe))
        finally:
            _cleanup(tmp)
        wanted: dict[tuple[str, int], str | None] = {}
        for o in model.failing(["orphan"]):
            assert o.failure is not None
            idx_name = o.index.name if o.index is not None else None
            for i, (_choice, _scope, keys) in enumerate(plan.scopes):
                if dict(keys).get("index") != idx_name:
                    continue
                member = dict(keys).get("extra") or dict(keys).get("group")
                if member is not None and member not in (o.fork.extras | o.fork.groups):
                    continue
                for orphan in o.failure.orphans:
                    wanted.setdefault((orphan.dep, i), canonical_marker(orphan.marker))
        if not wanted:
            return text
        ops: list[Op] = []
        routes: dict[str, list[tuple[tuple[str, str], ...]]] = {}
        for (dep, i), marker in sorted(wanted.items()):
            choice, scope, keys = plan.scopes[i]
            line = f"{dep} ; {marker}" if marker else dep
            ops.append(AddArray(scope[:-1], str(scope[-1]), (line,)))
            routes.setdefault(dep, []).append(keys)
            plan.notes.append(
                f"`{dep}` added: torch on {choice.url}/ requires it ({line}) and only that index serves it"
            )
        for dep, entries in routes.items():
            ops.append(AddSource(dep, tuple(entries)))
        text = _apply(text, ops, display)
    return text


def _verify(text: str, probe_options: ProbeOptions, environ: dict[str, str]) -> list[str]:
    """Run every (non-pedantic) rule on *text*: the findings, one line each."""
    from torchlint.check import CheckOptions, run_check

    project_dir = tempfile.mkdtemp(prefix="torchlint-init-")
    path = os.path.join(project_dir, "pyproject.toml")
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        result = run_check([path], CheckOptions(probe=probe_options), environ)
    finally:
        _cleanup(path)
    return [f"{d.code} {d.message.splitlines()[0]}" for d in result.diagnostics if d.severity != "info"]
