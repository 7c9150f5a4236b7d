"""torchlint: lint PyTorch package-index configuration before the resolver runs.

The package is organised by the data flow of docs/architecture.md:
``project/`` (loaders and the Project model) -> ``targets`` -> ``routing`` -> ``index/``
(probe: listings, metadata, cache, snapshot) -> ``rules/`` -> ``report/``.
Importing this package must stay cheap: heavy modules (httpx, jinja2) load only when used.
"""

__version__ = "0.1.0"
