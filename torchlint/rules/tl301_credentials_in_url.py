"""## What it does
Finds a user name and password, or a token, written into an index URL (`[[tool.uv.index]]`,
`index-url`, `extra-index-url`, `find-links`, and the index URLs of the other managers) or a
direct requirement URL: `https://user:secret@host/simple`, `https://token@host/simple`,
`?token=...`. Messages show the URL masked.

## Why is this bad?
`pyproject.toml` is committed, copied into images and printed in CI logs; uv also writes index
URLs into `uv.lock` (credentials are stripped there, but not from every tool's output). A
secret in the file is a leaked secret. uv reads credentials for a named index from
`UV_INDEX_<NAME>_USERNAME` / `UV_INDEX_<NAME>_PASSWORD`, from netrc or from a keyring, so the
URL never needs them.

## Example
```toml
[[tool.uv.index]]
name = "internal"
url = "https://deploy:s3cr3t@mirror.example.invalid/pytorch/whl/cu128"
explicit = true
```

## Use instead
```toml
[[tool.uv.index]]
name = "internal"
url = "https://mirror.example.invalid/pytorch/whl/cu128"
explicit = true
authenticate = "always"
```
and export `UV_INDEX_INTERNAL_USERNAME` / `UV_INDEX_INTERNAL_PASSWORD` (or use netrc).

## Fix safety
No automatic fix: the credentials must be moved to the environment or netrc first, and the
secret should be rotated because it has been committed.

## References
- uv docs, "Indexes": providing credentials
"""

from __future__ import annotations

from collections.abc import Iterator

from torchlint.diagnostics import Diagnostic
from torchlint.index.urls import redact, split_credentials
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.config_helpers import config_urls

RULE = Rule(
    code="TL301",
    name="credentials-in-url",
    severity="warning",
    needs="config",
    summary="user:password or a token written into an index URL",
)


def has_secret(url: str) -> bool:
    """True when *url* carries userinfo (user, user:password, token) or a secret-looking query."""
    _, creds = split_credentials(url)
    if creds is not None and (creds[0] or creds[1]):
        return True
    return redact(url) != url


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for cu in config_urls(ctx.project):
        if not has_secret(cu.url):
            continue
        _, creds = split_credentials(cu.url)
        kind = (
            "a user name and password"
            if creds is not None and creds[1]
            else "a token or user name"
            if creds is not None
            else "a secret query parameter"
        )
        yield ctx.diagnostic(
            f"{cu.what} carries {kind} in the URL: the secret is committed with the "
            "configuration and shows up wherever the URL is printed",
            cu.location,
            help="remove the credentials from the URL and provide them with `UV_INDEX_<NAME>_USERNAME` / "
            "`UV_INDEX_<NAME>_PASSWORD`, netrc or a keyring; rotate the exposed secret",
        )


EXAMPLES = (
    Example(
        "bad",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch>=2.7"]

[tool.uv.sources]
torch = { index = "internal" }

[[tool.uv.index]]
name = "internal"
url = "https://deploy:hunter2@mirror.example.invalid/pytorch/whl/cu128"
explicit = true
""",
        expect=("TL301",),
        title="a password in an index URL",
    ),
    Example(
        "good",
        """\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = ["torch>=2.7"]

[tool.uv.sources]
torch = { index = "pytorch-cu128" }

[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
explicit = true
authenticate = "never"
""",
    ),
)
