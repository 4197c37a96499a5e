"""Help-desk retrieval accuracy on tests/helpdesk/questions.jsonl (SPEC R-HLP).

For every covered question: is the expected article the answer's first source (top-1) or among
its first three (top-3)? For every uncovered question: is it declined? Two rankers in the same
run: redline's (jieba words + platform vocabulary, BM25) and a peer that indexes character
bigrams with the same BM25 (what one gets without a Chinese segmenter). The end-to-end row is
`redline.helpdesk.ask` itself: senses, thresholds and all.

    uv run python bench/eval_helpdesk.py [--questions tests/helpdesk/questions.jsonl] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rank_bm25 import BM25Okapi

from redline.helpdesk import ask, load_knowledge
from redline.helpdesk.render import render
from redline.helpdesk.retrieval import retriever_for
from redline.policy import default_policy
from redline.text import normalize

ROOT = Path(__file__).resolve().parents[1]


class BigramPeer:
    """BM25 over character bigrams of the same article text: no segmenter, no vocabulary."""

    def __init__(self, policy) -> None:
        knowledge = load_knowledge()
        self.ids = list(knowledge.articles)
        self.stop = sorted(policy.helpdesk.stopwords, key=len, reverse=True)
        mapping = policy.model_dump()
        docs = []
        for a in knowledge.articles.values():
            text = " ".join([a.title, a.title, a.keywords, render(a.body, mapping)])
            docs.append(self.tokens(text))
        self.bm25 = BM25Okapi(docs)

    def tokens(self, text: str) -> list[str]:
        text = normalize(text).text
        for word in self.stop:
            text = text.replace(word, " ")
        runs = re.findall(r"[\w\u4e00-\u9fff]+", text)
        return [run[i : i + 2] for run in runs for i in range(max(1, len(run) - 1))]

    def ranking(self, question: str) -> list[tuple[str, float]]:
        scores = self.bm25.get_scores(self.tokens(question))
        return sorted(((i, float(s)) for i, s in zip(self.ids, scores) if s > 0), key=lambda p: -p[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "tests/helpdesk/questions.jsonl")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()

    policy = default_policy()
    cases = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    covered = [c for c in cases if c["article"]]
    uncovered = [c for c in cases if not c["article"]]
    retriever = retriever_for(policy)
    peer = BigramPeer(policy)

    rows = []
    misses: list[str] = []
    for name, rank in (
        ("jieba + BM25 (redline ranker)", lambda q: [(h.article_id, h.score) for h in retriever.search(q)]),
        ("char bigrams + BM25 (peer)", peer.ranking),
    ):
        top1 = top3 = 0
        for case in covered:
            ids = [i for i, _ in rank(case["q"])]
            top1 += ids[:1] == [case["article"]]
            top3 += case["article"] in ids[:3]
        rows.append((name, top1, top3, "-"))

    top1 = top3 = declined_ok = false_declines = clarified = 0
    for case in covered:
        answer = ask(case["q"], policy, [case["sense"]] if case.get("sense") else [])
        sources = list(answer.sources)
        top1 += sources[:1] == [case["article"]]
        top3 += case["article"] in sources[:3]
        false_declines += answer.declined
        clarified += answer.clarify is not None
        if sources[:1] != [case["article"]]:
            misses.append(f"  {case['q']} → {sources[:3] or ('澄清' if answer.clarify else '拒答')}（应为 {case['article']}）")
    for case in uncovered:
        answer = ask(case["q"], policy)
        declined_ok += answer.declined
        if not answer.declined:
            misses.append(f"  {case['q']} → {list(answer.sources)[:1] or '澄清'}（应拒答）")
    rows.append(("redline ask (end to end)", top1, top3, f"{declined_ok}/{len(uncovered)}"))

    n = len(covered)
    print(f"{len(covered)} covered questions, {len(uncovered)} uncovered; min_score={policy.helpdesk.min_score}")
    print(f"{'ranker':34} {'top-1':>12} {'top-3':>12} {'declined':>9}")
    for name, t1, t3, dec in rows:
        print(f"{name:34} {t1:>3}/{n} {t1 / n:6.1%} {t3:>3}/{n} {t3 / n:6.1%} {dec:>9}")
    print(f"end to end: {false_declines} covered questions wrongly declined, {clarified} answered with a clarifying question")
    if args.show_misses and misses:
        print("misses:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
