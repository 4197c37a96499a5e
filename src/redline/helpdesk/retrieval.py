"""Article retrieval: jieba segmentation + BM25 (rank-bm25) over the shipped articles.

Questions and articles go through the same normaliser as the detectors (lower case, simplified,
half-width), then a private jieba tokenizer that knows the platform's words (蒲公英, 薯条, 号店一体,
the glossary's terms, the articles' keyword phrases), so they are kept whole. Search-mode
segmentation also yields the shorter words inside long ones (健康度指数 → 健康度, 指数).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
import jieba
from rank_bm25 import BM25Okapi

from redline.helpdesk.knowledge import Knowledge, load_knowledge
from redline.helpdesk.render import render
from redline.policy import Policy
from redline.text import normalize

_WORDY = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
# Article titles say what the article is about: count them this many times.
_TITLE_WEIGHT = 2


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: str
    score: float


class Retriever:
    """BM25 over the articles as rendered under one policy: the examples an article lists from
    the policy's word lists (炫富 words, soft diversion cues…) are searchable too."""

    def __init__(self, knowledge: Knowledge, policy: Policy) -> None:
        self._stopwords = frozenset(w.lower() for w in policy.helpdesk.stopwords)
        self._min_chars = policy.helpdesk.min_token_chars
        jieba.setLogLevel(logging.WARNING)  # jieba announces its dictionary loading on stderr
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        for word in _domain_words(knowledge):
            self._tokenizer.add_word(word, freq=50_000)
        self._ids = list(knowledge.articles)
        corpus = []
        mapping = policy.model_dump()
        for article in knowledge.articles.values():
            body = render(article.body, mapping, where=article.id)
            text = " ".join([article.title] * _TITLE_WEIGHT + [article.keywords, body])
            corpus.append(self.tokens(text))
        self._bm25 = BM25Okapi(corpus)

    def tokens(self, text: str) -> list[str]:
        normalized = normalize(text).text
        return [
            token
            for token in self._tokenizer.lcut_for_search(normalized)
            if len(token) >= self._min_chars and _WORDY.search(token) and token not in self._stopwords
        ]

    def search(self, question: str) -> list[Hit]:
        """Every article with a positive score, best first."""
        query = self.tokens(question)
        if not query:
            return []
        scores = self._bm25.get_scores(query)
        hits = [Hit(article_id, float(score)) for article_id, score in zip(self._ids, scores) if score > 0]
        return sorted(hits, key=lambda hit: -hit.score)


def _domain_words(knowledge: Knowledge) -> set[str]:
    words: set[str] = set()
    for term in knowledge.terms:
        words.update(term.forms)
        for sense in term.senses:
            words.update(cue for cue in sense.cues if len(cue) > 1)
    for article in knowledge.articles.values():
        words.update(phrase.lower() for phrase in article.keywords.split() if len(phrase) > 1)
    return words


_RETRIEVERS: dict[str, Retriever] = {}


def retriever_for(policy: Policy) -> Retriever:
    """One retriever per policy version (building the first loads jieba's dictionary: ~1 s)."""
    retriever = _RETRIEVERS.get(policy.version)
    if retriever is None:
        if len(_RETRIEVERS) >= 4:
            _RETRIEVERS.clear()
        retriever = _RETRIEVERS[policy.version] = Retriever(load_knowledge(), policy)
    return retriever
