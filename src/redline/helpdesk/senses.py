"""Which ambiguous terms a question uses, and whether its context settles their sense."""

from __future__ import annotations

from dataclasses import dataclass

from redline.helpdesk.knowledge import Knowledge, Sense, Term


@dataclass(frozen=True, slots=True)
class TermUse:
    term: Term
    sense: Sense | None  # None: the context does not settle it
    cue_counts: tuple[tuple[str, int], ...]  # (sense id, cues found), for explanations


def term_uses(normalized_question: str, knowledge: Knowledge) -> list[TermUse]:
    """The glossary terms in a (normalised) question, each with the sense its cues settle."""
    uses = []
    for term in knowledge.terms:
        if not any(form in normalized_question for form in term.forms):
            continue
        counts = [(sense, sum(1 for cue in sense.cues if cue in normalized_question)) for sense in term.senses]
        named = [sense for sense in term.senses if any(name in normalized_question for name in sense.names)]
        ranked = sorted(counts, key=lambda pair: -pair[1])
        if len(named) == 1:
            settled: Sense | None = named[0]
        elif ranked[0][1] > 0 and ranked[0][1] > ranked[1][1]:
            settled = ranked[0][0]
        else:
            settled = None
        uses.append(TermUse(term, settled, tuple((sense.id, count) for sense, count in counts)))
    return uses
