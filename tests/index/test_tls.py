"""The lazily loaded TLS trust store: verified exactly like httpx's default, loaded on first use."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import certifi
import pytest

from torchlint.index.tls import LazyTrustContext


def test_verifies_like_the_default_context() -> None:
    ctx = LazyTrustContext({})
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.check_hostname is True
    assert ctx.get_ca_certs() == []  # nothing read yet


def test_trust_store_loads_once_on_first_wrap() -> None:
    ctx = LazyTrustContext({})
    a, b = socket.socketpair()
    try:
        with pytest.raises((ssl.SSLError, OSError)):
            # the peer speaks no TLS: the handshake fails, but only after the store was loaded
            b.close()
            ctx.wrap_socket(a, server_hostname="example.invalid").do_handshake()
    finally:
        a.close()
    assert len(ctx.get_ca_certs()) > 10
    before = len(ctx.get_ca_certs())
    ctx.ensure_trust()
    assert len(ctx.get_ca_certs()) == before


def test_ssl_cert_file_is_honoured(tmp_path: Path) -> None:
    bundle = tmp_path / "one.pem"
    pem = Path(certifi.where()).read_text()
    first = pem[: pem.index("-----END CERTIFICATE-----") + len("-----END CERTIFICATE-----")]
    bundle.write_text(first[first.index("-----BEGIN CERTIFICATE-----") :] + "\n")
    ctx = LazyTrustContext({"SSL_CERT_FILE": str(bundle)})
    ctx.ensure_trust()
    assert len(ctx.get_ca_certs()) == 1


def test_missing_ssl_cert_file_fails_loudly(tmp_path: Path) -> None:
    ctx = LazyTrustContext({"SSL_CERT_FILE": str(tmp_path / "absent.pem")})
    with pytest.raises(OSError):
        ctx.ensure_trust()


def test_concurrent_first_use_loads_once() -> None:
    ctx = LazyTrustContext({})
    threads = [threading.Thread(target=ctx.ensure_trust) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    once = LazyTrustContext({})
    once.ensure_trust()
    assert len(ctx.get_ca_certs()) == len(once.get_ca_certs()) > 10
