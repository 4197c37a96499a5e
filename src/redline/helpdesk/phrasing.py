"""Optional LLM phrasing of an answer, grounded only in the articles it was built from.

The offline answer is complete on its own; an LLM (any OpenAI-compatible endpoint, configured
like the title lab) may only rephrase it. It is given the rendered passages and nothing else,
and its reply is checked before it is used: it must be non-empty, within
`helpdesk.llm_max_chars`, not a refusal, and every number in it must appear in the passages (a
number the articles do not contain is an invented fact). Otherwise — or when the endpoint
fails — the offline answer stands and `notes` says why.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol

from redline.errors import RedlineError
from redline.helpdesk.desk import Answer
from redline.policy import Policy

# Numbers as written in answers: 3, 3%, 2.5, ¥9.9, 10万.
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_REFUSAL = "无法回答"


class ChatCompleter(Protocol):
    def complete(self, messages: list[dict[str, str]]) -> str: ...


def messages_for(question: str, answer: Answer) -> list[dict[str, str]]:
    passages = "\n\n".join(f"[{article_id}] {title}\n{text}" for article_id, title, text in answer.passages)
    system = (
        "你是小红书式社区的规则客服。只能依据下面给出的资料回答，不得加入资料之外的任何事实、数字或规则。"
        "资料中的数字必须原样保留。用简体中文，先直接回答问题，再给出依据，语气平实。"
        f"如果资料不能回答这个问题，只回复「{_REFUSAL}」。"
    )
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"资料：\n{passages}\n\n问题：{question}"},
    ]


def phrase(question: str, answer: Answer, llm: ChatCompleter, policy: Policy) -> Answer:
    """`answer` rephrased by `llm` when the reply passes the grounding checks; else unchanged."""
    if answer.clarify is not None or answer.declined or not answer.passages:
        return answer
    try:
        reply = llm.complete(messages_for(question, answer)).strip()
    except RedlineError as exc:
        return replace(answer, notes=answer.notes + (f"大模型润色失败，使用离线答案：{exc}",))
    problem = grounding_problem(reply, answer, policy)
    if problem:
        return replace(answer, notes=answer.notes + (f"大模型回复未通过核对（{problem}），使用离线答案",))
    return replace(answer, answer=reply, phrasing="llm")


def grounding_problem(reply: str, answer: Answer, policy: Policy) -> str:
    """Why `reply` may not replace the offline answer ("" when it may)."""
    if not reply:
        return "回复为空"
    if _REFUSAL in reply:
        return "大模型认为资料不足"
    if len(reply) > policy.helpdesk.llm_max_chars:
        return f"回复超过 {policy.helpdesk.llm_max_chars} 字"
    source_numbers = set(_NUMBER.findall(" ".join(text for _, _, text in answer.passages)))
    invented = [n for n in _NUMBER.findall(reply) if n not in source_numbers]
    if invented:
        return f"出现资料中没有的数字：{'、'.join(dict.fromkeys(invented))}"
    return ""
