"""What a creator sees for copies, edits, mixes, quotes and their own re-posts."""

from __future__ import annotations

import opencc
import pytest

from redline.originality import originality_report

from .conftest import add
from .corpus import edit, make_note


def report(store, policy, text, account="someone-else"):
    return originality_report(store.index, text, account, policy)


def test_exact_copy_is_fully_duplicate(store, policy, notes):
    result = report(store, policy, notes["n3"])
    assert result.duplicate_ratio == 1.0
    assert result.originality == 0.0
    assert result.low_quality
    assert [m.note_id for m in result.matches] == ["n3"]
    assert result.matches[0].account_id == "acc-n3"


@pytest.mark.parametrize(("share", "at_least"), [(0.05, 0.85), (0.15, 0.6), (0.30, 0.31)])
def test_edited_copies_are_found_and_low_quality(store, policy, notes, rng, share, at_least):
    for note_id in ("n1", "n7", "n20", "n33", "n41"):
        copy = edit(rng, notes[note_id], share)
        result = report(store, policy, copy)
        assert result.matches and result.matches[0].note_id == note_id, share
        assert result.duplicate_ratio >= at_least, (share, result.duplicate_ratio)
        assert result.low_quality


def test_copy_in_traditional_characters_with_fullwidth_punctuation_and_emoji(store, policy, notes):
    original = notes["n5"]
    disguised = opencc.OpenCC("s2t").convert(original)
    disguised = "".join(ch + ("😊" if i % 17 == 0 else "") + ("！" if i % 23 == 0 else "")
                        for i, ch in enumerate(disguised))
    disguised = disguised.replace("，", "，\u200b").replace("。", "．")
    result = report(store, policy, disguised)
    assert result.matches[0].note_id == "n5"
    assert result.duplicate_ratio >= 0.95
    # Spans are offsets into the disguised text the creator wrote.
    start, end = result.matches[0].spans[0]
    assert 0 <= start < end <= len(disguised)
    assert disguised[start:end].startswith(disguised[start])
    assert end - start >= 0.9 * len(disguised)


def test_paragraph_mix_from_three_sources_gets_the_combined_ratio(store, policy, notes, rng):
    own = make_note(rng, 100)
    parts = [notes["n10"][:100], notes["n11"][100:200], notes["n12"][200:300], own]
    mixed = "\n\n".join(parts)
    result = report(store, policy, mixed)
    found = {m.note_id: m for m in result.matches}
    assert set(found) == {"n10", "n11", "n12"}
    for note_id, part in zip(("n10", "n11", "n12"), parts):
        match = found[note_id]
        assert 0.18 <= match.overlap <= 0.32
        # The passage points at the paragraph copied from that note.
        (start, end), = match.spans
        assert part[5:-5] in mixed[start:end]
    assert 0.7 <= result.duplicate_ratio <= 0.8  # three quarters, not just the largest share
    assert result.low_quality


def test_unrelated_notes_of_the_same_category_do_not_match(store, policy, rng):
    for _ in range(40):
        result = report(store, policy, make_note(rng))
        assert result.matches == []
        assert result.duplicate_ratio == 0.0
        assert result.originality == 1.0
        assert not result.low_quality


def test_quoting_a_short_phrase_is_not_copying(store, policy, notes, rng):
    quote = notes["n8"][40:55]  # 15 characters: below min_copied_chars (20)
    assert len(quote) < policy.originality.min_copied_chars
    text = make_note(rng, 150) + "「" + quote + "」" + make_note(rng, 150)
    result = report(store, policy, text)
    assert result.matches == []
    assert result.duplicate_ratio == 0.0


def test_quoting_a_passage_above_the_minimum_counts(store, policy, notes, rng):
    quote = notes["n8"][40:70]  # 30 characters, verbatim
    text = make_note(rng, 300) + quote + make_note(rng, 300)
    result = report(store, policy, text)
    assert [m.note_id for m in result.matches] == ["n8"]
    assert 0 < result.duplicate_ratio < 0.1
    assert not result.low_quality


def test_reposting_ones_own_note_is_self_duplication(store, policy, notes, rng):
    text = notes["n2"] + make_note(rng, 100)
    mine = report(store, policy, text, account="acc-n2")
    assert mine.duplicate_ratio == 0.0
    assert mine.self_duplicate_ratio >= 0.7
    assert mine.matches[0].self_duplicate
    assert mine.originality == pytest.approx(1 - mine.self_duplicate_ratio, abs=1e-3)
    theirs = report(store, policy, text, account="acc-other")
    assert theirs.duplicate_ratio == mine.self_duplicate_ratio
    assert theirs.self_duplicate_ratio == 0.0


def test_long_original_note_earns_the_bonus(store, policy, rng):
    text = make_note(rng, 700)
    result = report(store, policy, text)
    assert result.originality == 1.0
    assert result.content_chars > policy.originality.bonus_min_chars
    assert result.originality_bonus
    short = report(store, policy, make_note(rng, 200))
    assert not short.originality_bonus


def test_empty_and_punctuation_only_texts(store, policy):
    for text in ("", "！！！。。。😀😀 \n"):
        result = report(store, policy, text)
        assert result.content_chars == 0
        assert result.matches == []
        assert not result.low_quality and not result.originality_bonus


def test_one_megabyte_text_with_a_copied_paragraph(store, policy, notes, rng):
    filler = make_note(rng, 1_000_000)
    middle = len(filler) // 2
    text = filler[:middle] + notes["n30"] + filler[middle:]
    result = report(store, policy, text)
    assert "n30" in [m.note_id for m in result.matches]
    match = next(m for m in result.matches if m.note_id == "n30")
    (start, end), = match.spans
    assert abs(start - middle) <= 2 and abs(end - (middle + len(notes["n30"]))) <= 2


def test_checking_an_indexed_note_can_exclude_itself(store, policy, notes):
    result = originality_report(store.index, notes["n4"], "acc-n4", policy, exclude_id="n4")
    assert result.matches == []


def test_batch_and_single_queries_agree(store, policy, notes, rng):
    from redline.originality import originality_reports

    texts = [edit(rng, notes[f"n{i}"], 0.1) for i in range(10)] + [make_note(rng) for _ in range(5)]
    together = originality_reports(store.index, texts, [None] * len(texts), policy)
    alone = [originality_report(store.index, t, None, policy) for t in texts]
    assert [r.as_dict() for r in together] == [r.as_dict() for r in alone]


def test_many_copies_of_a_viral_note_still_match(home, policy, rng):
    from redline.originality import IndexParams
    from redline.store.corpus import CorpusStore, notes_dir

    store = CorpusStore.open(notes_dir(home.corpus_dir), IndexParams.from_policy(policy))
    viral = make_note(rng)
    add(store, policy, {f"copy{i}": edit(rng, viral, 0.02) for i in range(300)})
    result = originality_report(store.index, viral, None, policy)
    assert result.duplicate_ratio >= 0.9
    # Work stays bounded: at most max_candidates earlier notes are verified.
    section = policy.originality
    assert 1 < len(result.matches) <= section.max_candidates


def test_a_source_that_repeats_its_paragraph_is_matched_by_a_copy(home, policy, rng):
    from redline.originality import IndexParams
    from redline.store.corpus import CorpusStore, notes_dir

    store = CorpusStore.open(notes_dir(home.corpus_dir), IndexParams.from_policy(policy))
    paragraph = make_note(rng, 120)
    add(store, policy, {"echo": "\n\n".join([paragraph] * 3), "other": make_note(rng)})
    for copy in (paragraph, edit(rng, paragraph, 0.05), "\n\n".join([paragraph] * 3)):
        result = report(store, policy, copy)
        assert [m.note_id for m in result.matches] == ["echo"]
        assert result.duplicate_ratio >= 0.85, result.duplicate_ratio
        assert result.low_quality
    # The passages point at the copied paragraph, not at a stray phrase.
    own = make_note(rng, 100)
    result = report(store, policy, own + paragraph)
    assert [m.note_id for m in result.matches] == ["echo"]
    (start, end), = result.matches[0].spans
    assert abs(start - len(own)) <= 2 and abs(end - (len(own) + len(paragraph))) <= 2


def test_a_run_of_one_repeated_character_is_not_a_copy(home, policy, rng):
    from redline.originality import IndexParams
    from redline.store.corpus import CorpusStore, notes_dir

    store = CorpusStore.open(notes_dir(home.corpus_dir), IndexParams.from_policy(policy))
    add(store, policy, {"laugh": make_note(rng, 150) + "哈" * 12 + make_note(rng, 150)})
    result = report(store, policy, "哈" * 60)
    assert result.matches == []
