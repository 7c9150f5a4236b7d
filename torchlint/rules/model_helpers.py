"""What the listing and metadata rules share: queries over the resolution model.

The rules TL101-TL105, TL201-TL204 and TL303 never choose candidates themselves; they read the
:class:`~torchlint.resolution.model.Resolution` (:func:`model`), group its outcomes into one finding
per root cause, and word them. Severity follows the outcome's intent: ``uv lock`` failing, or a
missing wheel on a target the author named (``required-environments``, ``environments``), is an
error; a missing wheel on a target uv resolves for without the author naming it is a warning;
anything on a target nobody means (intent ``no``) is an info, shown only with ``--pedantic``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from torchlint.index.urls import parse_pytorch_url
from torchlint.routing import index_display
from torchlint.rules.listing_helpers import origin as origin
from torchlint.rules.listing_helpers import page as page
from torchlint.targets import describe

if TYPE_CHECKING:
    from torchlint.diagnostics import Location, Severity
    from torchlint.resolution.candidates import Candidate
    from torchlint.resolution.forks import Fork
    from torchlint.resolution.model import Outcome, Resolution
    from torchlint.rules.base import RuleContext


def model(ctx: RuleContext) -> Resolution:
    from torchlint.resolution import resolve

    return resolve(ctx)


def location_of(o: Outcome) -> Location:
    """Where a finding about *o* points: the source entry that routes it, else its requirement."""
    src = o.route.source
    if o.route.kind == "pinned" and src is not None and src.location is not None:
        return src.location
    return o.requirements[0].location


def index_text(o: Outcome) -> str:
    return index_display(o.index) if o.index is not None else "no index"


def severity_of(outcomes: Iterable[Outcome]) -> Severity:
    intents = {o.intent for o in outcomes}
    if intents & {"required", "explicit"}:
        return "error"
    if "inferred" in intents:
        return "warning"
    return "info"


def forks_text(forks: Sequence[Fork], every: Sequence[Fork]) -> str:
    """`` with `--extra cu130` `` when the finding holds in some forks only (else nothing)."""
    chosen = [f for f in forks if f.chosen]
    if not chosen or len(set(forks)) == len(every):
        return ""
    flags = []
    for f in chosen:
        for kind, name in f.chosen:
            flag = f"`--extra {name}`" if kind == "extra" else f"`--group {name}`"
            if flag not in flags:
                flags.append(flag)
    return " with " + " or ".join(flags)


def shadowing_index(ctx: RuleContext, o: Outcome) -> bool:
    """Is *o* the doing of a PyTorch index that is not explicit (TL001's root cause)?

    uv then takes the package from that index for every platform it reaches, whatever the
    markers intend; one TL001 reports it, not a finding per package and platform.
    """
    idx = o.index
    if o.route.kind != "chain" or idx is None or idx.explicit or idx.default:
        return False
    if idx is ctx.router.default_index:
        return False
    mirrors = ctx.probe.options.mirrors if ctx.probe is not None else None
    try:
        return parse_pytorch_url(idx.url, mirrors) is not None
    except Exception:
        return False


def targets_text(outcomes: Iterable[Outcome]) -> str:
    return describe(sorted({o.target for o in outcomes}, key=lambda t: (t.python, t.platform.name)))


def wheel_platforms(cand: Candidate) -> str:
    """``Linux x86_64, Windows amd64`` style summary of the platforms a version has wheels for."""
    from torchlint.targets import PLATFORMS, Target

    names = []
    for p in PLATFORMS:
        if any(cand.for_target(Target(p, (3, m))) for m in range(8, 16)):
            names.append(p.name)
    return ", ".join(names) if names else "no platform torchlint checks"


_LOCK = {
    "uv": "`uv lock`",
    "poetry": "`poetry lock`",
    "pdm": "`pdm lock`",
    "pixi": "`pixi install`",
    "pip": "`pip install`",
}
_TOOL = {"uv": "uv", "poetry": "Poetry", "pdm": "PDM", "pixi": "pixi", "pip": "pip"}
_SYNC = {
    "uv": "`uv sync`",
    "poetry": "`poetry install`",
    "pdm": "`pdm install`",
    "pixi": "`pixi install`",
    "pip": "`pip install`",
}


def lock_fails(ctx: RuleContext) -> str:
    r"""``\`uv lock\` fails`` in the words of the file's manager (``\`pip install\` fails``…)."""
    return f"{_LOCK.get(ctx.project.manager, '`uv lock`')} fails"


def tool(ctx: RuleContext) -> str:
    return _TOOL.get(ctx.project.manager, "uv")


def sync(ctx: RuleContext) -> str:
    return _SYNC.get(ctx.project.manager, "`uv sync`")


def manager_help(ctx: RuleContext, uv: str, other: str | None = None) -> str:
    """Help in the words of the file's manager: *uv* for uv projects, *other* (else a generic
    line) for Poetry, PDM, pixi and requirements files."""
    if ctx.project.manager == "uv":
        return uv
    return other or "route the package to an index that serves this platform, or limit it with a marker"
