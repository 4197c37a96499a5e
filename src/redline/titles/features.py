"""What a title looks like, as numbers: the features the prior scores a variant on.

Language-agnostic on purpose (marker lists come from the policy, Chinese and English), so the
same model scores a RED title and, for the replay evidence, an Upworthy headline.
"""

from __future__ import annotations

import numpy as np

from redline.policy.sections.titles import TitleGenerationPolicy, TitlePriorPolicy

FEATURES: tuple[str, ...] = (
    "length",
    "digit",
    "starts_with_digit",
    "question",
    "exclamation",
    "second_person",
    "audience",
    "scene",
    "contrast",
    "separator",
    "quote",
    "emoji",
)


def _has_any(text: str, markers: tuple[str, ...]) -> float:
    return 1.0 if any(marker in text for marker in markers) else 0.0


def _is_emoji(char: str) -> bool:
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF


def title_features(title: str, prior: TitlePriorPolicy, generation: TitleGenerationPolicy) -> np.ndarray:
    """The feature vector of one title (order: `FEATURES`)."""
    lowered = title.lower()
    stripped = lowered.strip()
    return np.array(
        [
            len(title) / prior.length_scale,
            1.0 if any(ch.isdigit() for ch in lowered) else 0.0,
            1.0 if stripped[:1].isdigit() else 0.0,
            _has_any(lowered, prior.question_marks),
            _has_any(lowered, prior.exclamation_marks),
            _has_any(lowered, prior.second_person),
            _has_any(lowered, generation.audience_words),
            _has_any(lowered, generation.scene_words),
            _has_any(lowered, prior.contrast_words),
            _has_any(lowered, prior.separators),
            _has_any(lowered, prior.quote_marks),
            1.0 if any(_is_emoji(ch) for ch in title) else 0.0,
        ]
    )


def feature_matrix(titles: list[str], prior: TitlePriorPolicy, generation: TitleGenerationPolicy) -> np.ndarray:
    if not titles:
        return np.zeros((0, len(FEATURES)))
    return np.vstack([title_features(title, prior, generation) for title in titles])
