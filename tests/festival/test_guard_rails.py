"""Guard rails: every audit row names its action through an app's ``audit_actions`` constants."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("festival", "submissions", "media", "judging", "notifications", "announcements")


def record_audit_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "record_audit",
                    "record_change",
                ):
                    calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def _names_constants(expr: ast.expr) -> bool:
    """``audit_actions.X``, a choice between two of them, or a lookup in a table of them."""
    if isinstance(expr, ast.Attribute):
        return isinstance(expr.value, ast.Name) and expr.value.id == "audit_actions"
    if isinstance(expr, ast.IfExp):
        return _names_constants(expr.body) and _names_constants(expr.orelse)
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        return expr.value.id.isupper()  # e.g. _DISCARD_ACTIONS[reason], a dict of constants
    return isinstance(expr, ast.Name) and expr.id == "action"  # a helper passing its own parameter on


def test_every_record_audit_call_names_an_audit_actions_constant() -> None:
    calls = record_audit_calls()
    assert len(calls) > 50
    loose = [
        where
        for where, call in calls
        for keyword in call.keywords
        if keyword.arg == "action" and not _names_constants(keyword.value)
    ]
    assert loose == []
