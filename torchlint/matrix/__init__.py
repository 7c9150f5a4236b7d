"""``torchlint matrix``: what uv locks and installs on every target, as a table, JSON or a page.

The matrix is a view of the resolution model (:mod:`torchlint.resolution`), never a second
computation: :mod:`~torchlint.matrix.build` turns the model's outcomes into rows (a platform and a
run of Pythons with the same answer) and cells (one per package: version, index, backend, or why
there is nothing), per fork; :mod:`~torchlint.matrix.terminal`, :mod:`~torchlint.matrix.json_format`
and :mod:`~torchlint.matrix.html` render that one structure. ``torchlint check --output-format
html`` shows the same matrix first.
"""
