"""The resolution model: what uv would lock for each routed package, per fork and per target.

One layer between probing and the rules (see ``docs/architecture.md``). :func:`resolve` builds it
once per project and run; the listing and metadata rules, ``torchlint matrix`` and the uv
comparison test all read the same :class:`~torchlint.resolution.model.Resolution`:

* ``forks``: the extras / groups uv resolves together (``[tool.uv] conflicts`` splits them);
* ``intent``: which targets the author means the project to work on;
* ``candidates``: listing → versions in uv's order, wheels per target, pre-release policy;
* ``solver``: uv's choice per fork, region and target (first-index, requires-python forks,
  platform forks that reject versions without a wheel there, the local-version fallback,
  ``required-environments``, torch-family pins, dependencies only an explicit index serves).

Nothing here is imported at start-up: the engine asks for it only when a selected rule needs
index data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchlint.resolution.model import Resolution
    from torchlint.rules.base import RuleContext

_MEMO: dict[int, tuple[object, object, Resolution]] = {}


def resolve(ctx: RuleContext) -> Resolution:
    """The model for *ctx*'s project, computed once per run (every rule of the run shares it)."""
    hit = _MEMO.get(id(ctx.project))
    if hit is not None and hit[0] is ctx.project and hit[1] is ctx.router:
        return hit[2]
    from torchlint.resolution.intent import mark_intent
    from torchlint.resolution.solver import Solver

    res = Solver(ctx).run()
    mark_intent(ctx, res)
    _MEMO.clear()
    _MEMO[id(ctx.project)] = (ctx.project, ctx.router, res)
    return res
