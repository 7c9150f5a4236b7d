"""A TLS context whose trust store is read on the first TLS connection, not when it is made.

httpx builds its transport's SSL context up front, and reading the CA bundle costs 30-70 ms on
a small machine: more than the whole network part of a check against a plain-HTTP mirror or
an index that turns out to be cached. This context is verified exactly as httpx's default one
(``CERT_REQUIRED``, host names checked; ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set, else
certifi's bundle) but loads the trust store under a lock the first time a socket or BIO is
wrapped, so runs that never speak TLS never pay for it.
"""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Mapping
from typing import Any


class LazyTrustContext(ssl.SSLContext):
    """``ssl.create_default_context()``-equivalent whose CA certificates load on first use."""

    _environ: Mapping[str, str]
    _loaded: bool
    _load_lock: threading.Lock

    def __new__(cls, environ: Mapping[str, str] | None = None) -> LazyTrustContext:
        ctx = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)
        return ctx

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        # PROTOCOL_TLS_CLIENT already means CERT_REQUIRED and check_hostname=True.
        self._environ = dict(os.environ if environ is None else environ)
        self._loaded = False
        self._load_lock = threading.Lock()

    def ensure_trust(self) -> None:
        """Load the trust store now (idempotent, thread-safe)."""
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded:
                return
            cafile = self._environ.get("SSL_CERT_FILE")
            capath = self._environ.get("SSL_CERT_DIR")
            if cafile:
                self.load_verify_locations(cafile=cafile)
            elif capath:
                self.load_verify_locations(capath=capath)
            else:
                import certifi

                self.load_verify_locations(cafile=certifi.where())
            self._loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # type: ignore[override]
        self.ensure_trust()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:  # type: ignore[override]
        self.ensure_trust()
        return super().wrap_bio(*args, **kwargs)
