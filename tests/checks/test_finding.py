"""The request, findings and result of a check: plain slotted dataclasses (not frozen, for speed;
see `checks/finding.py`) that still compare and hash by their fields."""

from __future__ import annotations

import pytest

from redline.checks import CheckRequest, CheckResult, check


def test_requests_and_findings_compare_and_hash_by_their_fields():
    request = CheckRequest(text="加我微信 abc123，评论区见", kind="comment")
    same = CheckRequest(text="加我微信 abc123，评论区见", kind="comment")
    assert request == same and hash(request) == hash(same) and len({request, same}) == 1
    first, again = check(request), check(same)
    assert first.findings and first.findings == again.findings
    assert {hash(f) for f in first.findings} == {hash(f) for f in again.findings}


def test_slots_keep_out_unknown_attributes():
    request = CheckRequest(text="好用")
    with pytest.raises(AttributeError):
        request.txet = "typo"  # type: ignore[attr-defined]


def test_result_dict_is_the_json_shape():
    result = check(CheckRequest(text="加我微信 abc123", kind="comment"))
    assert isinstance(result, CheckResult)
    data = result.to_dict()
    assert list(data) == ["verdict", "findings", "scores", "policy_version", "notes"]
    assert list(data["findings"][0]) == [
        "rule", "severity", "start", "end", "excerpt", "evidence", "advice", "points", "sanction", "field", "family"
    ]
