"""Run every detector over a text: normalise once, scan once, dispatch hits, collect findings.

The vocabularies of all detectors are compiled into one matcher per policy (`checks.weigher`: a
native trie, or an ahocorasick-rs automaton without the extension), so the word-list work for a
text is a single pass in native code regardless of how many detectors or words there are (Python `re` alternations collapse at thousands of words). Words a detector
only weighs (`weighted_vocabulary`: the sentiment model's n-grams, a hundred matches in a note)
are not in this pass: the detector sums them itself (`checks.weigher`), without an object per
match. When a text has separators between Han characters (最 有 效), a compacted copy gets one
more pass, and words found only there are handed to the detectors with spans in the normalised
text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

import ahocorasick_rs

from redline.checks.detector import Detector
from redline.checks.document import Document, Hit
from redline.checks.finding import TEXT_KINDS, CheckRequest, CheckResult, Finding, verdict_of
from redline.checks.registry import detector_factories
from redline.checks.weigher import make_matcher
from redline.policy import Policy
from redline.policy.cache import PerPolicy
from redline.text.compact import HAN, compact_gaps, gap_pattern, han_gaps
from redline.text.normalize import normalizer_for

# The scan makes a hit per match: `tuple.__new__` builds one in C, where the named tuple's own
# constructor is a Python function (twice the time).
_new_hit = partial(tuple.__new__, Hit)


class Checker:
    """All detectors of one policy, compiled. Build once (`checker_for(policy)`), reuse."""

    def __init__(self, policy: Policy):
        self.policy = policy
        self.normalizer = normalizer_for(policy)
        self.detectors: list[Detector] = [factory(policy) for factory in detector_factories()]
        words: list[str] = []
        owners: list[list[tuple[int, object]]] = []  # per distinct word: (detector index, tag)
        word_index: dict[str, int] = {}
        for detector_index, detector in enumerate(self.detectors):
            for word, tag in detector.vocabulary():
                if not word:
                    continue
                if word not in word_index:
                    word_index[word] = len(words)
                    words.append(word)
                    owners.append([])
                owners[word_index[word]].append((detector_index, tag))
        self._words = words
        self._owners = owners
        self._matcher = make_matcher(words) if words else None
        # Words a detector weighs itself (a linear model over n-grams) are not scanned here; they
        # are listed for `vocabulary_words`.
        self._weighted_words = [
            word for detector in self.detectors for word, _ in getattr(detector, "weighted_vocabulary", tuple)()
        ]
        # Han words that may also be spelled with separators between their characters (最 有 效),
        # for the detectors that want them (a detector opts out with `spaced = False`): their own
        # automaton, run over the compacted copy of the texts that have such separators.
        han_word = re.compile(f"[{HAN}]{{2,}}")
        spaced_words: list[str] = []
        self._spaced_owners: list[list[tuple[int, object]]] = []
        for word, word_owners in zip(words, owners):
            wanting = [(index, tag) for index, tag in word_owners if getattr(self.detectors[index], "spaced", True)]
            if wanting and han_word.fullmatch(word):
                spaced_words.append(word)
                self._spaced_owners.append(wanting)
        self._spaced_words = spaced_words
        self._spaced_joins = frozenset(word[i : i + 2] for word in spaced_words for i in range(len(word) - 1))
        self._spaced_automaton = ahocorasick_rs.AhoCorasick(spaced_words) if spaced_words else None
        self._gaps = gap_pattern(policy.text.spaced_separators, policy.text.spaced_max_run)
        # A detector that declares `needs_hits = True` says: without a hit of its vocabulary it
        # finds nothing and records nothing, so it is not called at all (most texts).
        self._needs_hits = [getattr(detector, "needs_hits", False) for detector in self.detectors]
        # A detector that declares `kinds` is called only for requests of those kinds (it finds
        # nothing and records nothing for the others). One plan per kind: (index, detect,
        # needs_hits) of the detectors to call, in order.
        every = [(index, detector.detect, needs) for index, (detector, needs) in enumerate(zip(self.detectors, self._needs_hits))]
        self._every_detector = every
        self._plans = {
            kind: [step for step, detector in zip(every, self.detectors) if kind in getattr(detector, "kinds", (kind,))]
            for kind in TEXT_KINDS
        }
        self._max_chars = policy.checks.max_chars
        self._policy_version = policy.version

    def scan(self, text: str) -> list[Sequence[Hit]]:
        """Hits per detector (index-aligned with `self.detectors`): the words as written, then
        Han words spelled with separators between their characters."""
        # A detector without hits gets an empty tuple (most of them, for most texts): a list is
        # made at a detector's first hit.
        per_detector: list[Sequence[Hit]] = [()] * len(self.detectors)
        if self._matcher is None or not text:
            return per_detector
        words, owners, new_hit = self._words, self._owners, _new_hit
        for word_id, start, end in self._matcher.matches(text):
            word = words[word_id]
            for detector_index, tag in owners[word_id]:
                found = per_detector[detector_index]
                if not found:
                    per_detector[detector_index] = found = []
                found.append(new_hit((start, end, word, tag)))
        if self._spaced_automaton is not None:
            # Only a gap whose two neighbours are adjacent characters of some spaced word can be
            # inside a match: texts without one (most) skip the pass.
            gaps = han_gaps(text, self._gaps, self._spaced_joins)
            if gaps:
                compacted = compact_gaps(text, gaps)
                spaced_words, spaced_owners, position = self._spaced_words, self._spaced_owners, compacted.position
                for word_id, start, end in self._spaced_automaton.find_matches_as_indexes(compacted.text, overlapping=True):
                    o_start, o_end = position(start), position(end - 1) + 1
                    if o_end - o_start == end - start:
                        continue  # no gap inside: found by the plain pass
                    word = spaced_words[word_id]
                    for detector_index, tag in spaced_owners[word_id]:
                        found = per_detector[detector_index]
                        if not found:
                            per_detector[detector_index] = found = []
                        found.append(new_hit((o_start, o_end, word, tag)))
        return per_detector

    @property
    def vocabulary_words(self) -> list[str]:
        """Every word of every detector, weighed words included (the sentiment model's
        n-grams): what a bare word-list scan would look for."""
        return list(dict.fromkeys(self._words + self._weighted_words))

    def check_field(
        self, request: CheckRequest, text: str, field_name: str, scores: dict[str, float], carried: dict[str, object]
    ) -> list[Finding]:
        doc = Document(request, self.policy, self.normalizer.normalize(text), field_name, scores, carried=carried)
        hits = self.scan(doc.text)
        findings = doc.findings
        for index, detect, needs_hits in self._plans.get(request.kind, self._every_detector):
            detector_hits = hits[index]
            if needs_hits and not detector_hits:
                continue  # nothing of its vocabulary in the text: it has nothing to say
            found = detect(doc, detector_hits)
            if found:
                findings.extend(found)
        return findings

    def check(self, request: CheckRequest) -> CheckResult:
        notes: tuple[str, ...] = ()
        text = request.text
        limit = self._max_chars
        if len(text) > limit:
            notes = (f"文本共 {len(text)} 字，超过上限 {limit} 字，只检查了前 {limit} 字。",)
            text = text[:limit]
        scores: dict[str, float] = {}
        carried: dict[str, object] = {}
        findings: list[Finding] = []
        if request.title:
            # The title is checked on its own (its offsets are into the title), then the body,
            # which may count what the title's detectors carried over (`Document.carried`).
            findings = self.check_field(request, request.title[:limit], "title", {}, carried)
        findings += self.check_field(request, text, "text", scores, carried)
        if len(findings) > 1:
            findings.sort(key=_finding_order)
        return CheckResult(verdict_of(findings), tuple(findings), scores, self._policy_version, notes)


def _finding_order(finding: Finding) -> tuple:
    return (finding.field != "title", finding.start, finding.end, finding.rule)


_CHECKERS: PerPolicy[Checker] = PerPolicy(Checker)


def checker_for(policy: Policy | None = None) -> Checker:
    """The compiled checker for a policy (built once per effective policy)."""
    return _CHECKERS.get(policy)


def check(request: CheckRequest, policy: Policy | None = None) -> CheckResult:
    return checker_for(policy).check(request)


def check_text(text: str, policy: Policy | None = None, **request_fields) -> CheckResult:
    """Convenience: `check_text("加我vx abc123", kind="comment")`."""
    return check(CheckRequest(text=text, **request_fields), policy)
