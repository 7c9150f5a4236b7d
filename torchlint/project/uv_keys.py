"""The keys uv accepts in ``[tool.uv]``, an index table and a source table.

Used to find settings uv silently ignores (a misspelled ``souces`` in ``[tool.uv]`` is only a
warning in uv, and unknown keys in ``[[tool.uv.index]]`` are not reported at all). Kept as data
here because it is a property of uv's configuration schema, not of any index.
"""

from __future__ import annotations

UV_KEYS = frozenset(
    """
    required-version native-tls offline no-cache cache-dir preview python-preference python-downloads
    concurrent-downloads concurrent-builds concurrent-installs index index-url extra-index-url no-index
    find-links index-strategy keyring-provider allow-insecure-host resolution prerelease fork-strategy
    dependency-metadata config-settings config-settings-package no-build-isolation
    no-build-isolation-package extra-build-dependencies extra-build-variables exclude-newer
    exclude-newer-package link-mode compile-bytecode no-sources upgrade upgrade-package reinstall
    reinstall-package no-build no-build-package no-binary no-binary-package python-install-mirror
    pypy-install-mirror python-downloads-json-url publish-url trusted-publishing check-url add-bounds
    pip cache-keys override-dependencies constraint-dependencies build-constraint-dependencies
    exclude-dependencies environments required-environments conflicts workspace sources
    dev-dependencies default-groups dependency-groups managed package build-backend torch-backend
    prerelease-package system-certs http-proxy https-proxy no-proxy build-dependencies
    """.split()
)

INDEX_KEYS = frozenset(
    "name url explicit default format authenticate ignore-error-codes cache-control publish-url".split()
)

SOURCE_KEYS = frozenset(
    "index git rev tag branch lfs subdirectory path editable package url workspace marker extra group".split()
)
