"""The check gives, on a sample of real reviews, exactly the results recorded in
`golden/reviews_sample.jsonl`.

The golden file was written by the check as it stood before its fast paths (one automaton for
every word, every detector called on every text, per-match Python loops for the sentiment
evidence: commit 33ac17e), so this test holds the fast paths — detectors skipped without hits,
the separate n-gram pass, the bulk sentiment evidence, the gated patterns — to the same
findings, spans, scores and wording. The sample mixes comments, short and long notes (joined
reviews), product listings with prices, and titled notes, ads, DMs and profiles.

The reviews are evaluation data outside the repository (../shared/data/reviews); without them
the test is skipped. When a detector's behaviour is meant to change, rewrite the file:

    uv run python tests/checks/test_golden_reviews.py --write
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

import pytest

from redline.checks import CheckRequest, checker_for

REVIEWS = Path(__file__).resolve().parents[3] / "shared" / "data" / "reviews" / "online_shopping_10_cats.csv"
GOLDEN = Path(__file__).parent / "golden" / "reviews_sample.jsonl"
_PRICES = (None, 0.1, 5.0, 99.0)
_KINDS = ("note", "ad", "dm", "profile")


def sample_requests(path: Path = REVIEWS) -> list[CheckRequest]:
    """A fixed, varied sample of requests built from the reviews, in a fixed order."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(row.get("cat") or "", row.get("review") or "") for row in csv.DictReader(handle)]
    rows = [(category, review) for category, review in rows if review.strip()]
    requests = [CheckRequest(text=review, kind="comment") for _, review in rows[::40]]
    requests += [CheckRequest(text=review, kind="note", category=category) for category, review in rows[::97]]
    requests += [  # ~300-character notes from consecutive reviews: long-text paths, many clauses
        CheckRequest(text="".join(review for _, review in rows[start : start + 4])[:400], kind="note")
        for start in range(0, len(rows) - 4, 211)
    ]
    requests += [
        CheckRequest(text=review, kind="product", price=_PRICES[number % len(_PRICES)])
        for number, (_, review) in enumerate(rows[1::101])
    ]
    requests += [
        CheckRequest(
            text=review,
            kind=_KINDS[number % len(_KINDS)],
            title=rows[(index + 1) % len(rows)][1][:30],
            disclosed=number % 5 == 0,
            product_attached=number % 3 == 0,
            credentials=frozenset({"food_license"}) if number % 4 == 0 else frozenset(),
        )
        for number, (index, (_, review)) in enumerate(list(enumerate(rows))[2::103])
    ]
    return requests


def result_record(request: CheckRequest) -> dict:
    """What the golden file keeps of one result: the rules found, for reading, and a digest of
    everything else (spans, excerpts, evidence, advice, points, scores, verdict)."""
    result = checker_for().check(request).to_dict()
    result.pop("policy_version")  # the policy's fingerprint is not the detectors' behaviour
    canonical = json.dumps(result, ensure_ascii=False, sort_keys=True)
    return {"rules": [finding["rule"] for finding in result["findings"]], "digest": hashlib.sha256(canonical.encode()).hexdigest()[:20]}


@pytest.mark.skipif(not REVIEWS.exists(), reason="the shared review data is not present")
def test_results_on_real_reviews_match_the_golden_file():
    expected = [json.loads(line) for line in GOLDEN.read_text("utf-8").splitlines() if line.strip()]
    requests = sample_requests()
    assert len(requests) == len(expected)
    differing = [
        (number, request.kind, request.text[:40], record, actual)
        for number, (request, record) in enumerate(zip(requests, expected))
        if (actual := result_record(request)) != record
    ]
    assert not differing, f"{len(differing)} of {len(requests)} results differ, e.g. {differing[:3]}"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/checks/test_golden_reviews.py --write")
    GOLDEN.parent.mkdir(exist_ok=True)
    records = [json.dumps(result_record(request), ensure_ascii=False) for request in sample_requests()]
    GOLDEN.write_text("\n".join(records) + "\n", "utf-8")
    print(f"wrote {len(records)} results to {GOLDEN}")
