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


def parse_requirement(raw: str) -> tuple[Requirement | None, str]:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
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
