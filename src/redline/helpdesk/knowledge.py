"""The help desk's knowledge: articles and the glossary of terms with several senses.

Both are data files shipped with the package (`articles.toml`, `glossary.toml`): content, not
policy. The numbers in an article are placeholders filled from the policy in force (`render`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from redline.errors import PolicyError


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    rules: tuple[str, ...]  # rule ids cited by an answer built from this article
    keywords: str  # other phrasings, indexed for retrieval, never shown
    body: str  # a template: {dotted.policy.key[:format]}


@dataclass(frozen=True, slots=True)
class Sense:
    id: str
    label: str
    cues: tuple[str, ...]
    articles: tuple[str, ...]
    names: tuple[str, ...] = ()  # words that name this sense outright (个人专业号)


@dataclass(frozen=True, slots=True)
class Term:
    id: str
    forms: tuple[str, ...]
    question: str
    senses: tuple[Sense, ...]


@dataclass(frozen=True)
class Knowledge:
    articles: dict[str, Article]
    terms: tuple[Term, ...]

    def sense(self, sense_id: str) -> tuple[Term, Sense] | None:
        for term in self.terms:
            for sense in term.senses:
                if sense.id == sense_id:
                    return term, sense
        return None


def _read_toml(name: str) -> dict:
    return tomllib.loads(files("redline.helpdesk").joinpath(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """The shipped articles and glossary, checked for broken references."""
    articles: dict[str, Article] = {}
    for raw in _read_toml("articles.toml")["article"]:
        article = Article(raw["id"], raw["title"], tuple(raw["rules"]), raw.get("keywords", ""), raw["body"].strip())
        if article.id in articles:
            raise PolicyError(f"帮助文章 id 重复：{article.id}")
        articles[article.id] = article
    terms: list[Term] = []
    seen_senses: set[str] = set()
    for raw in _read_toml("glossary.toml")["term"]:
        senses = tuple(
            Sense(
                s["id"],
                s["label"],
                tuple(c.lower() for c in s["cues"]),
                tuple(s["articles"]),
                tuple(n.lower() for n in s.get("names", ())),
            )
            for s in raw["sense"]
        )
        for sense in senses:
            if sense.id in seen_senses:
                raise PolicyError(f"术语含义 id 重复：{sense.id}")
            seen_senses.add(sense.id)
            missing = [a for a in sense.articles if a not in articles]
            if missing:
                raise PolicyError(f"术语「{raw['id']}」的含义 {sense.id} 指向不存在的文章：{'、'.join(missing)}")
        terms.append(Term(raw["id"], tuple(f.lower() for f in raw["forms"]), raw["question"], senses))
    return Knowledge(articles, tuple(terms))
