"""Answer a question about the rules: from the articles, with numbers from the policy in force.

The order of business:
1. A glossary term whose sense the question's context does not settle (and no `--sense` chose
   one) → a clarifying question with the senses as options. Never a guess.
2. Settled senses name their articles; otherwise the best BM25 article, if it scores at least
   `helpdesk.min_score`.
3. Nothing relevant enough → declined, with a pointer to where a person can help.
The answer cites the rule ids of the articles it is built from and lists them as sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from redline.errors import InputError
from redline.helpdesk.knowledge import Article, Knowledge, Sense, load_knowledge
from redline.helpdesk.render import render
from redline.helpdesk.retrieval import Hit, retriever_for
from redline.helpdesk.senses import term_uses
from redline.policy import Policy
from redline.text import normalize


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class Clarify:
    term: str
    question: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Answer:
    answer: str
    citations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    clarify: Clarify | None = None
    declined: bool = False
    senses: tuple[str, ...] = ()  # the senses the answer was given for
    policy_version: str = ""
    phrasing: str = "offline"  # "offline" | "llm"
    notes: tuple[str, ...] = ()  # remarks (why an LLM phrasing was not used…)
    # The rendered articles the answer was built from (id, title, text): what an LLM may rephrase.
    passages: tuple[tuple[str, str, str], ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        clarify = None
        if self.clarify is not None:
            clarify = {
                "term": self.clarify.term,
                "question": self.clarify.question,
                "options": [{"id": o.id, "label": o.label} for o in self.clarify.options],
            }
        return {
            "answer": self.answer,
            "citations": list(self.citations),
            "clarify": clarify,
            "sources": list(self.sources),
            "declined": self.declined,
            "senses": list(self.senses),
            "policy_version": self.policy_version,
            "phrasing": self.phrasing,
            "notes": list(self.notes),
        }


def ask(question: str, policy: Policy, senses: tuple[str, ...] | list[str] = ()) -> Answer:
    """Answer `question` under `policy`; `senses` are sense ids chosen after a clarifying question."""
    settings = policy.helpdesk
    text = (question or "").strip()
    if not text:
        raise InputError("问题不能为空")
    if len(text) > settings.max_question_chars:
        raise InputError(f"问题太长（{len(text)} 字），请控制在 {settings.max_question_chars} 字以内")
    knowledge = load_knowledge()
    chosen = _chosen_senses(senses, knowledge)
    normalized = normalize(text, policy).text
    uses = term_uses(normalized, knowledge)

    settled: list[Sense] = []
    for use in uses:
        pick = next((sense for sense in use.term.senses if sense.id in chosen), None) or use.sense
        if pick is None:
            options = tuple(Option(sense.id, sense.label) for sense in use.term.senses)
            return Answer(
                answer=use.term.question + "；".join(f"{o.id}：{o.label}" for o in options),
                clarify=Clarify(use.term.id, use.term.question, options),
                policy_version=policy.version,
            )
        settled.append(pick)
    # A sense chosen for a term the question no longer names ("那第二种呢？") still counts.
    for sense in chosen.values():
        if sense not in settled:
            settled.append(sense)

    hits = retriever_for(policy).search(text)
    primary = _unique(article_id for sense in settled for article_id in sense.articles[:1])
    if not primary:
        if not hits or hits[0].score < settings.min_score:
            return _declined(policy)
        primary = [hits[0].article_id]
    related = _related(hits, primary, settings.min_score, settings.related_ratio, settings.top_k)

    mapping = policy.model_dump()
    passages = []
    for article_id in primary:
        article = knowledge.articles[article_id]
        passages.append((article.id, article.title, render(article.body, mapping, where=article.id)))
    # A sense's further articles come after the answer's own, as pointers.
    for sense in settled:
        for article_id in sense.articles[1:]:
            if article_id not in primary and article_id not in related:
                related.insert(0, article_id)
    related = related[: max(0, settings.top_k - len(primary))]

    parts = []
    for sense, (article_id, title, body) in _with_senses(passages, settled):
        heading = f"【{title}】" if sense is None else f"按「{sense.label}」理解 ——【{title}】"
        parts.append(f"{heading}\n{body}")
    if related:
        parts.append("相关：" + "；".join(f"《{knowledge.articles[a].title}》" for a in related))
    citations = _unique(rule for article_id in primary for rule in knowledge.articles[article_id].rules)
    return Answer(
        answer="\n\n".join(parts),
        citations=tuple(citations),
        sources=tuple(primary + related),
        senses=tuple(sense.id for sense in settled),
        policy_version=policy.version,
        passages=tuple(passages),
    )


def _chosen_senses(senses: tuple[str, ...] | list[str], knowledge: Knowledge) -> dict[str, Sense]:
    chosen: dict[str, Sense] = {}
    for sense_id in senses:
        found = knowledge.sense(sense_id)
        if found is None:
            known = "、".join(s.id for t in knowledge.terms for s in t.senses)
            raise InputError(f"未知的含义 id：{sense_id}（可选：{known}）")
        chosen[sense_id] = found[1]
    return chosen


def _related(hits: list[Hit], primary: list[str], min_score: float, ratio: float, top_k: int) -> list[str]:
    if not hits:
        return []
    floor = max(min_score, hits[0].score * ratio)
    return [hit.article_id for hit in hits if hit.score >= floor and hit.article_id not in primary][: max(0, top_k - len(primary))]


def _with_senses(
    passages: list[tuple[str, str, str]], settled: list[Sense]
) -> Iterator[tuple[Sense | None, tuple[str, str, str]]]:
    """Each passage with the sense it answers (None when retrieval chose it)."""
    for passage in passages:
        sense = next((s for s in settled if s.articles and s.articles[0] == passage[0]), None)
        yield sense, passage


def _declined(policy: Policy) -> Answer:
    return Answer(
        answer=f"抱歉，这个问题超出了这里的规则知识范围，我不想凭猜测回答。{policy.helpdesk.human_help}。",
        declined=True,
        policy_version=policy.version,
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


__all__ = ["Answer", "Article", "Clarify", "Option", "ask"]
