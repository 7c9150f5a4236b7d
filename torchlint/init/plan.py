"""From a project, a SPEC and the index facts to fix-engine operations (nothing is written here).

Every edit is an operation of :mod:`torchlint.fix.ops` (new keys, array items, new tables), so
what ``init`` writes goes through the same verified, comment-keeping path as ``check --fix``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torchlint.errors import InputError
from torchlint.fix.builders import scope_array
from torchlint.fix.ops import (
    AddArray,
    AddConflict,
    AddIndex,
    AddSource,
    Op,
    RemoveKey,
    RemoveString,
    SetValue,
    TomlPath,
)
from torchlint.index.urls import parse_pytorch_url
from torchlint.init.facts import Choice, IndexFacts
from torchlint.init.spec import Spec, extra_name, marker_for
from torchlint.project.model import Project
from torchlint.rules.common import TORCH_FAMILY
from torchlint.targets import PLATFORMS, Platform

#: What a project created by ``init`` declares (the uv guide's pair).
FRESH_DEPENDENCIES = ("torch", "torchvision")


@dataclass
class Plan:
    ops: list[Op] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Per choice: where its torch-family requirements live and the source keys they get.
    scopes: list[tuple[Choice, TomlPath, tuple[tuple[str, str], ...]]] = field(default_factory=list)


def refuse(message: str, path: str, at: tuple[int, int] = (1, 1)) -> InputError:
    return InputError(f"init refused: {message}", path, *at)


def _at(project: Project, *toml_path: str | int) -> tuple[int, int]:
    loc = project.file.loc(*toml_path)
    return loc.row, loc.column


def existing_routes(project: Project, force: bool, plan: Plan, chosen: set[str], path: str) -> None:
    """Refuse (or, with --force, undo) whatever already sends torch to another index.

    Sources that already point at the chosen indexes (*chosen*: snapshot keys such as
    ``whl/cu128``) are not "elsewhere": running ``init`` again on its own result changes nothing.
    """
    data = project.file.data
    uv = data.get("tool", {}).get("uv", {})
    for key in ("index-url", "extra-index-url", "find-links"):
        values = uv.get(key)
        values = values if isinstance(values, list) else [values] if values else []
        if any(isinstance(v, str) and parse_pytorch_url(v) is not None for v in values):
            raise refuse(
                f"[tool.uv] {key} names a PyTorch index (pip-style); run `torchlint check --fix` first",
                path,
                _at(project, "tool", "uv", key),
            )
    for i, idx in enumerate(project.indexes):
        if idx.origin != "[[tool.uv.index]]" or parse_pytorch_url(idx.url) is None or idx.explicit:
            continue
        if not force:
            raise refuse(
                f"index `{idx.name}` is a PyTorch index without `explicit = true` (it already serves torch); "
                "use --force to make it explicit, or `torchlint check --fix`",
                path,
                _at(project, "tool", "uv", "index", i),
            )
        plan.ops.append(SetValue(("tool", "uv", "index", i), "explicit", True))
        plan.notes.append(f"--force: index `{idx.name}` made explicit")
    sources = uv.get("sources") if isinstance(uv.get("sources"), dict) else {}
    for raw in list(sources or {}):
        name = str(raw).lower().replace("_", "-").replace(".", "-")
        if name not in TORCH_FAMILY:
            continue
        entries = project.sources.get(name, [])
        keys = set()
        for e in entries:
            named = project.index_by_name(e.index) if e.index else None
            pt = parse_pytorch_url(named.url) if named is not None else None
            keys.add(pt.key if pt is not None else None)
        if entries and keys <= chosen:
            continue
        if not force:
            raise refuse(
                f"[tool.uv.sources] already routes `{raw}`; use --force to replace the torch-family "
                "sources, or `torchlint check --fix` to repair them",
                path,
                _at(project, "tool", "uv", "sources", str(raw)),
            )
        plan.ops.append(RemoveKey(("tool", "uv", "sources"), str(raw), inline_tables=True))
        plan.notes.append(f"--force: the sources of `{raw}` replaced")


def index_name(project: Project | None, choice: Choice) -> tuple[str, bool]:
    """The name the index gets (an existing definition of the same URL keeps its name); new?"""
    indexes = project.indexes if project is not None else []
    for idx in indexes:
        pt = parse_pytorch_url(idx.url)
        if pt is not None and pt.key == choice.key and idx.name:
            return idx.name, False
    taken = {idx.name for idx in indexes}
    name, n = choice.name, 1
    while name in taken and n < 100:  # the name is used for another URL: never redefine an index
        n += 1
        name = f"{choice.name}-{n}"
    return name, True


def build(
    project: Project,
    spec: Spec,
    facts: list[IndexFacts],
    *,
    groups: bool,
    platforms: tuple[Platform, ...],
    force: bool,
    python: str | None,
    path: str,
    elsewhere: set[Platform] | None = None,
    wanted: tuple[str, ...] = (),
) -> Plan:
    """The operations that configure *spec* on *project* (refusing with a one-line reason).

    *path* is the file as the user named it (the project is loaded from a private copy);
    *elsewhere* the platforms the default index's newest torch serves (None: unknown), so a
    platform nobody builds for any more (Intel macOS) does not limit ``environments``;
    *wanted* names torch-family packages to declare besides those declared (a new project's).
    """
    plan = Plan()
    existing_routes(project, force, plan, {f.choice.key for f in facts}, path)
    declared = project.declared_names()
    family = sorted((declared & TORCH_FAMILY) | {"torch", *wanted})
    if python is not None:
        current = project.file.data.get("project", {}).get("requires-python")
        if current is None:
            plan.ops.append(SetValue(("project",), "requires-python", f">={python}"))
        elif str(current).replace(" ", "") != f">={python}":
            raise refuse(
                f"requires-python is already {current!r}; drop --python or edit it",
                path,
                _at(project, "project", "requires-python"),
            )
    names: dict[Choice, str] = {}
    for f in facts:
        name, new = index_name(project, f.choice)
        names[f.choice] = name
        if new:
            plan.ops.append(AddIndex((("name", name), ("url", f.choice.url), ("explicit", True))))
    if spec.kind in ("single", "split"):
        f = facts[0]
        if "torch" not in declared:
            if "dependencies" in (project.file.data["project"].get("dynamic") or []):
                raise refuse(
                    "[project] dependencies are dynamic (the build backend fills them); declare torch there",
                    path,
                    _at(project, "project", "dynamic"),
                )
            plan.ops.append(AddArray(("project",), "dependencies", ("torch",)))
        keys: tuple[tuple[str, str], ...] = (("index", names[f.choice]),)
        if spec.kind == "split":
            keys += (("marker", marker_for(spec.platforms)),)
        plan.scopes.append((f.choice, ("project", "dependencies"), keys))
        for pkg in family:
            if pkg in f.lists or pkg == "torch":
                plan.ops.append(AddSource(pkg, (keys,)))
            else:
                plan.notes.append(f"`{pkg}` is not on {f.choice.url}/: left to the default index")
        if spec.kind == "single" and not platforms and not project.uv.environments:
            served = f.platforms()
            lacking = [p for p in PLATFORMS if p not in served and (elsewhere is None or p in elsewhere)]
            if served and lacking:
                plan.ops.append(AddArray(("tool", "uv"), "environments", environment_markers(served)))
                missing = ", ".join(p.name for p in lacking)
                plan.notes.append(
                    f"{f.choice.label} has no torch builds for {missing}: `environments` limited to the "
                    f"platforms it serves (use --backend {f.choice.variant}:<platforms> for the default build there)"
                )
    else:
        base = [r for r in project.requirements if r.name in TORCH_FAMILY and r.scope.kind != "extra"]
        if groups:
            base = [r for r in project.requirements if r.name in TORCH_FAMILY and r.scope.kind != "group"]
        movable = [r for r in base if r.scope.kind == "project"]
        if base and not (force and len(movable) == len(base)):
            where = "[project] dependencies" if base[0].scope.kind == "project" else base[0].scope.label()
            hint = "use --force to move it there" if base[0].scope.kind == "project" else "move it there"
            raise refuse(
                f"`{base[0].name}` is declared in {where}; a choice between builds needs the torch family "
                f"in the choice's {'groups' if groups else 'extras'} only ({hint}, or pick one backend)",
                path,
                (base[0].location.row, base[0].location.column),
            )
        written: dict[str, str] = {}
        for r in movable:  # --force: the requirement moves, as written, into every member
            array = scope_array(project, r.scope)
            if array is None:
                raise refuse(f"`{r.name}` cannot be moved from where it is declared", path)
            plan.ops.append(RemoveString(array, r.raw))
            written.setdefault(r.name, r.raw)
            plan.notes.append(f"--force: `{r.raw}` moved from [project] dependencies into each choice")
        kind = "group" if groups else "extra"
        table: TomlPath = ("dependency-groups",) if groups else ("project", "optional-dependencies")
        members = []
        for f in facts:
            member = extra_name(f.choice.variant)
            members.append((kind, member))
            pkgs = tuple(written.get(p, p) for p in family if p == "torch" or p in f.lists)
            plan.ops.append(AddArray(table, member, pkgs))
            keys = (("index", names[f.choice]), (kind, member))
            plan.scopes.append((f.choice, (*table, member), keys))
        for pkg in family:
            entries = tuple(
                (("index", names[f.choice]), (kind, extra_name(f.choice.variant)))
                for f in facts
                if pkg == "torch" or pkg in f.lists
            )
            plan.ops.append(AddSource(pkg, entries))
        plan.ops.append(AddConflict(tuple(members)))
    if platforms:
        markers = environment_markers(platforms)
        for key in ("environments", "required-environments"):
            if getattr(project.uv, key.replace("-", "_")):
                plan.notes.append(f"[tool.uv] {key} already set: left as written")
            else:
                plan.ops.append(AddArray(("tool", "uv"), key, markers))
    # [tool.uv] settings before the tables under it, so the header comes first, as uv writes it
    plan.ops.sort(
        key=lambda op: (
            0
            if isinstance(op, AddConflict) or (isinstance(op, AddArray) and op.table == ("tool", "uv"))
            else 1
        )
    )
    return plan


def environment_markers(platforms: tuple[Platform, ...]) -> tuple[str, ...]:
    """One ``environments`` entry per OS (with the architecture when not all of an OS is meant)."""
    out = []
    for os_name in ("linux", "macos", "windows"):
        mine = tuple(p for p in platforms if p.os == os_name)
        if not mine:
            continue
        every = [p for p in PLATFORMS if p.os == os_name]
        if len(mine) == len(every):
            out.append(marker_for(mine))
        else:
            out.extend(marker_for((p,)) for p in mine)
    return tuple(out)
