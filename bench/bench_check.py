"""The whole pre-publish check vs a bare pyahocorasick scan of the same word lists.

Both sides get the same texts. The peer builds a pyahocorasick automaton over every word in the
detectors' vocabularies and iterates its matches over the raw text — the least work any
word-list checker must do. redline normalises, scans, runs every detector, builds findings.
Target (issue 2): redline's throughput ≥ 0.5× the bare scan's, on notes of ~300 characters and
on comments of ~40 characters.

    uv run python bench/bench_check.py [--reviews PATH] [--texts N] [--repeat R]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from pathlib import Path

import ahocorasick

from redline.checks import CheckRequest, checker_for

DEFAULT_REVIEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "reviews" / "online_shopping_10_cats.csv"

# Used when the real reviews are not present: sentences in the style of notes and comments.
_SYNTHETIC_SENTENCES = [
    "今天给大家分享一下我最近在用的这款面霜", "混干皮使用三天后T区出油明显减少", "质地很清爽，上脸不黏腻",
    "价格有点小贵，但是效果确实不错", "包装很精致，送人也很合适", "敏感肌用了也没有泛红",
    "味道淡淡的很好闻", "物流很快，第二天就到了", "客服态度很好，有问必答", "下次还会回购的",
    "感觉一般，没有宣传的那么好", "用了一个月皮肤状态稳定了很多", "适合学生党的平价好物",
    "通勤路上也能轻松补妆", "这个颜色显白，黄皮也能驾驭",
]


def load_texts(reviews: Path, count: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """(notes ~300 chars, comments ~40 chars) built from real reviews when present."""
    rng = random.Random(seed)
    if reviews.exists():
        with reviews.open(encoding="utf-8") as handle:
            pool = [row["review"] for row in csv.DictReader(handle) if row.get("review")]
    else:
        pool = [rng.choice(_SYNTHETIC_SENTENCES) + "，" + rng.choice(_SYNTHETIC_SENTENCES) for _ in range(5000)]
    comments = [text for text in pool if 30 <= len(text) <= 50]
    rng.shuffle(comments)
    notes = []
    while len(notes) < count:
        parts, length = [], 0
        while length < 300:
            part = rng.choice(pool)
            parts.append(part)
            length += len(part)
        notes.append("".join(parts)[:300])
    return notes, comments[:count]


def bare_scan(automaton, texts: list[str]) -> int:
    matches = 0
    for text in texts:
        for _end, _value in automaton.iter(text):
            matches += 1
    return matches


def whole_check(checker, texts: list[str], kind: str) -> int:
    findings = 0
    for text in texts:
        findings += len(checker.check(CheckRequest(text=text, kind=kind)).findings)
    return findings


def interleaved_rates(functions: dict, texts: list[str], repeat: int, chunk: int = 50) -> dict[str, float]:
    """Texts per second of each function. The texts are cut into chunks; on each chunk every
    function runs `repeat` times in turn and keeps its best time, chunk after chunk, so the shared
    machine's changing load (other jobs, CPU steal) hits all of them alike."""
    totals = dict.fromkeys(functions, 0.0)
    for first in range(0, len(texts), chunk):
        part = texts[first : first + chunk]
        best = dict.fromkeys(functions, float("inf"))
        for _ in range(repeat):
            for name, function in functions.items():
                start = time.perf_counter()
                function(part)
                best[name] = min(best[name], time.perf_counter() - start)
        for name in functions:
            totals[name] += best[name]
    return {name: len(texts) / total for name, total in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=Path, default=DEFAULT_REVIEWS)
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    checker = checker_for()
    words = checker.vocabulary_words  # the same word lists the detectors use
    automaton = ahocorasick.Automaton()
    for index, word in enumerate(words):
        automaton.add_word(word, index)
    automaton.make_automaton()

    notes, comments = load_texts(args.reviews, args.texts)
    whole_check(checker, notes[:50], "note")  # warm caches (normaliser table, automaton)
    print(f"vocabulary: {len(words)} words; detectors: {[d.family for d in checker.detectors]}")
    print(f"texts: {len(notes)} notes (~{statistics.mean(map(len, notes)):.0f} chars), "
          f"{len(comments)} comments (~{statistics.mean(map(len, comments)):.0f} chars); "
          f"best of {args.repeat} per chunk of 50, both sides in turn")
    print()
    print(f"{'texts':<10}{'bare pyahocorasick /s':>24}{'redline check /s':>20}{'ratio':>10}{'target':>9}")
    for label, texts, kind in (("notes", notes, "note"), ("comments", comments, "comment")):
        rates = interleaved_rates(
            {"bare": lambda ts: bare_scan(automaton, ts), "check": lambda ts, kind=kind: whole_check(checker, ts, kind)},
            texts,
            args.repeat,
        )
        bare, ours = rates["bare"], rates["check"]
        ratio = ours / bare
        print(f"{label:<10}{bare:>24,.0f}{ours:>20,.0f}{ratio:>10.2f}{'≥ 0.50':>9}  {'ok' if ratio >= 0.5 else 'BELOW'}")


if __name__ == "__main__":
    main()
