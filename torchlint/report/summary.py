"""The footer human formats share: counts, what the verdict rests on, skipped rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchlint.check import CheckResult


def counts(result: CheckResult) -> str:
    n = {"error": 0, "warning": 0, "info": 0}
    for d in result.diagnostics:
        n[d.severity] += 1
    hidden = getattr(result, "hidden", 0)
    tail = (
        f" ({hidden} note{'s' if hidden != 1 else ''} on targets the project does not intend, or about "
        "fallbacks and costs, not shown: --pedantic shows them)"
        if hidden
        else ""
    )
    if not result.diagnostics:
        return "All checks passed!" + tail
    parts = [f"{v} {k}{'s' if v != 1 else ''}" for k, v in n.items() if v]
    return "Found " + ", ".join(parts) + "." + tail


def basis(result: CheckResult) -> list[str]:
    lines = []
    if result.origins:
        o = result.origins
        bits = []
        if "live" in o:
            bits.append(
                f"live index data ({result.requests} requests, {result.bytes_received / 1000:.1f} kB)"
            )
        if "cache" in o:
            bits.append("the local cache")
        if "snapshot" in o:
            bits.append(f"the bundled snapshot of {result.snapshot_date} (no live data for these indexes)")
        lines.append("Index facts from " + ", ".join(bits) + ".")
    for code, why in result.skipped:
        lines.append(f"Skipped {code}: {why}.")
    for note in result.notes:
        lines.append(f"Note: {note}.")
    lines.extend(f"{line}." for line in getattr(result, "matrix_notes", ()))
    return lines
