"""The boundaries the build checks beyond import-linter's contracts (.importlinter).

import-linter sees modules, not names: a domain reaching for another domain's ``_helper`` would pass
it. This reads every ``from … import`` in portal/ and allows a private name only from the importing
module's own package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every private name the file imports from another package of the portal."""
    here = module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("portal."):
            source_package = node.module.rpartition(".")[0]
            for alias in node.names:
                if alias.name.startswith("_") and not source_package.startswith(here):
                    found.append((node.module, alias.name))
    return found


def test_no_module_imports_a_private_name_from_another_package():
    offences = {
        str(path.relative_to(PORTAL.parent)): hits
        for path in sorted(PORTAL.rglob("*.py"))
        if (hits := private_imports(path))
    }
    assert offences == {}


def test_the_check_sees_a_private_import_across_domains(monkeypatch):
    fake = PORTAL / "services" / "billing" / "charges.py"
    source = (
        "from portal.services.work.quotes import _priced\nfrom portal.services.billing.rows import _own\n"
    )
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: source)
    assert private_imports(fake) == [("portal.services.work.quotes", "_priced")]


@pytest.mark.parametrize("layer", ["services", "core", "models"])
def test_below_the_state_nothing_imports_reflex(layer):
    """Also an import-linter contract; here so that a plain pytest run reports it too."""
    for path in (PORTAL / layer).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        assert not [n for n in names if n == "reflex" or n.startswith("reflex.")], path


def reads_the_settings_row(path: Path) -> bool:
    """``select(Contractor…)`` or ``session.get(Contractor, …)``: the settings read directly."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            first = node.args[0]
            table = first.value if isinstance(first, ast.Attribute) else first
            if name in {"select", "get"} and isinstance(table, ast.Name) and table.id == "Contractor":
                return True
    return False


def test_only_the_tenant_reads_the_contractors_settings():
    """Settings are read once per unit of work in core/tenant; the demo sets them up."""
    readers = [
        str(path.relative_to(PORTAL.parent))
        for path in sorted(PORTAL.rglob("*.py"))
        if reads_the_settings_row(path)
    ]
    assert [r for r in readers if not r.startswith("portal/demo/")] == ["portal/core/tenant.py"]
