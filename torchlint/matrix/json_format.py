"""``torchlint matrix --output-format json``: the matrix with stable keys (``docs/matrix.md``).

The document is versioned (``schema``): keys are only ever added within a version. Rows keep the
merged Pythons and list the target names they stand for, and each cell carries the wheel per
target, so a consumer (the uv comparison test is one) can read every target back.
"""

from __future__ import annotations

import json
from typing import Any

from torchlint.matrix.build import Cell, Matrix, ProjectMatrix, Row, Section

SCHEMA = 1


def document(matrix: Matrix) -> dict[str, Any]:
    from torchlint import __version__

    return {
        "schema": SCHEMA,
        "torchlint": __version__,
        "basis": {
            "origins": matrix.origins,
            "snapshot_date": matrix.snapshot_date,
            "lines": matrix.basis,
        },
        "projects": [_project(pm) for pm in matrix.projects],
    }


def render(matrix: Matrix) -> str:
    return json.dumps(document(matrix), indent=2, ensure_ascii=False) + "\n"


def _project(pm: ProjectMatrix) -> dict[str, Any]:
    return {
        "file": pm.file,
        "manager": pm.manager,
        "mode": pm.mode,
        "lock_fails": pm.lock_fails,
        "packages": pm.packages,
        "intended_gaps": pm.intended_gaps,
        "differing": pm.differing,
        "forks": [_section(s) for s in pm.sections],
    }


def _section(sec: Section) -> dict[str, Any]:
    return {
        "label": sec.label,
        "extras": sec.extras,
        "groups": sec.groups,
        "chosen": [{"kind": k, "name": n} for k, n in sec.chosen],
        "rows": [_row(r) for r in sec.rows],
    }


def _row(r: Row) -> dict[str, Any]:
    return {
        "platform": r.platform,
        "pythons": [f"{a}.{b}" for a, b in r.pythons],
        "targets": r.targets,
        "intent": r.intent,
        "required": r.required,
        "cells": {p: (_cell(c, r.wheels.get(p, {})) if c is not None else None) for p, c in r.cells.items()},
    }


def _cell(c: Cell, wheels: dict[str, str | None]) -> dict[str, Any]:
    return {
        "status": c.status,
        "version": c.version,
        "backend": c.backend,
        "backend_kind": c.backend_kind,
        "index": c.index,
        "index_url": c.index_url,
        "gap": c.gap,
        "failure": c.failure,
        "reason": c.reason,
        "intent": c.intent,
        "fallback_from": c.fallback_from,
        "wheels": wheels,
    }
