from __future__ import annotations

import random

import pytest

from redline.originality import IndexParams
from redline.store.corpus import CorpusStore, notes_dir

from .corpus import make_note


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261121)


@pytest.fixture
def notes(rng) -> dict[str, str]:
    """60 unrelated notes of one category."""
    return {f"n{i}": make_note(rng) for i in range(60)}


@pytest.fixture
def store(home, policy, notes) -> CorpusStore:
    store = CorpusStore.open(notes_dir(home.corpus_dir), IndexParams.from_policy(policy))
    add(store, policy, notes, account=lambda note_id: f"acc-{note_id}")
    return store


def add(store: CorpusStore, policy, notes: dict[str, str], account=lambda note_id: "acc"):
    from redline.originality.index import notes_content
    from redline.text.normalize import normalizer_for

    ids = list(notes)
    return store.add(ids, [account(i) for i in ids], *notes_content([notes[i] for i in ids], normalizer_for(policy)))
