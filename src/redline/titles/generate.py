"""Write title variants: offline from RED conventions, or from an LLM, then screen them.

Every variant, whatever wrote it, goes through the same screen: at most `titles.max_chars`
characters, distinct from the original and from each other, keeps the note's key terms, and
passes the compliance checks (absolute words, clickbait, diversion, regulated claims: the
families in `titles.reject_families`). Rejected variants are reported with the rule that
rejected them.

The offline generator fills the policy's templates (keyword first, numbers, questions, contrast,
scene and audience words such as 学生党/通勤, sparse emoji) with the title's key terms; it is
deterministic for a given seed and needs nothing installed. The LLM path only needs an object
with `complete(messages) -> str` (see `redline.llm.ChatClient`); when it fails (it raises a
`RedlineError`), or writes too few usable titles, the offline generator fills in and says so.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from redline.errors import RedlineError
from redline.policy import Policy


class ChatCompleter(Protocol):
    def complete(self, messages: list[dict[str, str]]) -> str: ...


@dataclass(frozen=True)
class Variant:
    title: str
    source: str  # "offline" | "llm"


@dataclass(frozen=True)
class Rejected:
    title: str
    rules: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Generation:
    original: str
    key_terms: tuple[str, ...]
    variants: tuple[Variant, ...]
    rejected: tuple[Rejected, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "original": self.original,
            "key_terms": list(self.key_terms),
            "variants": [{"title": v.title, "source": v.source} for v in self.variants],
            "rejected": [{"title": r.title, "rules": list(r.rules), "reason": r.reason} for r in self.rejected],
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------------
# Key terms



def key_terms(title: str, body: str, policy: Policy) -> tuple[str, ...]:
    """The terms every variant must keep, in title order.

    jieba's TF-IDF ranks the words of the title (the body adds weight to the words it repeats);
    only words that literally occur in the title qualify, so a variant can always keep them.
    Chinese noun phrases are head-final (油皮…防晒, 小个子…外套), so among the top candidates
    the one that comes LAST in the title is always kept, then the best-ranked others.
    """
    import logging

    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    g = policy.titles.generation
    if g.key_terms_kept == 0 or not title.strip():
        return ()
    text = title if not body else f"{title}\n{title}\n{body[:5000]}"
    ranked: list[str] = []
    for term in jieba.analyse.extract_tags(text, topK=g.key_terms_considered * 4):
        if term in title and len(term) >= 2 and not any(term in k or k in term for k in ranked):
            ranked.append(term)
    ranked = ranked[: g.key_terms_kept + 1]
    if not ranked:
        # A title of stop words only: keep its first few characters as the topic.
        return (title.strip()[: max(2, policy.titles.max_chars // 4)],)
    head = max(ranked, key=title.rfind)
    kept = [head] + [t for t in ranked if t != head][: g.key_terms_kept - 1]
    return tuple(sorted(kept, key=title.find))


def topic_of(terms: Sequence[str]) -> str:
    """The key terms as one phrase (a space only between two Latin words: "iPhone Pro")."""
    topic = ""
    for term in terms:
        if topic and topic[-1].isascii() and topic[-1].isalnum() and term[:1].isascii() and term[:1].isalnum():
            topic += " "
        topic += term
    return topic


# ---------------------------------------------------------------------------------------------
# Offline generator


def offline_candidates(title: str, terms: Sequence[str], policy: Policy, seed: int = 0) -> Iterator[str]:
    """Template fillings, round-robin over templates so early candidates are varied."""
    g = policy.titles.generation
    rng = random.Random(seed)
    topic = topic_of(terms)
    audiences = [w for w in g.audience_words if w not in topic]
    scenes = [w for w in g.scene_words if w not in topic]
    templates = list(g.templates)
    for round_number in range(len(audiences) * len(scenes)):
        rng.shuffle(templates)
        for template in templates:
            text = template.format(
                topic=topic,
                kw=terms[0] if terms else topic,
                aud=audiences[(round_number + rng.randrange(len(audiences))) % len(audiences)],
                scene=scenes[(round_number + rng.randrange(len(scenes))) % len(scenes)],
                n=rng.choice(g.numbers),
                d=rng.choice(g.day_numbers),
                title=title.strip(),
            )
            if g.emoji_max > 0 and g.emojis and rng.random() < g.emoji_share:
                emoji = rng.choice(g.emojis)
                text = emoji + text if rng.random() < 0.5 else text + emoji
            yield text


# ---------------------------------------------------------------------------------------------
# LLM prompt and reply parsing


def llm_messages(title: str, body: str, terms: Sequence[str], n: int, policy: Policy) -> list[dict[str, str]]:
    g = policy.titles.generation
    system = (
        "你是小红书标题优化助手。根据原标题和笔记内容，写出风格多样的新标题："
        f"每个标题不超过 {policy.titles.max_chars} 个字；保留关键词（{'、'.join(terms) or '无'}），关键词尽量放在开头；"
        f"可以用数字、提问、对比、场景词（如{'/'.join(g.scene_words[:3])}）和人群词（如{'/'.join(g.audience_words[:3])}）；"
        f"表情最多 {g.emoji_max} 个且不要每条都用；不得使用“最”“第一”等绝对化用语，不得标题党（如“震惊”“必看”），"
        "不得出现联系方式或引流，不得宣称疗效。"
        '只输出 JSON：{"titles": ["标题1", "标题2", ...]}'
    )
    user = f"原标题：{title}\n笔记内容：{body[:800] or '（无）'}\n请写 {n} 个新标题。"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
_NUMBERED = re.compile(r"^\s*(?:[-*•]|\d+[.、)）])\s*")


def parse_llm_titles(reply: str) -> list[str]:
    """Titles from an LLM reply: JSON ({"titles": [...]} or a bare list), JSON cut off mid-way
    (every complete string is kept), or, failing that, one title per numbered line."""
    text = _FENCE.sub("", reply.strip()).strip()
    start = min([i for i in (text.find("{"), text.find("[")) if i >= 0], default=-1)
    if start >= 0:
        candidate = text[start:]
        try:
            data = json.loads(candidate)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            data = data.get("titles", next((v for v in data.values() if isinstance(v, list)), None))
        if isinstance(data, list):
            return [str(item).strip() for item in data if isinstance(item, (str, int, float)) and str(item).strip()]
        # Partial JSON (a reply cut off by max_tokens): keep every complete quoted string.
        strings = []
        for match in _QUOTED.finditer(candidate):
            try:
                value = json.loads(f'"{match.group(1)}"')
            except json.JSONDecodeError:
                continue
            if value != "titles" and value.strip():
                strings.append(value.strip())
        if strings:
            return strings
    lines = [_NUMBERED.sub("", line).strip().strip('"“”') for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith(("{", "}", "[", "]"))]


# ---------------------------------------------------------------------------------------------
# Screening


def screen(
    candidates: Sequence[str],
    original: str,
    terms: Sequence[str],
    policy: Policy,
    source: str,
    limit: int,
    taken: set[str] | None = None,
) -> tuple[list[Variant], list[Rejected]]:
    """Keep candidates that satisfy every constraint, up to `limit`; report compliance rejects.

    Length, duplicate and key-term misses are silent for template output (the generator writes
    plenty) but reported for LLM output, where the user wants to know what the model got wrong.
    """
    from redline.checks import check_text

    taken = set() if taken is None else taken
    taken.add(_key(original))
    reject_families = set(policy.titles.reject_families)
    kept: list[Variant] = []
    rejected: list[Rejected] = []
    for raw in candidates:
        if len(kept) >= limit:
            break
        title = " ".join(raw.split())
        key = _key(title)
        if not title or key in taken:
            continue
        if len(title) > policy.titles.max_chars:
            if source == "llm":
                rejected.append(Rejected(title, ("titles.length",), f"超过 {policy.titles.max_chars} 字（{len(title)} 字）"))
            taken.add(key)
            continue
        missing = [t for t in terms if t not in title]
        if missing:
            if source == "llm":
                rejected.append(Rejected(title, ("titles.key_terms",), f"丢失关键词：{'、'.join(missing)}"))
            taken.add(key)
            continue
        result = check_text("", policy=policy, kind="note", title=title)
        bad = [f for f in result.findings if f.family in reject_families]
        taken.add(key)
        if bad:
            rules = tuple(dict.fromkeys(f.rule for f in bad))
            rejected.append(Rejected(title, rules, "；".join(dict.fromkeys(f.advice or f.evidence for f in bad))))
            continue
        kept.append(Variant(title, source))
    return kept, rejected


def _key(title: str) -> str:
    return "".join(title.split()).lower()


def generate_variants(
    title: str,
    body: str = "",
    n: int | None = None,
    policy: Policy | None = None,
    llm: ChatCompleter | None = None,
    seed: int = 0,
) -> Generation:
    """Up to `n` screened variants of `title` (LLM first when given, offline to fill in)."""
    from redline.errors import InputError
    from redline.policy import default_policy

    policy = policy or default_policy()
    t = policy.titles
    n = t.default_variants if n is None else n
    if not title or not title.strip():
        raise InputError("原标题不能为空")
    if n < 1 or n > t.max_variants:
        raise InputError(f"变体数量必须在 1 到 {t.max_variants} 之间（收到 {n}）")
    title = title.strip()
    terms = key_terms(title, body, policy)
    notes: list[str] = []
    variants: list[Variant] = []
    rejected: list[Rejected] = []
    taken: set[str] = set()
    if llm is not None:
        try:
            reply = llm.complete(llm_messages(title, body, terms, n, policy))
            proposed = parse_llm_titles(reply)
            if not proposed:
                raise RedlineError("大模型的回复中没有可用的标题")
            variants, rejected = screen(proposed, title, terms, policy, "llm", n, taken)
            notes.append(f"大模型写了 {len(proposed)} 个标题，{len(variants)} 个通过筛选。")
        except RedlineError as exc:
            notes.append(f"大模型调用失败（{exc}），已改用离线生成器。")
    if len(variants) < n:
        if llm is not None and variants:
            notes.append(f"大模型可用标题不足 {n} 个，其余由离线生成器补足。")
        more, more_rejected = screen(offline_candidates(title, terms, policy, seed), title, terms, policy, "offline", n - len(variants), taken)
        variants += more
        rejected += more_rejected
    if len(variants) < n:
        notes.append(f"只生成了 {len(variants)} 个符合要求的标题（要求 {n} 个）：原标题或关键词太长，留给改写的字数不多。")
    return Generation(title, terms, tuple(variants), tuple(rejected), tuple(notes))
