"""## What it does
Finds index, find-links and direct requirement URLs that use plain `http://`, except on a
loopback address (`localhost`, `127.0.0.0/8`, `::1`).

## Why is this bad?
Over plain HTTP anyone on the network path can replace the listing or the wheel: a modified
torch wheel runs arbitrary code at import. Hashes in a lock only help after the first,
trusted resolution; the listing that produced them came over the same unprotected channel.
download.pytorch.org and every public index serve HTTPS.

## Example
```toml
[[tool.uv.index]]
name = "pytorch-cu128"
url = "http://download.pytorch.org/whl/cu128"
explicit = true
```

## Use instead
```toml
[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
explicit = true
```

## Fix safety
No automatic fix: an internal mirror may not serve HTTPS on the same host name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from urllib.parse import urlsplit

from torchlint.diagnostics import Diagnostic
from torchlint.index.urls import redact
from torchlint.rules.base import Example, Rule, RuleContext
from torchlint.rules.config_helpers import config_urls

RULE = Rule(
    code="TL302",
    name="insecure-index",
    severity="warning",
    needs="config",
    summary="an `http://` index URL (loopback aside)",
)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    return parts.scheme.lower() == "http" and not is_loopback(host)


def check(ctx: RuleContext) -> Iterator[Diagnostic]:
    for cu in config_urls(ctx.project):
        if not insecure(cu.url):
            continue
        secure = "https" + redact(cu.url.strip())[4:]
        yield ctx.diagnostic(
            f"{cu.what} uses plain HTTP: listings and wheels can be replaced in transit",
            cu.location,
            help=f"use `{secure}` (or a loopback address for a local test index)",
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
torch = { index = "pytorch-cu128" }

[[tool.uv.index]]
name = "pytorch-cu128"
url = "http://download.pytorch.org/whl/cu128"
explicit = true
""",
        expect=("TL302",),
        title="plain HTTP",
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
""",
        title="HTTPS",
    ),
)
