"""Low-price diversion products (引流款, SPEC R-TRF): a product sold at or below the policy floor
(¥0.1, ¥1) exists to move buyers to a private channel; below the risk line (¥9.9) it is flagged.
Diversion findings in the same text (a WeChat id in a ¥0.1 listing) make either case worse.

The price is the request's `price` when given; otherwise, for the kinds the policy names
(product listings), the lowest selling price stated in the text (¥0.1, 1元, 一毛钱), skipping
prices that are not what the buyer pays (原价199, 满99减10, 价值59的赠品). Runs last, after the
diversion detector, so it can read that detector's findings for the same field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.errors import InputError
from redline.policy import Policy
from redline.text.normalize import normalizer_for

_PRICE_WORD = "price_word"
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
# ¥0.1 / rmb 1 / 0.1元 / 1块 / 9块9 / 1.00 rmb (the normaliser turns ￥ into ¥ and lower-cases RMB).
# 9块9 is ¥9.9 (the colloquial form), so that alternative comes first.
_STATED_PRICE = re.compile(
    rf"(?:[¥$]|rmb)\s*(?P<a>{_NUMBER})"
    rf"|(?<![0-9.])(?P<c>[0-9]+)\s*[块元]\s*(?P<d>[0-9])(?![0-9.])"
    rf"|(?<![0-9.])(?P<b>{_NUMBER})\s*(?:元|块钱|块|rmb)(?![0-9a-z])"
)


def _money(value: float) -> str:
    return f"¥{value:g}"


class PriceDetector:
    family = "price"

    def __init__(self, policy: Policy):
        self.p = policy.checks.price
        normalize = normalizer_for(policy).normalize  # words are matched in normalised text
        self._price_words = {normalize(word).text: value for word, value in self.p.price_words.items()}
        not_selling = {normalize(word).text for word in self.p.not_selling_price}
        words = "|".join(re.escape(w) for w in sorted(not_selling, key=len, reverse=True) if w)
        self._not_selling = re.compile(f"(?:{words})\\s*$") if words else None

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        for word in self._price_words:
            yield word, _PRICE_WORD

    def detect(self, doc: Document, hits: Sequence[Hit]) -> list[Finding]:
        if doc.field_name != "text":
            return []  # the price belongs to the listing, judged once on its body
        request = doc.request
        if request.price is not None:
            price = request.price
            if not isinstance(price, (int, float)) or isinstance(price, bool) or not math.isfinite(price) or price < 0:
                raise InputError(f"商品价格必须是不小于 0 的数字，收到的是「{price}」。")
            span = self._mention_of(doc.text, float(price))
            source = "商品标价"
        elif request.kind in self.p.text_price_kinds:
            stated = self._lowest_stated_price(doc.text, hits)
            if stated is None:
                return []
            price, span = stated
            source = "商品文案中的售价"
        else:
            return []
        return self._judge(doc, float(price), span, source)

    def _judge(self, doc: Document, price: float, span: tuple[int, int] | None, source: str) -> list[Finding]:
        p = self.p
        diversion = [f for f in doc.findings if f.family == "diversion" and f.field == doc.field_name]
        cues = "、".join(dict.fromkeys(f"「{f.excerpt}」" for f in diversion))
        if price <= p.violation_floor:
            rule, severity, points, sanction = "price.floor", "violation", p.points, p.sanction
            evidence = f"{source} {_money(price)}，不高于引流款底线 {_money(p.violation_floor)}：以极低价吸引下单后转到站外成交。"
            advice = f"把售价调整到正常水平（至少高于 {_money(p.risk_below)}），不要用极低价商品换取用户联系方式。"
            if diversion:
                points += p.with_diversion_extra_points
                sanction = p.with_diversion_sanction or sanction
                evidence += f"文案中同时出现导流内容 {cues}，属于借商品变相导流，从重处理。"
                advice += "并删除文案中的联系方式和导流提示。"
        elif price < p.risk_below:
            rule = "price.risk"
            evidence = f"{source} {_money(price)}，低于 {_money(p.risk_below)} 的低价风险线：疑似引流款。"
            advice = f"低于 {_money(p.risk_below)} 的商品会被重点审核；确认定价真实、商品与描述一致，且不在文案或售后中引导站外联系。"
            if diversion:
                severity, points, sanction = "violation", p.points, p.sanction
                evidence += f"文案中同时出现导流内容 {cues}，低价商品加导流按引流款处理。"
                advice += "删除文案中的联系方式和导流提示。"
            else:
                severity, points, sanction = "warning", p.risk_points, p.risk_sanction
        else:
            return []
        if span is None:
            return [doc.whole_text_finding(rule, severity, evidence, advice, points, sanction)]
        return [doc.finding(rule, severity, span[0], span[1], evidence, advice, points, sanction)]

    def _stated_prices(self, text: str, hits: Sequence[Hit]) -> Iterable[tuple[float, int, int]]:
        for match in _STATED_PRICE.finditer(text):
            number = match.group("a") or match.group("b") or f"{match.group('c')}.{match.group('d')}"
            if self._not_selling is not None and self._not_selling.search(text, max(0, match.start() - self.p.not_selling_window), match.start()):
                continue
            yield float(number), match.start(), match.end()
        for hit in hits:
            if hit.tag == _PRICE_WORD:
                yield self._price_words[hit.word], hit.start, hit.end

    def _lowest_stated_price(self, text: str, hits: Sequence[Hit]) -> tuple[float, tuple[int, int]] | None:
        best: tuple[float, tuple[int, int]] | None = None
        for value, start, end in self._stated_prices(text, hits):
            if best is None or value < best[0]:
                best = (value, (start, end))
        return best

    def _mention_of(self, text: str, price: float) -> tuple[int, int] | None:
        """Where the text states this price, if it does (so the finding points at it)."""
        for value, start, end in self._stated_prices(text, ()):
            if math.isclose(value, price, abs_tol=1e-9):
                return start, end
        return None


def make_detector(policy: Policy) -> PriceDetector:
    return PriceDetector(policy)
