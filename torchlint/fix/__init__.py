"""Fixes: operations on the TOML document (``ops``), and applying, verifying, diffing and writing
them (``apply``). Rules attach a :class:`torchlint.diagnostics.Fix` whose ``ops`` say what to
change; nothing here knows about any particular rule."""
