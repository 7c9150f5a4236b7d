"""``--output-format json-lines``: one JSON object per diagnostic per line (the ``json`` objects).

No envelope and no summary, so a consumer can stream it and ``split("\\n")`` it. ``json.dumps``
escapes every control character, and the three characters some line splitters also break on
(U+0085, U+2028, U+2029) are escaped here too, so each object is exactly one physical line.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchlint.check import CheckResult

_LINE_BREAKERS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _dump(obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
    # These characters can only occur inside JSON strings, where \\uXXXX means the same.
    for raw, escaped in _LINE_BREAKERS.items():
        text = text.replace(raw, escaped)
    return text


def render(result: CheckResult) -> str:
    return "".join(_dump(d.to_json()) + "\n" for d in result.diagnostics)
