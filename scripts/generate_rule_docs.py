"""Regenerate rules/*.md from the rule modules (the tests fail when the pages are stale)."""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from torchlint.docs import render_all  # noqa: E402


def main() -> int:
    out = ROOT / "rules"
    out.mkdir(exist_ok=True)
    pages = render_all()
    for stale in out.glob("*.md"):
        if stale.name not in pages:
            stale.unlink()
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} pages to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
