"""Diversion (导流, SPEC R-TXT-1): contact details and cues that take readers off the platform.

What counts, from strongest to weakest:
- a contact word (微信, vx, 威信, qq, 电话…) followed within `id_window` characters by an id
  (a handle, a QQ number, a phone number), a bare mobile / landline number, an e-mail address
  (also written abc艾特qq点com), a URL or short link, a share code (淘口令 ¥AbC123xYz¥):
  violations;
- an evasive spelling of a contact word (vx, 绿泡泡, 卫星号) or a plain one next to an invitation
  (加微信, qq详聊) without an id, soft cues (私我, 看主页, 评论区见), QR-code cues (扫码加),
  share-code cues (复制这段…打开淘宝): warnings.
Homophones (威信, 维信… every same-sounding pair by pypinyin) count only when an id follows, so
ordinary words that sound alike (唯心, 维新) never fire on their own.

Obfuscation: the normaliser already folds width, case, traditional characters, digit forms and
emoji (🛰 → 卫星, 📞 → 电话). Separators inside a word (微@信, v.x, 加 V) are matched here by a
pattern that tolerates up to `separator_run` separators between characters, and digits broken
up by separators (1-3-8 1234 5678) are joined before a number is judged.
"""

from __future__ import annotations

import re
from bisect import bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding, Severity
from redline.checks.homophones import homophones
from redline.errors import PolicyError
from redline.policy import Policy
from redline.text.normalize import normalizer_for

# Channels of contact words and the rule each reports under.
CONTACT_CHANNELS = ("wechat", "qq", "phone", "email", "generic")
RULES = {
    "wechat": "diversion.wechat",
    "qq": "diversion.qq",
    "phone": "diversion.phone",
    "email": "diversion.email",
    "url": "diversion.url",
    "qr": "diversion.qr",
    "soft": "diversion.soft_cue",
    "link": "diversion.url",
}
CHANNEL_NAMES = {"wechat": "微信", "qq": "QQ", "phone": "电话", "email": "邮箱", "generic": "联系方式", "soft": "引导私下联系", "qr": "二维码", "link": "口令/链接"}
# Strengths: "word" (plain name), "alias" (an evasive spelling), "weak" (homophone or generic
# word: only with an id), "cue" (soft / QR / link cue), "not" (an excluding phrase).
_STRENGTH_RANK = {"alias": 0, "word": 1, "cue": 2, "weak": 3}


@dataclass(frozen=True, slots=True)
class Tag:
    channel: str  # wechat | qq | phone | email | generic | soft | qr | link | not
    strength: str  # word | alias | weak | cue | not


@dataclass(frozen=True, slots=True)
class ContactId:
    """An id found after a contact word: its span in the normalised text and what it looks like."""

    start: int
    end: int
    value: str  # separators removed from digit groups
    form: str  # mobile | landline | number | handle | name
    explicit: bool  # a linker (: 号 是 …) stood between the word and the id


@dataclass(slots=True)
class _Candidate:
    """A finding in the making, on the NORMALISED text (merged with its neighbours first)."""

    start: int
    end: int
    channel: str  # a key of RULES
    violation: bool
    evidence: str


class _Excluded:
    """Spans of excluding phrases (微信支付, 电话手表…); they may overlap one another. A hit is
    excluded when any of them overlaps it: found in O(log n) with the running maximum of ends."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        ordered = sorted(spans)
        self._starts = [start for start, _ in ordered]
        self._max_end: list[int] = []
        reach = -1
        for _, end in ordered:
            reach = max(reach, end)
            self._max_end.append(reach)

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_right(self._starts, end - 1)  # exclusions starting before `end`
        return index > 0 and self._max_end[index - 1] > start


class _Claimed:
    """Non-overlapping spans already reported as violations, sorted, for overlap tests in
    O(log n) (a 200,000-character text can hold thousands of contacts)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()):
        self._spans: list[tuple[int, int]] = []
        for span in spans:
            self.add(*span)

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_right(self._spans, (start, float("inf")))
        if index > 0 and self._spans[index - 1][1] > start:
            return True
        return index < len(self._spans) and self._spans[index][0] < end

    def add(self, start: int, end: int) -> None:
        insort(self._spans, (start, end))


_NOT_DIGITS = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)
_NOT_LETTERS = bytes(b for b in range(256) if not (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A))


def _is_ascii_letter(char: str) -> bool:
    return "a" <= char <= "z"


def _is_ascii_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _same_class(a: str, b: str) -> bool:
    return (_is_ascii_letter(a) and _is_ascii_letter(b)) or (_is_ascii_digit(a) and _is_ascii_digit(b))


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)


class DiversionDetector:
    family = "diversion"

    def __init__(self, policy: Policy):
        self.policy = policy
        self.p = p = policy.checks.diversion
        self.ledger = policy.ledger
        self._normalizer = normalizer_for(policy)
        self._tags: dict[str, set[Tag]] = {}
        lists = {
            ("wechat", "word"): p.wechat_words,
            ("wechat", "alias"): p.wechat_aliases,
            ("wechat", "weak"): p.wechat_homophones,
            ("qq", "word"): p.qq_words,
            ("qq", "alias"): p.qq_aliases,
            ("qq", "weak"): p.qq_homophones,
            ("phone", "word"): p.phone_words,
            ("phone", "alias"): p.phone_aliases,
            ("email", "word"): p.email_words,
            ("generic", "weak"): p.generic_words,
            ("soft", "cue"): p.soft_cues,
            ("qr", "cue"): p.qr_cues,
            ("link", "cue"): p.link_cues,
            ("not", "not"): p.not_contact,
        }
        for (channel, strength), words in lists.items():
            for word in words:
                self._add(word, Tag(channel, strength))
        for target in p.homophone_targets:
            channel = next((c for (c, s), words in lists.items() if c in CONTACT_CHANNELS and target in words), None)
            if channel is None:
                raise PolicyError(f"checks.diversion.homophone_targets：「{target}」不在任何联系方式词表中，无法确定它属于哪种联系方式。")
            for word in homophones(target):
                self._add(word, Tag(channel, "weak"))

        sep = re.escape(p.separators)
        run = p.separator_run
        sep_run = f"[{sep}]{{0,{run}}}"
        word_sep_run = f"[{re.escape(p.word_separators)}]{{0,{run}}}"
        dsep = re.escape(p.digit_separators)
        digit_sep_run = f"[{dsep}]{{0,{run}}}"
        # Contact words of the policy's lists with separators between their characters (微@信,
        # v.x, 加 V, 威 信). Cue phrases (私我, 扫码加) and the generated homophones are left to
        # the plain scan: splitting those up is rare, and every extra alternative here costs
        # time on every text.
        normalized = (self._normalizer.normalize(w).text for (c, s), words in lists.items() if c in CONTACT_CHANNELS and c != "generic" for w in words)
        spaced = [w for w in normalized if len(w) >= 2]
        spaced_alternatives = sorted(set(spaced), key=len, reverse=True)
        self._spaced_words = re.compile("|".join(word_sep_run.join(re.escape(ch) for ch in w) for w in spaced_alternatives))
        # Such a spelling has a separator run between two characters of those words; most texts
        # have no such place and skip the long alternation above.
        spaced_chars = re.escape("".join(sorted({ch for w in spaced_alternatives for ch in w})))
        spaced_tail = f"[{re.escape(p.word_separators)}]{{1,{run}}}[{spaced_chars}]"
        self._spaced_gate = re.compile(f"[{spaced_chars}]{spaced_tail}") if spaced_chars else None
        self._strip_word_separators = re.compile(f"[{re.escape(p.word_separators)}]+")
        self._strip_separators = re.compile(f"[{dsep}()（）]+")
        units = _alternation(p.id_unit_suffixes)
        models = _alternation(p.model_prefixes)
        self._model_name = re.compile(f"(?:{models})[0-9]{{1,4}}[a-z]{{0,4}}") if models else None
        self._quantity = re.compile(f"[0-9]+(?:\\.[0-9]+)?(?:{units})") if units else None

        # What may stand between a contact word and its id, and the id itself.
        linkers = _alternation(p.id_linkers)
        self._gap = re.compile(f"(?:[{sep}]|{linkers})*")
        self._explicit_linker = re.compile(r"\S")
        self._id = re.compile(f"[a-z0-9][a-z0-9_\\-]*(?:(?<=[0-9])[{dsep}]{{1,{run}}}(?=[0-9])[0-9][a-z0-9_\\-]*)*")
        # An id spelled out character by character (a b c 1 2 3, A.B.C.1.2.3) after a contact word.
        self._spelled_id = re.compile(f"[a-z0-9](?:[{dsep}]{{1,{run}}}[a-z0-9]){{{p.id_min_chars - 1},{p.id_max_chars - 1}}}(?![a-z0-9])")
        # The longest stretch an id can occupy: its longest form with separators between digits.
        self._id_span_limit = max(p.id_max_chars, p.id_max_digits * (run + 1)) + 1
        self._unit_after = re.compile(f"\\s*(?:{_alternation(p.id_unit_suffixes)})") if p.id_unit_suffixes else None
        self._invite_before = re.compile(f"(?:{_alternation(p.invite_before)}){sep_run}$") if p.invite_before else None
        self._invite_after = re.compile(f"{sep_run}(?:{_alternation(p.invite_after)})") if p.invite_after else None

        # Bare numbers: mobiles (optionally +86), landlines with an area code, 400/800 hotlines.
        # Runs of digits and digit separators are found first (a fast scan); the run's digit
        # groups are then tried as numbers, so "138 1234 5678 或 139 0000 1111" is two phones.
        self._mobile_prefixes = tuple(p.mobile_prefixes)
        self._country_codes = tuple(c.lstrip("+") for c in p.country_codes)
        self._hotline_prefixes = tuple(p.hotline_prefixes)
        self._phone_starts = (*self._mobile_prefixes, *self._country_codes, *self._hotline_prefixes, "0")
        self._min_number_digits = min(7, p.phone_min_digits)
        # Only runs long enough to hold a phone number (short numbers fail inside the regex).
        self._digit_run = re.compile(f"[0-9](?:[{dsep}]{{0,{run}}}[0-9]){{{self._min_number_digits - 1},}}")
        self._digit_group = re.compile("[0-9]+")
        self._paren_landline = re.compile(f"[(]0[0-9]{{2,3}}[)]{digit_sep_run}[2-9](?:{digit_sep_run}[0-9]){{6,7}}(?![0-9])")
        self._digit = re.compile("[0-9]")
        self._number_context = re.compile(f"(?:{_alternation(p.number_context)})") if p.number_context else None

        # E-mail: a local part, an @ (or 艾特, #, at…), a host and a top-level domain (. or 点).
        at_forms = _alternation(p.email_at_forms)
        dot_forms = _alternation(p.email_dot_forms)
        tlds = _alternation(p.url_tlds)
        self._email_at = re.compile(f"(?:{at_forms})")
        # The shortest forms (a form containing another is covered by it): one substring test
        # each decides whether the text can hold an address at all.
        forms = sorted(set(p.email_at_forms), key=len)
        self._at_atoms = tuple(f for i, f in enumerate(forms) if f and not any(g and g in f for g in forms[:i]))
        self._email_local = re.compile("[a-z0-9][a-z0-9._%+\\-]{0,63}\\s{0,2}$")
        self._email_rest = re.compile(f"\\s{{0,2}}(?P<host>[a-z0-9][a-z0-9\\-]*(?:\\.[a-z0-9\\-]+)*)\\s{{0,2}}(?P<dot>{dot_forms})\\s{{0,2}}(?P<tld>{tlds})(?![a-z])")
        self._email_domains = frozenset(p.email_domains)
        self._addresses_need_letters = bool(p.url_tlds) and all(re.search("[a-z]", tld) for tld in p.url_tlds)
        # A text without a word hit can still hold a contact spelled with separators (微 信) or
        # a bare one; both need what this finds (a bare number its digits, an address, link or
        # share code its letters), so a text where it finds nothing — most comments — has none.
        # (One character set first, then the rest: the regex engine skips ahead in C only for a
        # pattern that starts with a plain set, not with an alternation.)
        may_hold = f"[0-9A-Za-z{spaced_chars}](?:(?<=[0-9A-Za-z])|{spaced_tail})" if spaced_chars else "[0-9A-Za-z]"
        self._may_hold_contact = re.compile(may_hold) if self._addresses_need_letters else None
        # URLs: a scheme or www., or host labels ending in a known top-level domain.
        url_chars = r"[a-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
        self._scheme_url = re.compile(rf"(?:https?|ftp)://{url_chars}+|www\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+{url_chars}*")
        self._tld = re.compile(f"\\.(?:{tlds})(?![a-z0-9])")
        self._host_before = re.compile(r"(?:[a-z0-9][a-z0-9\-]*\.)*[a-z0-9][a-z0-9\-]*$")
        self._path_after = re.compile(rf"(?::[0-9]{{1,5}})?/{url_chars}*")
        url_dots = _alternation(p.url_dot_forms)
        # Cheap gate for the full pattern: 。 is in almost every Chinese text, a written-out dot
        # right before a top-level domain (点com, 。cn) is not.
        self._spelled_url_gate = re.compile(f"(?:{url_dots})\\s*(?:{tlds})(?![a-z0-9])") if url_dots else None
        self._spelled_url = re.compile(f"(?:www\\s*(?:{url_dots})\\s*)?[a-z0-9][a-z0-9\\-]+(?:\\s*(?:{url_dots})\\s*[a-z0-9\\-]+)*\\s*(?:{url_dots})\\s*(?:{tlds})(?![a-z0-9])") if url_dots else None
        self._short_hosts = frozenset(p.short_link_hosts)
        self._allowed_domains = tuple(p.allowed_domains)
        self._not_links = frozenset(p.not_links)
        # Share codes: ¥AbC123xYz¥ (normalised to lower case), letters and digits between marks.
        marks = re.escape(p.share_code_marks)
        self._share_code = re.compile(f"[{marks}](?P<code>[a-z0-9]{{{p.share_code_min_chars},{p.share_code_max_chars}}})[{marks}]") if marks else None

    def _add(self, word: str, tag: Tag) -> None:
        # Words are matched against normalised text, so a policy may write them in any form
        # (VX, 薇信號, ｑｑ) and they still match.
        word = self._normalizer.normalize(word).text
        if word:
            self._tags.setdefault(word, set()).add(tag)

    # -- Detector protocol ------------------------------------------------------------------

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        for word, tags in self._tags.items():
            for tag in tags:
                yield word, tag

    def detect(self, doc: Document, hits: Sequence[Hit]) -> list[Finding]:
        text = doc.text
        if not text:
            return []
        if not hits and self._may_hold_contact is not None and self._may_hold_contact.search(text) is None:
            return []
        words = list(hits) + self._spaced_hits(text)
        candidates: list[_Candidate] = []
        if words:
            excluded = _Excluded((h.start, h.end) for h in words if h.tag.channel == "not")
            live = [h for h in words if h.tag.channel != "not" and not excluded.overlaps(h.start, h.end) and self._bounded(text, h)]
            reach = -1  # end of the last violation: hits come in text order
            for hit in self._strongest(live):
                if hit.start < reach:
                    continue  # inside an id already reported (企鹅 in 企鹅号 123…)
                candidate = self._judge_word(text, hit)
                if candidate is not None:
                    candidates.append(candidate)
                    if candidate.violation:
                        reach = max(reach, candidate.end)
        candidates.extend(self._bare_contacts(text, candidates))
        if not candidates:
            return []
        return [self._finding(doc, c) for c in self._merge(candidates)]

    def _merge(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """A cue next to a violation is part of it (联系邮箱 abc@qq.com, 复制这段 ¥…¥ 打开淘宝):
        the violation's span grows to cover it. Overlapping cues of one rule become one."""
        violations = sorted((c for c in candidates if c.violation), key=lambda c: c.start)
        starts = [v.start for v in violations]
        cues: list[_Candidate] = []
        window = self.p.id_window
        for cue in sorted((c for c in candidates if not c.violation), key=lambda c: c.start):
            # Violations do not overlap, so the one starting last before cue.end + window is the
            # only one that can be next to the cue (any earlier one ends further away).
            index = bisect_right(starts, cue.end + window) - 1
            host = violations[index] if index >= 0 else None
            if host is not None and not (host.start >= cue.end or cue.start < host.end or cue.start <= host.end + window):
                host = None
            if host is not None:
                host.start, host.end = min(host.start, cue.start), max(host.end, cue.end)
                continue
            if cues and cues[-1].channel == cue.channel and cue.start <= cues[-1].end:
                cues[-1].end = max(cues[-1].end, cue.end)
                continue
            cues.append(cue)
        return sorted(violations + cues, key=lambda c: (c.start, c.end))

    # -- words ------------------------------------------------------------------------------

    def _spaced_hits(self, text: str) -> list[Hit]:
        """Contact and cue words written with separators between their characters."""
        if self._spaced_gate is None or self._spaced_gate.search(text) is None:
            return []
        found: list[Hit] = []
        for match in self._spaced_words.finditer(text):
            written = match.group()
            word = self._strip_word_separators.sub("", written)
            if word == written:
                continue  # plain spelling: the shared scan reports it
            for tag in self._tags.get(word, ()):
                found.append(Hit(match.start(), match.end(), word, tag))
        return found

    def _bounded(self, text: str, hit: Hit) -> bool:
        """A Latin word must not be glued into a longer Latin word (tv x, qqq); digits after a
        letter word are an id (vx123456), and letters after it are one only if the glued token
        looks like an id (vxabc123)."""
        first, last = text[hit.start], text[hit.end - 1]
        if hit.start > 0 and _same_class(text[hit.start - 1], first):
            return False
        if hit.end < len(text) and _same_class(last, text[hit.end]):
            if hit.tag.channel not in CONTACT_CHANNELS or hit.tag.strength not in ("word", "alias"):
                return False
            glued = self._id.match(text, hit.end, hit.end + self._id_span_limit)
            token = glued.group() if glued else ""
            return len(token) >= self.p.id_min_chars and bool(self._digit.search(token))
        return True

    @staticmethod
    def _strongest(hits: list[Hit]) -> list[Hit]:
        """One hit per place: the longest word; for the same span the strongest reading."""
        ordered = sorted(hits, key=lambda h: (h.start, -h.end, _STRENGTH_RANK.get(h.tag.strength, 9)))
        kept: list[Hit] = []
        reach = -1
        for hit in ordered:
            if hit.end <= reach:
                continue
            kept.append(hit)
            reach = hit.end
        return kept

    def _judge_word(self, text: str, hit: Hit) -> _Candidate | None:
        tag: Tag = hit.tag
        contact = self._id_after(text, hit.end) if tag.channel in CONTACT_CHANNELS or tag.channel == "soft" else None
        if contact is not None and tag.strength == "weak" and len(hit.word) == 1 and not contact.explicit:
            contact = None  # a lone v / q is an alias only when it introduces an id (v：abc123)
        rule_channel = self._channel_for(tag, contact) if contact else None
        if contact is not None and rule_channel is not None:
            return _Candidate(hit.start, contact.end, rule_channel, True, self._id_evidence(hit, contact, rule_channel))
        if tag.strength == "weak":
            return None
        if tag.strength == "alias" and hit.word.isascii() and hit.word.isalnum():
            # Latin aliases (vx, wx) also name things (索尼 VX600): without an id they count
            # only next to an invitation, like the plain words.
            invitation = self._invitation(text, hit)
            if invitation is None:
                return None
            evidence = f"「{text[invitation[0]:invitation[1]]}」引导添加{CHANNEL_NAMES[tag.channel]}（「{hit.word}」是变体写法，未给出账号）。"
            return _Candidate(*invitation, tag.channel, False, evidence)
        elif tag.strength == "alias":
            evidence = f"「{hit.word}」是{CHANNEL_NAMES[tag.channel]}的变体写法，用来躲避识别；未给出账号，但已构成导流引导。"
        elif tag.strength == "word":
            if tag.channel in ("phone", "email"):
                return None
            invitation = self._invitation(text, hit)
            if invitation is None:
                return None
            evidence = f"「{text[invitation[0]:invitation[1]]}」引导添加{CHANNEL_NAMES[tag.channel]}（未给出账号）。"
            return _Candidate(*invitation, tag.channel, False, evidence)
        elif tag.channel == "soft":
            evidence = f"「{hit.word}」引导用户到站外或私下联系（未给出账号）。"
        elif tag.channel == "qr":
            evidence = f"「{hit.word}」引导扫描二维码或识别图片，属于导流提示。"
        else:
            evidence = f"「{hit.word}」是复制口令、跳转站外平台的提示。"
        return _Candidate(hit.start, hit.end, tag.channel, False, evidence)

    def _invitation(self, text: str, hit: Hit) -> tuple[int, int] | None:
        """The span of the word together with the invitation next to it (加微信, qq详聊)."""
        window = self.p.invite_window
        if self._invite_before is not None:
            low = max(0, hit.start - window - self.p.separator_run)
            match = self._invite_before.search(text, low, hit.start)
            if match:
                return match.start(), hit.end
        if self._invite_after is not None:
            match = self._invite_after.match(text, hit.end, min(len(text), hit.end + window + self.p.separator_run))
            if match:
                return hit.start, match.end()
        return None

    # -- ids --------------------------------------------------------------------------------

    def _id_after(self, text: str, position: int) -> ContactId | None:
        # Both matches are bounded, so a huge text costs no more than a short one per hit.
        gap = self._gap.match(text, position, position + self.p.id_window + 1)
        start = gap.end()
        if start - position > self.p.id_window:
            return None
        match = self._id.match(text, start, start + self._id_span_limit)
        if match is None or match.end() == start + self._id_span_limit:
            return None  # longer than any id
        raw = match.group().rstrip("-_")
        if len(raw) == 1:  # a b c 1 2 3: one character at a time
            spelled = self._spelled_id.match(text, start, start + self._id_span_limit)
            if spelled is not None:
                raw = spelled.group()
        end = start + len(raw)
        if self._unit_after is not None and self._unit_after.match(text, end):
            return None
        joined = self._strip_separators.sub("", raw)
        if not joined.isdigit() and len(joined) < len(raw) and not self._id.fullmatch(raw):
            raw = joined  # a spelled-out handle: the separators were not part of it
        explicit = bool(self._explicit_linker.search(text[position:start]))
        form = self._id_form(joined if joined.isdigit() else raw, explicit)
        if form is None:
            return None
        return ContactId(start, end, joined if joined.isdigit() else raw, form, explicit)

    def _id_form(self, value: str, explicit: bool) -> str | None:
        p = self.p
        if value.isdigit():
            if self._is_mobile(value):
                return "mobile"
            if self._is_landline(value):
                return "landline"
            if p.id_min_digits <= len(value) <= p.id_max_digits:
                return "number"
            return None
        if not p.id_min_chars <= len(value) <= p.id_max_chars:
            return None
        if self._quantity is not None and self._quantity.fullmatch(value):
            return None  # 1000mah, 30w: a quantity, not an id
        if any(_is_ascii_digit(c) for c in value):
            if not explicit and self._model_name is not None and self._model_name.fullmatch(value):
                return None  # 微信 iphone15 闪退: the topic, not an id
            return "handle"
        # Letters only (lilyzhang): an id only when introduced explicitly (微信号：lilyzhang).
        return "name" if explicit else None

    def _is_mobile(self, digits: str) -> bool:
        for code in self._country_codes:
            if digits.startswith(code) and len(digits) == len(code) + 11:
                digits = digits[len(code) :]
                break
        return len(digits) == 11 and digits.startswith(self._mobile_prefixes)

    def _is_landline(self, digits: str) -> bool:
        if digits.startswith(self._hotline_prefixes):
            return len(digits) == 10
        # 0 + 2–3 digit area code + 7–8 digit local number (the local number never starts with 0/1).
        return digits.startswith("0") and 10 <= len(digits) <= 12 and digits[1] != "0"

    def _channel_for(self, tag: Tag, contact: ContactId) -> str | None:
        """The rule's channel for a contact word and the id after it, or None if they don't fit."""
        form = contact.form
        phone_like = form in ("mobile", "landline")
        channel = tag.channel
        if channel == "wechat":
            return "wechat"
        if channel == "qq":
            return "qq" if form in ("number", "mobile") else None
        if channel == "phone":
            if phone_like or (form == "number" and len(contact.value) >= self.p.phone_min_digits):
                return "phone"
            return None
        if channel == "email":
            return "email" if form in ("handle", "name", "number") else None
        if channel == "generic":  # 联系方式：abc123 — but not 咨询 iphone12
            if phone_like:
                return "phone"
            return "wechat" if form in ("handle", "name") and contact.explicit else None
        if channel == "soft":  # 私我 abc123, 加群 8757013
            if phone_like:
                return "phone"
            return "soft" if form in ("handle", "number") else None
        return None

    def _id_evidence(self, hit: Hit, contact: ContactId, channel: str) -> str:
        kind = {"mobile": "手机号", "landline": "固定电话/热线", "number": "号码", "handle": "账号", "name": "账号"}[contact.form]
        spelled = "" if hit.tag.strength == "word" else f"（「{hit.word}」是{CHANNEL_NAMES.get(hit.tag.channel, '联系方式')}的变体或谐音写法）"
        return f"「{hit.word}」后接{kind}「{contact.value}」{spelled}：给出了{CHANNEL_NAMES[channel] if channel in CHANNEL_NAMES else '联系方式'}联系方式。"

    # -- bare contacts ----------------------------------------------------------------------

    def _bare_contacts(self, text: str, earlier: list[_Candidate]) -> list[_Candidate]:
        # What the text's ASCII characters allow: a phone number needs enough digits; an e-mail
        # address, a link and a share code need letters (every top-level domain has one).
        # Most texts are ruled out here, before any pattern runs.
        ascii_part = text.encode("ascii", "ignore")
        may_hold_number = len(ascii_part.translate(None, _NOT_DIGITS)) >= self._min_number_digits
        may_hold_address = not self._addresses_need_letters or bool(ascii_part.translate(None, _NOT_LETTERS))
        if not may_hold_number and not may_hold_address:
            return []
        found: list[_Candidate] = []
        claimed = _Claimed((c.start, c.end) for c in earlier if c.violation)

        def report(channel: str, start: int, end: int, evidence: str) -> None:
            if not claimed.overlaps(start, end):
                claimed.add(start, end)
                found.append(_Candidate(start, end, channel, True, evidence))

        for start, end, digits, mobile in self._numbers(text) if may_hold_number else ():
            if self._number_context is not None and self._number_context.search(text, max(0, start - self.p.number_context_window), start):
                continue  # 订单号 / 型号 …: a code, not a phone
            kind = "中国大陆手机号" if mobile else "固定电话/热线号码"
            report("phone", start, end, f"文中直接给出{kind}「{digits}」。")
        if not may_hold_address:
            return found
        for start, end, address in self._emails(text):
            report("email", start, end, f"文中给出邮箱地址「{address}」。")
        for start, end, link, strength in self._links(text):
            if strength == "mention":
                if not claimed.overlaps(start, end):
                    found.append(_Candidate(start, end, "url", False, f"文中提到站外网站域名「{link}」（没有具体链接）。"))
                continue
            what = "短链接" if strength == "short" else "站外链接"
            report("url", start, end, f"文中给出{what}「{link}」。")
        if self._share_code is not None:
            for match in self._share_code.finditer(text):
                code = match.group("code")
                if self._digit.search(code) and re.search("[a-z]", code):
                    report("url", match.start(), match.end(), f"「{match.group()}」是淘口令式的分享口令，复制后跳转到站外商品页。")
        return found

    def _numbers(self, text: str) -> Iterable[tuple[int, int, str, bool]]:
        """(start, end, digits, is_mobile) of every phone number standing on its own."""
        for run in self._digit_run.finditer(text):
            groups = [(g.start(), g.end()) for g in self._digit_group.finditer(text, run.start(), run.end())]
            first = 0
            while first < len(groups):
                found = self._number_at(text, groups, first)
                if found is None:
                    first += 1
                    continue
                last, digits, mobile = found
                start, end = groups[first][0], groups[last][1]
                # +86 / 0086 in front belongs to the number.
                if first > 0 and mobile and len(digits) == 11 and text[groups[first - 1][0] : groups[first - 1][1]] in self._country_codes:
                    start = groups[first - 1][0]
                if start > 0 and text[start - 1] == "+":
                    start -= 1
                yield start, end, digits, mobile
                first = last + 1
        if "(" in text:
            for match in self._paren_landline.finditer(text):
                digits = "".join(ch for ch in match.group() if _is_ascii_digit(ch))
                if self._is_landline(digits):
                    yield match.start(), match.end(), digits, False

    def _number_at(self, text: str, groups: list[tuple[int, int]], first: int) -> tuple[int, str, bool] | None:
        """The phone number made of groups[first..last], if one starts at group `first`.

        A number is whole groups: it may not begin right after a letter (sf1234…) nor end right
        before one, and a landline needs its area code as a group of its own (0571-8888…)."""
        start = groups[first][0]
        if start > 0 and _is_ascii_letter(text[start - 1]) and first == 0:
            return None
        digits = ""
        for last in range(first, len(groups)):
            digits += text[groups[last][0] : groups[last][1]]
            if len(digits) > 13 or not self._could_start_phone(digits):
                return None
            if len(digits) < 10:
                continue  # no phone is shorter (mobile 11, landline 10–12, hotline 10)
            end = groups[last][1]
            glued_after = end < len(text) and _is_ascii_letter(text[end]) and last == len(groups) - 1
            if glued_after:
                continue
            if self._is_mobile(digits):
                return last, digits, True
            if self._is_landline(digits):
                area = groups[first][1] - groups[first][0]
                if digits.startswith(self._hotline_prefixes) or (last > first and 3 <= area <= 4):
                    return last, digits, False
        return None

    def _could_start_phone(self, digits: str) -> bool:
        """Whether a phone number (or +86 and one) can begin with these digits: a cheap test
        that keeps long runs of other digits (1 1 1 1 …) from being tried at every group."""
        return any(digits[: len(prefix)] == prefix[: len(digits)] for prefix in self._phone_starts)

    def _emails(self, text: str) -> Iterable[tuple[int, int, str]]:
        for atom in self._at_atoms:
            if atom in text:
                break
        else:
            return
        for at in self._email_at.finditer(text):
            local = self._email_local.search(text, max(0, at.start() - 66), at.start())
            if local is None:
                continue
            rest = self._email_rest.match(text, at.end())
            if rest is None:
                continue
            standard = at.group() == "@" and rest.group("dot") == "."
            host = rest.group("host")
            if not standard and host.split(".")[-1] not in self._email_domains:
                continue  # obfuscated forms only for known mail hosts (abc艾特qq点com)
            name = local.group().strip()
            yield local.start(), rest.end(), f"{name}@{host}.{rest.group('tld')}"

    def _links(self, text: str) -> Iterable[tuple[int, int, str, str]]:
        """(start, end, link, strength): strength is "short" (a short-link host), "link" (a
        scheme, www., a path, or an address with its dots written out) or "mention" (a bare
        domain name such as ctrip.com)."""
        if "." in text:
            yield from self._dotted_links(text)
        if self._spelled_url is not None and self._spelled_url_gate.search(text):
            for match in self._spelled_url.finditer(text):
                if match.start() > 0 and _is_ascii_letter(text[match.start() - 1]):
                    continue
                yield match.start(), match.end(), match.group(), "link"

    def _dotted_links(self, text: str) -> Iterable[tuple[int, int, str, str]]:
        seen_end = -1
        for match in self._scheme_url.finditer(text) if ("://" in text or "www." in text) else ():
            link = match.group().rstrip(".,;:!?)(")
            host = re.sub(r"^(?:[a-z]+://)?", "", link).split("/", 1)[0].split(":", 1)[0]
            if not self._allowed(host):
                seen_end = max(seen_end, match.start() + len(link))
                yield match.start(), match.start() + len(link), link, "short" if host in self._short_hosts else "link"
        for tld in self._tld.finditer(text):
            if tld.start() < seen_end:
                continue
            host_match = self._host_before.search(text, max(0, tld.start() - 64), tld.start())
            if host_match is None or host_match.start() > 0 and text[host_match.start() - 1] in "@.":
                continue  # an e-mail address, or nothing before the dot
            host = host_match.group() + tld.group()
            labels = host_match.group()
            if not re.search("[a-z]", labels) or host in self._not_links:
                continue
            path = self._path_after.match(text, tld.end())
            end = path.end() if path else tld.end()
            if self._allowed(host):
                continue
            link = text[host_match.start() : end].rstrip(".,;:!?)(")
            has_path = bool(path) and len(path.group()) > 1
            strength = ("short" if host in self._short_hosts else "link") if has_path else "mention"
            yield host_match.start(), host_match.start() + len(link), link, strength

    def _allowed(self, host: str) -> bool:
        return any(host == domain or host.endswith("." + domain) for domain in self._allowed_domains)

    # -- findings ---------------------------------------------------------------------------

    def _sanction_text(self) -> str:
        """The escalation the ledger applies on confirmation, in words (首次违规限流 7 天…)."""
        rules = getattr(self.ledger, "rules", None)
        rule_key = getattr(self.ledger, "rule_key", None)
        key = rule_key(self.p.ledger_rule) if callable(rule_key) else None
        steps = getattr(rules.get(key), "account", ()) if rules and key else ()
        parts = []
        for index, step in enumerate(steps):
            if step.kind == "none":
                continue
            when = "首次" if index == 0 else "再次" if index == len(steps) - 1 else f"第 {index + 1} 次"
            what = _SANCTION_WORDS.get(step.kind, step.kind)
            span = f" {step.days} 天" if step.days else "（永久）"
            parts.append(f"{when}违规{what}{span}")
        return f"确认后：{'，'.join(parts)}。" if parts else ""

    def _finding(self, doc: Document, candidate: _Candidate) -> Finding:
        p = self.p
        rule = RULES[candidate.channel]
        if candidate.violation:
            advice = _VIOLATION_ADVICE.get(candidate.channel, _VIOLATION_ADVICE["wechat"]) + self._sanction_text()
            severity: Severity = p.id_severity
        else:
            advice = _CUE_ADVICE[rule]
            severity = p.cue_severity
        sanction = p.sanction if severity == "violation" else ""
        points = p.points if severity == "violation" else 0
        return doc.finding(rule, severity, candidate.start, candidate.end, candidate.evidence, advice, points, sanction)


_SANCTION_WORDS = {"throttle": "限流", "mute": "禁言", "ban": "封号", "demotion": "降权", "commercial_restriction": "限制商业合作"}
_VIOLATION_ADVICE = {
    "wechat": "删除微信号及其变体写法。站外联系方式属于违规导流；需要沟通请使用站内私信，商家请使用店铺客服。",
    "qq": "删除 QQ 号。站外联系方式属于违规导流；需要沟通请使用站内私信。",
    "phone": "删除电话号码（含拆开、换写的数字）。需要沟通请使用站内私信，商家请使用店铺客服或留资组件。",
    "email": "删除邮箱地址。需要收集资料请使用平台的留资或私信功能。",
    "url": "删除站外链接、短链接和口令。商品请通过平台店铺挂车，资料请直接写在笔记里。",
    "soft": "删除引导私下联系的说法和账号，把要分享的内容直接写在笔记或评论里。",
}
_CUE_ADVICE = {
    "diversion.wechat": "去掉引导加微信的说法；有问题请在评论区或站内私信里直接回答。",
    "diversion.qq": "去掉引导加 QQ 的说法；有问题请在评论区或站内私信里直接回答。",
    "diversion.phone": "去掉索要或引导拨打电话的说法；需要沟通请使用站内私信。",
    "diversion.email": "去掉引导发邮件的说法；需要收集资料请使用平台的留资或私信功能。",
    "diversion.soft_cue": "把要分享的信息直接写出来，不要用「私我」「看主页」这类说法把人引到私下。",
    "diversion.qr": "删除二维码和「扫码」「长按识别」这类引导，图片里的二维码同样会被识别为导流。",
    "diversion.url": "删除口令和跳转站外平台的提示；商品请通过平台店铺挂车。",
}


def make_detector(policy: Policy) -> DiversionDetector:
    return DiversionDetector(policy)
