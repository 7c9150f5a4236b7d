"""The last line of defence for secrets: mask every credential in what a run prints or writes.

Rules and notes already name URLs through :func:`torchlint.index.urls.redact`, but some output
quotes the checked file itself (``--diff``, a fix's edit in JSON, a source excerpt), and a
message can quote a value the author wrote. So everything that leaves the process through
stdout, stderr or ``-o`` passes through :func:`mask` once, just before it is written:

* URL user-info (``scheme://user:pass@``) is masked where it appears;
* query values with a secret-like name (``?token=...``) are masked;
* every secret the run knows of (passwords and tokens in the checked files' URLs, in
  ``UV_INDEX_<NAME>_PASSWORD`` and the index URL variables, in netrc, in the arguments) is
  replaced wherever it appears, also URL-encoded.

The file ``--fix`` writes is not touched: it keeps its credentials.
"""

from __future__ import annotations

import netrc
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import quote, unquote

from torchlint.index.urls import redact_text, split_credentials

#: Shorter values are not replaced as bare strings (they would garble unrelated text); in a URL
#: they are still masked by their position.
MIN_SECRET = 4
_SECRET_QUERY = re.compile(
    r"(?i)([?&](?:[^=&#\s\"'<>]*(?:token|key|passw|secret|signature|auth|credential)[^=&#\s\"'<>]*)=)"
    r"([^&#\s\"'<>]+)"
)
_URL_ENV = (
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_INDEX",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
)


def secrets_in_url_text(text: str) -> set[str]:
    """Passwords/tokens of the URLs inside *text* (user-info and secret-named query values)."""
    out: set[str] = set()
    for url in _urls(text):
        _, creds = split_credentials(url)
        if creds is not None:
            user, password = creds
            out.add(password or user)  # a lone ``token@host`` is a secret too
        for q in _SECRET_QUERY.finditer(url):
            out.add(unquote(q.group(2)))
            out.add(q.group(2))
    return {s for s in out if s}


_SCHEME_TAIL = re.compile(r"[a-z][a-z0-9+.-]*\Z", re.IGNORECASE)
_URL_BODY = re.compile(r"[^\s\"'<>`]+")


def _urls(text: str) -> list[str]:
    """The URLs in *text*, found from each ``://`` (linear: a 10 MB file is scanned once)."""
    out = []
    pos = text.find("://")
    while pos >= 0:
        head = _SCHEME_TAIL.search(text, max(0, pos - 32), pos)
        body = _URL_BODY.match(text, pos + 3)
        if head is not None and body is not None:
            out.append(text[head.start() : body.end()])
        pos = text.find("://", pos + 3)
    return out


def secrets_in_env(env: Mapping[str, str]) -> set[str]:
    out: set[str] = set()
    for name, value in env.items():
        upper = name.upper()
        if upper.startswith("UV_INDEX_") and upper.endswith("_PASSWORD") and value:
            out.add(value)
        elif upper in _URL_ENV or upper.endswith("_INDEX_URL"):
            out |= secrets_in_url_text(value)
    return out


def secrets_in_netrc(env: Mapping[str, str]) -> set[str]:
    path = env.get("NETRC") or str(Path.home() / ".netrc")
    try:
        if not os.path.isfile(path):
            return set()
        hosts = netrc.netrc(path).hosts
    except (OSError, netrc.NetrcParseError, RuntimeError, UnicodeDecodeError):
        return set()
    out: set[str] = set()
    for _login, account, password in hosts.values():
        out |= {s for s in (account, password) if s}
    return out


class Masker:
    """Masks the secrets a run knows of (see the module docstring); cheap when there are none."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms: set[str] = set()
        for s in secrets:
            if len(s) < MIN_SECRET:
                continue
            forms |= {s, quote(s, safe=""), quote(s)}
        # longest first, so a secret containing another is replaced whole
        self.forms = sorted(forms, key=len, reverse=True)

    @classmethod
    def for_run(cls, env: Mapping[str, str], texts: Iterable[str] = (), argv: Iterable[str] = ()) -> Masker:
        found = secrets_in_env(env) | secrets_in_netrc(env)
        for t in (*texts, *argv):
            found |= secrets_in_url_text(t)
        return cls(found)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = redact_text(text)
        if "=" in text:
            text = _SECRET_QUERY.sub(lambda m: m.group(1) + "***", text)
        for form in self.forms:
            if form in text:
                text = text.replace(form, "***")
        return text


def mask(text: str, masker: Masker | None = None) -> str:
    """Mask *text* with *masker* (or only the URL-shaped secrets when none is given)."""
    return (masker or Masker())(text)
