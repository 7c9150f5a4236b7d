"""``torchlint matrix --output-format html``: one self-contained page (inline CSS, no scripts,
no external assets): a coloured table per fork, gaps red, each gap's reason on hover and listed
under the table. ``check --output-format html`` includes the same table (``_matrix.html.j2``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from jinja2 import Environment

    from torchlint.matrix.build import Matrix


def environment() -> Environment:
    """The jinja2 environment both HTML pages use (autoescape on, undefined names are errors)."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("torchlint", "templates"),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["rich"] = rich
    from torchlint.matrix.build import gap_groups

    env.globals["gap_groups"] = gap_groups
    return env


_CODE = re.compile(r"`([^`]+)`")
_URL = re.compile(r"<(https?://[^\s<>]+)>|(https?://[^\s<>\"'`]*[^\s<>\"'`.,;:)])")


def rich(text: object) -> Markup:
    """A message as HTML: `code` spans as ``<code>``, URLs (``<https://…>`` or bare) as links,
    everything else escaped (nothing in a message can inject markup)."""
    out: list[str] = []
    for i, piece in enumerate(_CODE.split(str(text))):
        if i % 2:
            out.append(f"<code>{escape(piece)}</code>")
            continue
        pos = 0
        for m in _URL.finditer(piece):
            url = m.group(1) or m.group(2)
            out.append(str(escape(piece[pos : m.start()])))
            out.append(f'<a href="{escape(url)}">{escape(url)}</a>')
            pos = m.end()
        out.append(str(escape(piece[pos:])))
    return Markup("".join(out))


def render(matrix: Matrix) -> str:
    from torchlint import __version__

    return environment().get_template("matrix.html.j2").render(version=__version__, matrix=matrix)
