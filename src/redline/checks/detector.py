"""The contract every detector module in `redline.checks` fulfils."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.policy import Policy


class Detector(Protocol):
    """A detector declares the words it wants found (matched for all detectors in ONE pass of
    a shared Aho-Corasick automaton over the normalised text) and turns its hits into findings.

    `vocabulary` is called once per policy; words are matched in the normalised form (lower
    case, simplified, half-width), so list them that way. `detect` receives only its own hits,
    in text order, overlapping matches included."""

    family: str
    # Optional: `spaced = False` opts out of hits for words spelled with separators between
    # their characters (最 有 效), which the engine finds by default.
    # Optional: `needs_hits = True` declares that without a hit the detector finds nothing and
    # records nothing (no score, nothing carried), so the engine skips it on such texts.
    # Optional: `kinds` (a collection of request kinds) declares the same for requests of other
    # kinds: the engine calls the detector only for these.

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        """(word, tag) pairs; the tag comes back on each hit."""
        ...

    def detect(self, doc: Document, hits: Sequence[Hit]) -> Iterable[Finding]:
        ...


class DetectorFactory(Protocol):
    def __call__(self, policy: Policy) -> Detector: ...
