"""uv workspaces the workspace tests share: each a mapping of relative path → file text.

The same files are locked by real uv (``tests/test_workspace_uv.py``) and checked by torchlint
(``tests/test_workspace.py``), so the verdicts are compared on identical input.
"""

from __future__ import annotations

NIGHTLY = """
[[tool.uv.index]]
name = "pytorch-nightly"
url = "https://download.pytorch.org/whl/nightly/cpu"
explicit = true
"""

CPU = """
[[tool.uv.index]]
name = "pytorch-cpu"
url = "https://download.pytorch.org/whl/cpu"
explicit = true
"""

CU128 = """
[[tool.uv.index]]
name = "pytorch-cu128"
url = "https://download.pytorch.org/whl/cu128"
explicit = true
"""


def _root(body: str, members: str = '["packages/*"]', deps: str = "[]") -> str:
    return f"""[project]
name = "mono"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = {deps}

[tool.uv.workspace]
members = {members}
{body}"""


def _member(name: str, deps: str, extra: str = "") -> str:
    return f"""[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = {deps}
{extra}"""


#: The founding case in a workspace: the root routes torch to the explicit nightly index without
#: pytorch-triton; torch is declared by a member. uv fails.
ROOT_ROUTES_MEMBER_DECLARES = {
    "pyproject.toml": _root(
        """
[tool.uv.sources]
torch = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
"""
        + NIGHTLY
    ),
    "packages/trainer/pyproject.toml": _member("trainer", '["torch>=2.5.1"]'),
}

#: The same workspace, fixed: the member declares pytorch-triton and the root routes it too.
ROOT_ROUTES_MEMBER_DECLARES_FIXED = {
    "pyproject.toml": _root(
        """
[tool.uv.sources]
torch = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
pytorch-triton = [{ index = "pytorch-nightly", marker = "sys_platform == 'linux'" }]
"""
        + NIGHTLY
    ),
    "packages/trainer/pyproject.toml": _member(
        "trainer",
        """["torch>=2.5.1", "pytorch-triton ; sys_platform == 'linux'"]""",
    ),
}

#: Two members route torch to different builds: one lock cannot hold both. uv fails.
MEMBERS_DISAGREE = {
    "pyproject.toml": _root(CPU + CU128),
    "packages/cpu-svc/pyproject.toml": _member(
        "cpu-svc", '["torch>=2.5"]', '\n[tool.uv.sources]\ntorch = { index = "pytorch-cpu" }\n'
    ),
    "packages/gpu-svc/pyproject.toml": _member(
        "gpu-svc", '["torch>=2.5"]', '\n[tool.uv.sources]\ntorch = { index = "pytorch-cu128" }\n'
    ),
}

#: The root routes torch to the nightly index (broken without pytorch-triton), the only member that
#: declares torch overrides that source with the stable CPU index: uv uses the member's and locks.
MEMBER_OVERRIDES_ROOT = {
    "pyproject.toml": _root(
        """
[tool.uv.sources]
torch = { index = "pytorch-nightly" }
"""
        + NIGHTLY
        + CPU
    ),
    "packages/trainer/pyproject.toml": _member(
        "trainer", '["torch>=2.5"]', '\n[tool.uv.sources]\ntorch = { index = "pytorch-cpu" }\n'
    ),
}

#: The reverse: the root's source is fine, the member overrides it with the broken nightly route.
MEMBER_OVERRIDES_ROOT_BROKEN = {
    "pyproject.toml": _root(
        """
[tool.uv.sources]
torch = { index = "pytorch-cpu" }
"""
        + NIGHTLY
        + CPU
    ),
    "packages/trainer/pyproject.toml": _member(
        "trainer",
        '["torch>=2.5.1"]',
        '\n[tool.uv.sources]\ntorch = [{ index = "pytorch-nightly", marker = "sys_platform == \'linux\'" }]\n',
    ),
}

#: A correct workspace: torch and torchvision from the explicit CPU index (root sources), a shared
#: library used through ``workspace = true``, an excluded scratch folder. uv locks.
CORRECT = {
    "pyproject.toml": """[project]
name = "mono"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["trainer", "server"]

[tool.uv.workspace]
members = ["packages/*", "libs/common"]
exclude = ["packages/scratch"]

[tool.uv.sources]
trainer = { workspace = true }
server = { workspace = true }
common = { workspace = true }
torch = { index = "pytorch-cpu" }
torchvision = { index = "pytorch-cpu" }
"""
    + CPU,
    "packages/trainer/pyproject.toml": _member(
        "trainer", '["torch>=2.5", "common"]', "\n[tool.uv.sources]\ncommon = { workspace = true }\n"
    ),
    "packages/server/pyproject.toml": _member("server", '["torchvision>=0.20", "common"]'),
    "libs/common/pyproject.toml": _member("common", '["numpy"]'),
    # excluded: its broken route must not count
    "packages/scratch/pyproject.toml": _member(
        "scratch", '["torch>=2.5.1"]', '\n[tool.uv.sources]\ntorch = { index = "nowhere" }\n'
    ),
}

CASES = {
    "root-routes-member-declares": ROOT_ROUTES_MEMBER_DECLARES,
    "root-routes-member-declares-fixed": ROOT_ROUTES_MEMBER_DECLARES_FIXED,
    "members-disagree": MEMBERS_DISAGREE,
    "member-overrides-root": MEMBER_OVERRIDES_ROOT,
    "member-overrides-root-broken": MEMBER_OVERRIDES_ROOT_BROKEN,
    "correct": CORRECT,
}
