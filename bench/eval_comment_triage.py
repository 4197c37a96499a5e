"""Comment triage on real reviews used as stand-in comments (SPEC R-CRE, R-TXT-8).

../shared/data/reviews/online_shopping_10_cats.csv: 62,774 Chinese shopping reviews labelled
positive (1) / negative (0). Almost none hide contact details, so the share labelled *block*
should be near zero; *fold* is compared with the negative labels (precision / recall). The peer
in the same run folds with SnowNLP's sentiment (< 0.5 = negative), the usual off-the-shelf tool.
Also reported: the summary's negative share (index definition) against the true negative share,
and the share labelled answer-first.

    uv run python bench/eval_comment_triage.py [--sample 4000] [--seed 7] [--show-blocked 10]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

from redline.checks.registry import DETECTOR_MODULES
from redline.creator.comments import CommentInput, triage
from redline.policy import default_policy

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "reviews" / "online_shopping_10_cats.csv"


def load(path: Path, sample: int, seed: int) -> list[tuple[str, str, int]]:
    with path.open(encoding="utf-8") as handle:
        rows = [(r["cat"], r["review"].lstrip("\ufeff"), int(r["label"])) for r in csv.DictReader(handle) if r["review"]]
    random.Random(seed).shuffle(rows)
    return rows[:sample] if sample else rows


def precision_recall(predicted: list[bool], truth: list[bool]) -> tuple[float, float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth))
    fp = sum(p and not t for p, t in zip(predicted, truth))
    fn = sum(t and not p for p, t in zip(predicted, truth))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sample", type=int, default=4000, help="reviews to use (0 = all)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-blocked", type=int, default=10)
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"data not found: {args.data}")

    policy = default_policy()
    rows = load(args.data, args.sample, args.seed)
    comments = [CommentInput(str(i), text) for i, (_, text, _) in enumerate(rows)]
    truth = [label == 0 for _, _, label in rows]
    print(f"{len(rows)} reviews (seed {args.seed}), {sum(truth)} negative; detectors: {', '.join(DETECTOR_MODULES)}")

    triage([CommentInput("warm", "预热")], policy)  # compile the detectors outside the timing
    started = time.perf_counter()
    result = triage(comments, policy)
    redline_seconds = time.perf_counter() - started
    folded = [c.label == "fold" for c in result.comments]
    scored = sum(c.negative is not None for c in result.comments)

    from snownlp import SnowNLP

    started = time.perf_counter()
    peer_negative = [SnowNLP(text).sentiments < 0.5 for _, text, _ in rows]
    peer_seconds = time.perf_counter() - started

    n = len(rows)
    blocked = [c for c in result.comments if c.label == "block"]
    p, r, f = precision_recall(folded, truth)
    pp, pr, pf = precision_recall(peer_negative, truth)
    print(f"{'':38} {'redline triage':>16} {'SnowNLP < 0.5 (peer)':>22}")
    print(f"{'block share':38} {len(blocked) / n:>16.2%} {'-':>22}")
    print(f"{'fold precision (vs negative labels)':38} {p:>16.1%} {pp:>22.1%}")
    print(f"{'fold recall':38} {r:>16.1%} {pr:>22.1%}")
    print(f"{'fold F1':38} {f:>16.1%} {pf:>22.1%}")
    share = result.summary.negative_share
    print(f"{'summary negative share (true ' + format(sum(truth) / n, '.1%') + ')':38} {'unknown' if share is None else format(share, '.1%'):>16} {sum(peer_negative) / n:>22.1%}")
    print(f"{'answer-first share':38} {result.summary.labels['answer-first'] / n:>16.2%} {'-':>22}")
    print(f"{'comments per second':38} {n / redline_seconds:>16,.0f} {n / peer_seconds:>22,.0f}")
    if not scored:
        print("note: no sentiment scores (the sentiment detector is not installed): nothing can be folded")
    for comment in blocked[: args.show_blocked]:
        why = "；".join(f"{r.kind}「{r.excerpt}」" for r in comment.reasons if r.kind not in ("negative", "question"))
        print(f"  blocked: {why} — {comment.text[:70]}")


if __name__ == "__main__":
    main()
