"""Same-sounding spellings of a contact word, from pypinyin's reading table (微信 → 威信, 薇信…).

Creators dodge keyword filters by swapping a character for another with the same syllable. The
set of such swaps is finite: for each syllable of the target word, every common character whose
usual reading is that syllable (tones ignored). The vocabulary is built once per policy, so the
table is read at start-up, never per text.

Only pypinyin's per-character reading table (`pypinyin/pinyin_dict.json`) is needed. Importing the
`pypinyin` package would also load its phrase dictionary (about a second of start-up on every
`redline check`), so the table is read from the installed package's data file directly.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from itertools import product
from pathlib import Path

# GB2312 holds the 6,763 characters of everyday simplified Chinese; a homophone a reader cannot
# recognise at a glance does not evade anything, so rarer characters are left out.
_GB2312_ROWS = range(0xB0, 0xF8)
_GB2312_CELLS = range(0xA1, 0xFF)
# Tone marks → plain vowels; ü is written v, as pypinyin's toneless style does.
_TONELESS = str.maketrans(
    {**{c: "a" for c in "āáǎà"}, **{c: "e" for c in "ēéěèê̄ếê̌ề"}, **{c: "i" for c in "īíǐì"}, **{c: "o" for c in "ōóǒò"},
     **{c: "u" for c in "ūúǔù"}, **{c: "v" for c in "üǖǘǚǜ"}, **{c: "n" for c in "ńňǹ"}, **{c: "m" for c in "ḿ"}}
)


@lru_cache(maxsize=1)
def _reading_table() -> dict[int, str]:
    """pypinyin's code point → "reading,reading…" table."""
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - locked dependency
        raise ModuleNotFoundError("pypinyin")
    path = Path(next(iter(spec.submodule_search_locations))) / "pinyin_dict.json"
    raw = json.loads(path.read_text("utf-8"))
    return {int(code): readings for code, readings in raw.items()}


def _syllable(char: str) -> str | None:
    """The usual reading of a character, without tone (the table lists it first)."""
    readings = _reading_table().get(ord(char))
    if not readings:
        return None
    return readings.split(",", 1)[0].translate(_TONELESS)


@lru_cache(maxsize=1)
def _characters_by_syllable() -> dict[str, tuple[str, ...]]:
    """Toneless syllable → common characters whose usual reading it is."""
    by_syllable: dict[str, list[str]] = {}
    for row in _GB2312_ROWS:
        for cell in _GB2312_CELLS:
            try:
                char = bytes((row, cell)).decode("gb2312")
            except UnicodeDecodeError:
                continue  # unassigned cell at the end of a row
            syllable = _syllable(char)
            if syllable:
                by_syllable.setdefault(syllable, []).append(char)
    return {syllable: tuple(chars) for syllable, chars in by_syllable.items()}


@lru_cache(maxsize=64)
def homophones(word: str) -> frozenset[str]:
    """Every string of common characters read like `word`, the word itself included.

    Only all-Chinese words are expanded (Latin letters and digits have no pinyin)."""
    if not word:
        return frozenset()
    syllables = [_syllable(char) for char in word]
    if any(s is None for s in syllables):
        return frozenset({word})
    table = _characters_by_syllable()
    choices = []
    for syllable, char in zip(syllables, word):
        same = table.get(syllable, ())
        choices.append(same if char in same else same + (char,))
    return frozenset("".join(combination) for combination in product(*choices))
