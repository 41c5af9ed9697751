"""The floors of docs/architecture.md, checked on every import in the code: a lower floor
never imports a higher one, and wire formats stay pure (no ORM, no app)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "issues", "ingest", "alerts")
# What each package may import of ours (errorhub, the ground floor, is always allowed).
ALLOWED = {
    "errorhub": set(),
    "accounts": {"accounts"},
    "issues": {"accounts", "issues"},
    "ingest": {"accounts", "issues", "ingest"},
    "alerts": {"accounts", "issues", "alerts"},
}


def imports_of(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def sources(package):
    return [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("package", list(ALLOWED))
def test_no_floor_imports_a_higher_one(package):
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(package)
        for name in imports_of(path)
        if name.split(".")[0] in APPS and name.split(".")[0] not in ALLOWED[package]
    ]
    assert wrong == []


def test_wire_formats_are_pure():
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources("ingest/formats")
        for name in imports_of(path)
        if (name.split(".")[0] in APPS and not name.startswith("ingest.formats"))
        or name.startswith(("django.db", "django.http", "rest_framework"))
    ]
    assert wrong == []


def test_the_check_sees_a_wrong_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from issues.models import Issue\nimport django.db.models\n")
    assert list(imports_of(bad)) == ["issues.models", "django.db.models"]
