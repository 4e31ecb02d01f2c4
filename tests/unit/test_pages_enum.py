"""Page keys in access checks are the ``Page`` enum (or the two named keys), never string literals.

Why: a misspelt literal ("invoice" for "invoices") is a check that silently refuses everyone, or a
menu entry that never shows, and nothing fails. ``Page.INVOICES`` misspelt is an error at import.
"""

from __future__ import annotations

import ast
from pathlib import Path

from portal.core.principal import ADVANCED_REPORTS, DASHBOARD
from portal.models import Page

ROOT = Path(__file__).resolve().parents[2]
KEYS = {p.value for p in Page} | {DASHBOARD, ADVANCED_REPORTS}
# Calls whose page argument is an access check: a principal's can/require, the state's scope and
# guard, the shell's page registry, a refusal, and a Reflex list of the login's pages.
CHECKS = {"can", "require", "_scope", "guard", "template", "AccessDenied", "contains"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _key(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in KEYS


def _keys_within(node: ast.AST) -> list[ast.AST]:
    return [n for n in ast.walk(node) if _key(n)]


def _pageish(node: ast.AST) -> bool:
    text = ast.unparse(node).lower()
    return "page" in text or "denied" in text or "granted" in text


def _page_parameters(tree: ast.AST) -> dict[str, int]:
    """The functions of a module that take a ``page``, and its position."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
            if "page" in names:
                found[node.name] = names.index("page")
    return found


def _page_arguments(takes_page: dict[str, int], call: ast.Call) -> list[ast.AST]:
    """What a call passes for a ``page`` parameter of a function defined in the same module."""
    passed: list[ast.AST] = [k.value for k in call.keywords if k.arg == "page"]
    at = takes_page.get(_name(call.func))
    if at is not None and at < len(call.args):
        passed.append(call.args[at])
    return passed


def page_literals(source: str) -> list[int]:
    """Line numbers where a page key is spelt as a string in an access check."""
    tree = ast.parse(source)
    takes_page = _page_parameters(tree)
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in CHECKS:
            found += [a for a in [*node.args, *(k.value for k in node.keywords)] if _key(a)]
        elif isinstance(node, ast.Call):
            found += [a for a in _page_arguments(takes_page, node) if _key(a)]
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_pageish(o) for o in operands if not _key(o)):
                found += [o for o in operands if _key(o)]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if node.value is not None and any("PAGE" in _name(t) for t in targets):
                found += _keys_within(node.value)
        elif isinstance(node, ast.arguments):
            named = [*node.posonlyargs, *node.args]
            defaults = list(zip(named[len(named) - len(node.defaults) :], node.defaults, strict=True))
            defaults += [(a, d) for a, d in zip(node.kwonlyargs, node.kw_defaults, strict=True) if d]
            found += [d for a, d in defaults if "page" in a.arg and _key(d)]
    return sorted({n.lineno for n in found})


def test_no_access_check_spells_a_page_key():
    offenders = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for number in page_literals(source):
            offenders.append(f"{path.relative_to(ROOT)}:{number}: {lines[number - 1].strip()}")
    assert offenders == []


def test_the_rule_catches_each_spelling():
    spellings = [
        'scope.can("quotes")',
        'scope.require("invoices")',
        'scope = self._scope("dashboard")',
        'SessionState.guard("jobs")',
        'raise AccessDenied("sites")',
        'rx.cond(SessionState.pages.contains("assets"), x)',
        '@template("/reports", "Reports", "reports")\ndef f(): pass',
        'ok = "invoices" in contact["pages"]',
        'shown = SessionState.denied == "advanced_reports"',
        'PAGE = "quotes"',
        'PAGE: ClassVar[str] = "jobs"',
        'PAGE_OF = {"quote": "quotes"}',
        'def _scope(self, page: str = "dashboard"): pass',
        'def line(title, page): pass\nline("Jobs", "jobs")',
        'def line(title, page): pass\nline("Jobs", page="jobs")',
    ]
    for source in spellings:
        assert page_literals(source) != [], source


def test_the_rule_leaves_other_words_alone():
    for source in [
        "scope.can(Page.QUOTES)",
        'row = {"assets": "3"}',
        'errors["assets"] = "Add at most 20 assets."',
        'self._set_error("assets")',
        'path = ROOT / "assets" / name',
        'counted = [("invoices", Invoice)]',
        "scope = self._scope(DASHBOARD)",
        'def line(title, page): pass\nline("jobs", Page.JOBS)',
    ]:
        assert page_literals(source) == [], source
