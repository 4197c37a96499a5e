"""Golden corpus of example texts with their expected findings (tests/checks/corpus/*.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redline.checks import CheckRequest, check

CORPUS_DIR = Path(__file__).parent / "corpus"
REQUEST_FIELDS = ("kind", "title", "category", "disclosed", "price", "product_attached")


def _cases():
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line_number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.strip():
                case = json.loads(line)
                yield pytest.param(case, id=f"{path.stem}:{case.get('id', line_number)}")


def _matches(rule: str, pattern: str) -> bool:
    return rule.startswith(pattern[:-1]) if pattern.endswith("*") else rule == pattern


@pytest.mark.parametrize("case", list(_cases()))
def test_corpus_case(case):
    fields = {name: case[name] for name in REQUEST_FIELDS if name in case}
    request = CheckRequest(text=case["text"], credentials=frozenset(case.get("credentials", [])), **fields)
    result = check(request)
    rules = [f.rule for f in result.findings]
    for pattern in case.get("expect", []):
        assert any(_matches(rule, pattern) for rule in rules), f"expected {pattern}, found {rules}"
    for pattern in case.get("absent", []):
        hits = [f for f in result.findings if _matches(f.rule, pattern)]
        assert not hits, f"{pattern} must be absent, found {[(f.rule, f.excerpt, f.evidence) for f in hits]}"
    for rule, severity in case.get("severity", {}).items():
        assert any(f.rule == rule and f.severity == severity for f in result.findings), (rule, severity, result.findings)
    for rule, fragment in case.get("expect_excerpt", {}).items():
        assert any(f.rule == rule and fragment in f.excerpt for f in result.findings), (rule, fragment, result.findings)
    source = {"text": case["text"], "title": case.get("title", "")}
    for finding in result.findings:  # every span is a real slice of what the user wrote
        original = source[finding.field]
        assert 0 <= finding.start <= finding.end <= len(original)
        assert original[finding.start : finding.end] == finding.excerpt
