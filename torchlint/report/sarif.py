"""``--output-format sarif``: SARIF 2.1.0, shaped for GitHub code scanning.

Decisions:

* ``tool.driver.rules`` lists *every* registered rule, in registry order, so ``ruleIndex`` is
  stable across runs and the log documents the rule set that ran; a code outside the registry
  gets a descriptor built from its diagnostic, appended after them.
* Paths inside the working directory are relative URIs against ``%SRCROOT%`` (declared in
  ``originalUriBaseIds`` as the working directory); paths outside it are absolute ``file:`` URIs.
* Columns are Unicode code points (``columnKind``), 1-based, end exclusive, as in Location.
* ``partialFingerprints.primaryLocationLineHash`` is ``<hash>:<n>``: a hash of the rule code, the
  file and the trimmed text of the first line of the region, and the 1-based occurrence of that
  triple in the run. It does not change when the line moves.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from torchlint import __version__
from torchlint.diagnostics import DOCS_URL

if TYPE_CHECKING:
    from torchlint.check import CheckResult
    from torchlint.diagnostics import Diagnostic, Location
    from torchlint.engine import RuleModule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/torchlint/torchlint"
SRCROOT = "%SRCROOT%"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "info": "recommendation"}
#: Rules that read only the configuration are deterministic; index-data rules depend on what the
#: indexes serve at the time of the run.
PRECISION = {"config": "very-high", "listing": "high", "metadata": "high"}

# "[text](n)" in a SARIF message is an embedded link; escape brackets only where one would be read.
_LINKISH = re.compile(r"\[[^\]]*\]\(")


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _plain(text: str) -> str:
    if _LINKISH.search(text):
        return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return text


def _section(doc: str, title: str) -> str:
    """The body of ``## title`` in a rule docstring, joined into one paragraph."""
    m = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    return " ".join(m.group(1).split()) if m else ""


def _descriptor(rm: RuleModule) -> dict[str, Any]:
    from torchlint.docs import rule_doc

    r = rm.rule
    doc = rule_doc(rm) or r.summary
    summary = _sentence(r.summary[:1].upper() + r.summary[1:])
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": summary[:1024]},
        "fullDescription": {"text": _section(doc, "What it does") or summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": DOCS_URL.format(code=r.code),
        "defaultConfiguration": {"level": LEVEL[r.severity]},
        "properties": {
            "tags": ["torchlint", "packaging", f"needs-{r.needs}"],
            "precision": PRECISION.get(r.needs, "high"),
            "problem.severity": PROBLEM_SEVERITY[r.severity],
            "needs": r.needs,
            "fix": r.fix_availability,
        },
    }


def _fallback_descriptor(d: Diagnostic) -> dict[str, Any]:
    text = _sentence(d.name or d.code)
    return {
        "id": d.code,
        "name": d.name or d.code,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"See {d.url}", "markdown": f"See [{d.code}]({d.url})."},
        "helpUri": d.url,
        "defaultConfiguration": {"level": LEVEL[d.severity]},
        "properties": {"tags": ["torchlint"], "precision": "high"},
    }


class _Artifacts:
    def __init__(self, root: Path) -> None:
        self.root = root

    def location(self, filename: str) -> dict[str, Any]:
        path = Path(filename)
        full = Path(os.path.normpath(path if path.is_absolute() else self.root / path))
        try:
            rel = full.relative_to(self.root)
        except ValueError:
            return {"uri": full.as_uri()}
        return {"uri": quote(rel.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _region(loc: Location) -> dict[str, int]:
    end_line = max(loc.end_row, loc.row)
    end_col = loc.end_column if end_line > loc.row else max(loc.end_column, loc.column)
    return {
        "startLine": max(loc.row, 1),
        "startColumn": max(loc.column, 1),
        "endLine": max(end_line, 1),
        "endColumn": max(end_col, 1),
    }


def _physical(loc: Location, artifacts: _Artifacts) -> dict[str, Any]:
    return {"artifactLocation": artifacts.location(loc.filename), "region": _region(loc)}


def _message(d: Diagnostic) -> str:
    parts = [_sentence(d.message)]
    summary = d.extra.get("targets_summary")
    if summary:
        parts.append(f"Targets: {summary}")
    elif d.targets:
        parts.append("Targets: " + ", ".join(d.targets))
    if d.evidence:
        parts.append("Evidence:\n" + "\n".join(f"- {e}" for e in d.evidence))
    if d.help:
        parts.append(f"Help: {d.help}")
    return _plain("\n\n".join(parts))


def _line_text(loc: Location, sources: dict[str, str]) -> str:
    from torchlint.report.excerpt import source_line

    line = source_line(sources.get(loc.filename), loc.row)
    if line is not None:
        return line.strip()
    # Without the file text, the TOML path is the next most stable thing about the place.
    return loc.toml_path


def line_hash(code: str, uri: str, line_text: str) -> str:
    data = "\0".join((code, uri, line_text)).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:16]


def build(result: CheckResult, sources: dict[str, str], cwd: str | None = None) -> dict[str, Any]:
    """The SARIF log as a dict; *cwd* (default: the working directory) is ``%SRCROOT%``."""
    from torchlint.engine import all_rules

    root = Path(os.path.abspath(cwd or os.getcwd()))
    artifacts = _Artifacts(root)
    rules = [_descriptor(rm) for rm in all_rules()]
    index = {r["id"]: i for i, r in enumerate(rules)}
    seen: dict[tuple[str, str, str], int] = {}
    results = []
    for d in result.diagnostics:
        if d.code not in index:
            index[d.code] = len(rules)
            rules.append(_fallback_descriptor(d))
        primary = _physical(d.location, artifacts)
        key = (d.code, primary["artifactLocation"]["uri"], _line_text(d.location, sources))
        seen[key] = seen.get(key, 0) + 1
        res: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": LEVEL[d.severity],
            "message": {"text": _message(d)},
            "locations": [{"physicalLocation": primary}],
            "partialFingerprints": {"primaryLocationLineHash": f"{line_hash(*key)}:{seen[key]}"},
            "properties": {
                "name": d.name,
                "severity": d.severity,
                "basis": d.basis,
                "targets": list(d.targets),
                "tomlPath": d.location.toml_path,
            },
        }
        if d.related:
            res["relatedLocations"] = [
                {
                    "id": i,
                    "physicalLocation": _physical(r.location, artifacts),
                    "message": {"text": _plain(r.message)},
                }
                for i, r in enumerate(d.related, start=1)
            ]
        if d.fix is not None:
            res["properties"]["fix"] = {"applicability": d.fix.applicability, "message": d.fix.message}
        results.append(res)

    from torchlint.report.summary import basis

    notifications = [{"level": "note", "message": {"text": line}} for line in basis(result)]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    root_uri = root.as_uri()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "torchlint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "files": list(result.files),
            "origins": sorted(result.origins),
            "snapshotDate": result.snapshot_date,
        },
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: CheckResult, sources: dict[str, str]) -> str:
    return json.dumps(build(result, sources), indent=2, ensure_ascii=False) + "\n"
