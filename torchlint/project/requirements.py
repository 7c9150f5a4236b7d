"""Requirement, marker and specifier parsing that reports errors instead of raising.

packaging is the reference implementation of PEP 508/440; these wrappers only turn its
exceptions into a message a diagnostic can carry.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

_CANON = re.compile(r"[-_.]+")


def canonical(name: str) -> str:
    """PEP 503 normalised name (cheap; no packaging import)."""
    return _CANON.sub("-", name).lower()


#: ``name @ url;marker`` with no space before ``;``: PEP 508 wants one, uv (and pip) accept it.
_URL_TIGHT_MARKER = re.compile(r"^(\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*\S+?);(\s*\S.*)$")


#: The common shape ``name[extras] op version, op version ; marker`` (no URL, no parentheses):
#: parsed by parts, with the specifier set and the marker memoised by their text, because a
#: file with a hundred thousand requirements repeats the same few markers and ranges (packaging
#: takes ~90 us per requirement, this ~5 us). Anything else goes to packaging whole.
_SIMPLE = re.compile(
    r"\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[(?P<extras>\s*[A-Za-z0-9][A-Za-z0-9._-]*(?:\s*,\s*[A-Za-z0-9][A-Za-z0-9._-]*)*\s*)\])?\s*"
    r"(?P<spec>(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+"
    r"(?:\s*,\s*(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+)*)?\s*"
    r"(?:;\s*(?P<marker>[^;]*?))?\s*"
)
_SPECS: dict[str, SpecifierSet | None] = {}
_MARKERS: dict[str, Marker | None] = {}
_MEMO_CAP = 4096


def _memo_spec(text: str) -> SpecifierSet | None:
    hit = _SPECS.get(text, False)
    if hit is False:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            hit = SpecifierSet(text)
        except InvalidSpecifier:
            hit = None
        if len(_SPECS) < _MEMO_CAP:
            _SPECS[text] = hit
    return hit  # type: ignore[return-value]


def _memo_marker(text: str) -> Marker | None:
    hit = _MARKERS.get(text, False)
    if hit is False:
        from packaging.markers import InvalidMarker, Marker

        try:
            hit = Marker(text)
        except InvalidMarker:
            hit = None
        if len(_MARKERS) < _MEMO_CAP:
            _MARKERS[text] = hit
    return hit  # type: ignore[return-value]


def _fast_requirement(raw: str) -> Requirement | None:
    """The common shape parsed by parts (None: not that shape, or a part packaging refuses)."""
    m = _SIMPLE.fullmatch(raw)
    if m is None:
        return None
    spec = _memo_spec(m["spec"] or "")
    if spec is None:
        return None
    marker = None
    if m["marker"] is not None:
        if not m["marker"]:
            return None
        marker = _memo_marker(m["marker"])
        if marker is None:
            return None
    from packaging.requirements import Requirement

    req = Requirement.__new__(Requirement)
    req.name = m["name"]
    req.url = None
    req.extras = {e.strip() for e in m["extras"].split(",")} if m["extras"] else set()
    req.specifier = spec
    req.marker = marker
    return req


def parse_requirement(raw: str) -> tuple[Requirement | None, str]:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        fast = _fast_requirement(raw)
        if fast is not None:
            return fast, ""
        return Requirement(raw), ""
    except InvalidRequirement as e:
        tight = _URL_TIGHT_MARKER.match(raw)
        if tight is not None:
            try:
                return Requirement(f"{tight.group(1)} ;{tight.group(2)}"), ""
            except InvalidRequirement:
                pass
        return None, _one_line(str(e))
    except Exception as e:  # packaging may raise others on pathological input
        return None, _one_line(f"{type(e).__name__}: {e}")


def parse_marker(raw: str) -> tuple[Marker | None, str]:
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(raw), ""
    except InvalidMarker as e:
        return None, _one_line(str(e))
    except Exception as e:
        return None, _one_line(f"{type(e).__name__}: {e}")


def parse_specifier(raw: str) -> SpecifierSet | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(raw)
    except InvalidSpecifier:
        return None
    except Exception:
        return None


def _one_line(msg: str) -> str:
    first = msg.strip().splitlines()[0] if msg.strip() else "invalid"
    return first[:300]
