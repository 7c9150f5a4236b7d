"""Output formats, one module per format, all rendering the same Diagnostic model."""

from __future__ import annotations

FORMATS = ("full", "concise", "json")


def render(fmt: str, result: object, sources: dict[str, str], color: bool = False) -> str:
    """Render a CheckResult in *fmt*; *sources* maps display path → file text (for excerpts)."""
    if fmt == "json":
        from torchlint.report import json_format

        return json_format.render(result)  # type: ignore[arg-type]
    if fmt == "concise":
        from torchlint.report import concise

        return concise.render(result, color=color)  # type: ignore[arg-type]
    from torchlint.report import full

    return full.render(result, sources, color=color)  # type: ignore[arg-type]
