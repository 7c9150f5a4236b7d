"""Output formats, one module per format, all rendering the same Diagnostic model.

``HUMAN_FORMATS`` are meant for a terminal (colour, progress and the summary footer apply);
every other format is for machines and is never coloured.
"""

from __future__ import annotations

FORMATS = ("full", "concise", "json", "json-lines", "github", "sarif", "html")
HUMAN_FORMATS = ("full", "concise")


def render(fmt: str, result: object, sources: dict[str, str], color: bool = False) -> str:
    """Render a CheckResult in *fmt*; *sources* maps display path → file text (for excerpts)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r}")
    if fmt == "json":
        from torchlint.report import json_format

        return json_format.render(result)  # type: ignore[arg-type]
    if fmt == "json-lines":
        from torchlint.report import json_lines

        return json_lines.render(result)  # type: ignore[arg-type]
    if fmt == "github":
        from torchlint.report import github

        return github.render(result)  # type: ignore[arg-type]
    if fmt == "sarif":
        from torchlint.report import sarif

        return sarif.render(result, sources)  # type: ignore[arg-type]
    if fmt == "html":
        from torchlint.report import html

        return html.render(result, sources)  # type: ignore[arg-type]
    if fmt == "concise":
        from torchlint.report import concise

        return concise.render(result, color=color)  # type: ignore[arg-type]
    from torchlint.report import full

    return full.render(result, sources, color=color)  # type: ignore[arg-type]
