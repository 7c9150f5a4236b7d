"""The one diagnostic model every rule yields and every output format renders.

Field names follow ruff's JSON output where they overlap (code, name, message, filename,
location {row, column}, end_location, fix {applicability, message, edits}, url) so that tools
that already read ruff's JSON read ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
Applicability = Literal["safe", "unsafe", "display-only"]

DOCS_URL = "https://github.com/torchlint/torchlint/blob/main/rules/{code}.md"


@dataclass(frozen=True, slots=True)
class Location:
    """A span in a file; 1-based rows and columns, end exclusive."""

    filename: str
    row: int = 1
    column: int = 1
    end_row: int = 1
    end_column: int = 1
    #: Dotted path of the TOML value the span covers ("tool.uv.sources.torch[0]").
    toml_path: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column}

    def end_json(self) -> dict[str, Any]:
        return {"row": self.end_row, "column": self.end_column}


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that matters for a diagnostic (the index definition, the requirement)."""

    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``[start, end)`` of a file's text with ``content`` (character offsets)."""

    content: str
    location: Location


@dataclass(frozen=True, slots=True)
class Fix:
    """A repair: what it does (``message``, imperative), how safe it is, and how.

    ``ops`` are the document operations (:mod:`torchlint.fix.ops`); ``edits`` is their effect as
    one text replacement, computed from the file for display and JSON output.
    """

    applicability: Applicability
    message: str
    edits: tuple[Edit, ...] = ()
    ops: tuple[Any, ...] = ()


@dataclass(slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    targets: tuple[str, ...] = ()
    related: tuple[Related, ...] = ()
    evidence: tuple[str, ...] = ()
    help: str | None = None
    fix: Fix | None = None
    #: Where the facts came from: "config", "live", "cache", "snapshot <date>".
    basis: str = "config"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.filename, loc.row, loc.column, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        loc = self.location
        return {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "filename": loc.filename,
            "location": loc.to_json(),
            "end_location": loc.end_json(),
            "toml_path": loc.toml_path,
            "targets": list(self.targets),
            "related": [
                {
                    "message": r.message,
                    "filename": r.location.filename,
                    "location": r.location.to_json(),
                    "end_location": r.location.end_json(),
                }
                for r in self.related
            ],
            "evidence": list(self.evidence),
            "help": self.help,
            "basis": self.basis,
            "fix": None
            if self.fix is None
            else {
                "applicability": self.fix.applicability,
                "message": self.fix.message,
                "edits": [
                    {
                        "content": e.content,
                        "location": e.location.to_json(),
                        "end_location": e.location.end_json(),
                    }
                    for e in self.fix.edits
                ],
            },
            "url": self.url,
        }
