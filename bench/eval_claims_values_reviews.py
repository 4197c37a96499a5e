"""False positives of the claims, values, commercial, absolute-word and substance detectors on
real reviews: how many ordinary consumer reviews get each rule?

The 62,774 e-commerce reviews almost never make medical, aesthetic, education or health-food
claims, carry clickbait or unreported adverts, so nearly every `claim.*`, `values.*` and
`commercial.soft_ad` hit is a false positive (the printed excerpts let a reader judge). The
reviews are checked as notes (kind="note"), the strictest setting for these rules; absolute words
are expected there (最好的酒店 is a real superlative) and are warnings in ordinary notes.

    uv run python bench/eval_claims_values_reviews.py [CSV] [--limit N] [--show N]

CSV defaults to ../shared/data/reviews/online_shopping_10_cats.csv (columns cat,label,review);
the script exits cleanly when it is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from redline.checks import check_text

sys.path.insert(0, str(Path(__file__).parent))
from reviews import DEFAULT_CSV, read_reviews  # noqa: E402

FAMILIES = ("claim", "values", "commercial", "adlaw")
SUBSTANCE_RULES = ("substance.science_no_source", "substance.low_information")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--limit", type=int, default=None, help="only the first N reviews")
    parser.add_argument("--show", type=int, default=5, help="print at most N excerpts per rule")
    args = parser.parse_args(argv)
    if not args.csv.exists():
        print(f"reviews not found at {args.csv}; nothing to evaluate")
        return 0

    reviews = read_reviews(args.csv, args.limit)
    texts_with = Counter()  # (rule, severity) → reviews with at least one such finding
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    started = time.perf_counter()
    for cat, review in reviews:
        seen = set()
        for finding in check_text(review, kind="note").findings:
            if finding.family not in FAMILIES and finding.rule not in SUBSTANCE_RULES:
                continue
            key = (finding.rule, finding.severity)
            if key in seen:
                continue
            seen.add(key)
            texts_with[key] += 1
            if len(examples[key]) < args.show:
                start = max(0, finding.start - 12)
                examples[key].append(f"[{cat}] …{review[start:finding.end + 12]}…  ← {finding.excerpt}")
    elapsed = time.perf_counter() - started

    total = len(reviews)
    print(f"{total} reviews checked as notes in {elapsed:.1f} s")
    print(f"{'rule':<32}{'severity':<11}{'reviews':>9}{'share':>9}")
    for (rule, severity), count in sorted(texts_with.items(), key=lambda item: -item[1]):
        print(f"{rule:<32}{severity:<11}{count:>9}{count / total:>9.3%}")
    for family in ("claim", "values"):
        flagged = sum(count for (rule, _), count in texts_with.items() if rule.startswith(family + "."))
        print(f"any {family}.* (summed over rules): {flagged / total:.3%}")
    for (rule, severity), lines in sorted(examples.items()):
        if not lines:
            continue
        print(f"\n== {rule} ({severity})")
        for line in lines:
            print("  " + line.replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
