"""Built corpora for the originality tests: notes of one category (beauty) made of shared
category phrases and independently drawn words, and edited copies of them."""

from __future__ import annotations

import random

# Phrases every beauty note uses; each is shorter than min_copied_chars, so sharing them is
# not copying.
CATEGORY_PHRASES = [
    "姐妹们", "真的绝了", "强烈推荐", "学生党", "平价好用", "干皮亲妈", "油皮救星", "回购无数次",
    "上脸很服帖", "不搓泥", "保湿效果", "性价比超高", "敏感肌可用", "素颜霜", "空瓶记", "面霜测评",
]
# Ordinary characters (a common-character run of the Unicode block), drawn into 1-3 char words.
CHARS = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"


def make_note(rng: random.Random, length: int = 320) -> str:
    pieces: list[str] = []
    size = 0
    while size < length:
        if rng.random() < 0.15:
            piece = rng.choice(CATEGORY_PHRASES)
        else:
            piece = "".join(rng.choice(CHARS) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.1:
            piece += rng.choice("，。！～ ")
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces)


def edit(rng: random.Random, text: str, share: float) -> str:
    """Rewrite about `share` of the characters with word-sized edits (replace, insert, delete
    1-3 characters), the way people disguise a copy."""
    chars = list(text)
    budget = round(len(chars) * share)
    while budget > 0:
        size = min(rng.randint(1, 3), budget)
        at = rng.randrange(len(chars))
        kind = rng.random()
        new = [rng.choice(CHARS) for _ in range(size)]
        if kind < 0.6:
            chars[at : at + size] = new
        elif kind < 0.8:
            chars[at:at] = new
        else:
            del chars[at : at + size]
        budget -= size
    return "".join(chars)
