"""A reason behind a traffic decision: the rule, its effect, the numbers compared, the advice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str  # e.g. "traffic.tier.low", "traffic.science_no_source", "ledger.throttle"
    effect: str  # Chinese: what it does to the note's traffic
    multiplier: float  # its factor on the note's recommendation traffic (1.0 = none)
    numbers: dict[str, Any] = field(default_factory=dict)  # the inputs and thresholds compared
    advice: str = ""  # Chinese: how to recover or keep the bonus

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "effect": self.effect,
            "multiplier": round(self.multiplier, 4),
            "numbers": self.numbers,
            "advice": self.advice,
        }
