"""The pure core stays pure: it imports only the standard library and pydantic."""

from __future__ import annotations

import subprocess
import sys

import dorsum

ADAPTER_LIBRARIES = ("fastapi", "sqlalchemy", "httpx", "typer", "yaml", "rich", "starlette")


def test_core_imports_no_adapter_library() -> None:
    """Importing dorsum.core loads no web, storage, CLI, YAML or terminal library."""
    code = (
        "import sys, dorsum.core, dorsum.core.engine;"
        f"print([m for m in {ADAPTER_LIBRARIES!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_public_api_is_pinned() -> None:
    """`dorsum.__all__` is the documented public surface."""
    assert sorted(dorsum.__all__) == sorted(
        [
            "Assessment",
            "DorsumError",
            "Intake",
            "IntakeError",
            "KnowledgeBaseError",
            "Plan",
            "PlanError",
            "__version__",
            "assess",
            "plan",
        ]
    )
