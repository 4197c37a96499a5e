"""Help-desk settings (SPEC R-HLP): retrieval, when to decline, where people can help."""

from pydantic import Field

from redline.policy.sections.base import Section


class HelpdeskPolicy(Section):
    # BM25 score the best article must reach, else the question is declined as not covered.
    min_score: float = Field(gt=0)
    # At most this many articles are listed as sources of one answer.
    top_k: int = Field(ge=1, le=20)
    # A further article is cited when its score is at least this share of the best one.
    related_ratio: float = Field(gt=0, le=1)
    # Longer questions are refused (nobody types 2 000 characters into a help desk).
    max_question_chars: int = Field(ge=10)
    # Shorter tokens are dropped: single characters (里, 拿, 写) are mostly function words.
    min_token_chars: int = Field(ge=1, le=4)
    # Words that carry no meaning for retrieval (小红书, 请问, 怎么…).
    stopwords: tuple[str, ...]
    # An LLM rephrasing longer than this is not used (the offline answer stands).
    llm_max_chars: int = Field(ge=50)
    # Where a person can help when the knowledge does not cover a question.
    human_help: str = Field(min_length=1)
