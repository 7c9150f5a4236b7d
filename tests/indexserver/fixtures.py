"""Pytest fixtures for the local index server.

Register with ``pytest_plugins = ["tests.indexserver.fixtures"]`` in ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.indexserver import IndexServer

IndexServerFactory = Callable[..., IndexServer]


@pytest.fixture(scope="session")
def indexserver_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One wheel cache for the whole session: generated files are keyed by content, so reusable."""
    return tmp_path_factory.mktemp("indexserver-wheels")


@pytest.fixture
def index_server_factory(indexserver_data_dir: Path) -> Iterator[IndexServerFactory]:
    """``factory(world, **IndexServer kwargs) -> started IndexServer``; all are stopped at teardown."""
    servers: list[IndexServer] = []

    def factory(world: dict[str, Any], **kwargs: Any) -> IndexServer:
        kwargs.setdefault("data_dir", indexserver_data_dir)
        server = IndexServer(world, **kwargs)
        servers.append(server)
        return server.start()

    try:
        yield factory
    finally:
        for server in servers:
            server.stop()
