"""axe-core in the page (axe-playwright-python ships its JS: no download):
WCAG 2.1 A and AA rules only, violations as readable lines."""

from __future__ import annotations

from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    targets: list[str]
    message: str

    def __str__(self) -> str:
        return (
            f"{self.rule} ({self.impact}) at {', '.join(self.targets)}: {self.message}"
        )


def _message(node: dict) -> str:
    # axe explains a failed node in "any" (none of these passed), "all" or "none".
    checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
    return "; ".join(check["message"] for check in checks) or node["failureSummary"]


def _selector(target: str | list[str]) -> str:
    # A list of selectors: the element sits in an iframe (outer first).
    return " >>> ".join(target) if isinstance(target, list) else target


def axe_violations(page) -> list[Violation]:
    """One entry per failing element of the page as it is now."""
    options = {
        "runOnly": {"type": "tag", "values": WCAG_21_AA},
        "resultTypes": ["violations"],
    }
    results = _axe.run(page, options=options).response
    return [
        Violation(
            rule=violation["id"],
            impact=node.get("impact") or violation.get("impact") or "unknown",
            targets=[_selector(target) for target in node["target"]],
            message=_message(node),
        )
        for violation in results["violations"]
        for node in violation["nodes"]
    ]


def report(violations: list[Violation]) -> str:
    return "\n".join(f"- {v}" for v in violations) or "none"
