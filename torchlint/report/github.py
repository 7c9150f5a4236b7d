"""``--output-format github``: GitHub Actions workflow commands, one annotation per diagnostic.

``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=torchlint (CODE)::path:row:col: CODE message``
(``warning`` → ``::warning``, ``info`` → ``::notice``), escaped as actions/toolkit's
``escapeData`` / ``escapeProperty`` do. GitHub shows at most 10 error and 10 warning annotations
per step (50 per job), so the concise report follows the annotations; it is wrapped in
``::stop-commands::`` so that text taken from index data can never be read as a workflow command.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from torchlint.report import concise

if TYPE_CHECKING:
    from torchlint.check import CheckResult
    from torchlint.diagnostics import Diagnostic

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(s: str) -> str:
    """actions/toolkit ``escapeData``: the message part of a workflow command."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """actions/toolkit ``escapeProperty``: a ``key=value`` property of a workflow command."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def annotation(d: Diagnostic) -> str:
    loc = d.location
    end_row = max(loc.end_row, loc.row)
    end_col = loc.end_column if end_row > loc.row else max(loc.end_column, loc.column)
    props = [
        ("file", loc.filename),
        ("line", str(loc.row)),
        ("col", str(loc.column)),
        ("endLine", str(end_row)),
        ("endColumn", str(end_col)),
        ("title", f"torchlint ({d.code})"),
    ]
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    text = f"{loc.filename}:{loc.row}:{loc.column}: {d.code} {d.message}"
    return f"::{COMMAND[d.severity]} {head}::{escape_data(text)}"


def render(result: CheckResult) -> str:
    out = [annotation(d) for d in result.diagnostics]
    plain = concise.render(result, color=False)
    # The token depends on the text it guards: a message cannot contain a hash of itself.
    token = "torchlint-" + hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    out.append(f"::stop-commands::{token}")
    out.append(plain.rstrip("\n"))
    out.append(f"::{token}::")
    return "\n".join(out) + "\n"
