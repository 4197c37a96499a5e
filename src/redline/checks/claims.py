"""Regulated claims that need credentials (SPEC R-TXT-3): medical treatment, medical
aesthetics, education promises and health-food efficacy.

Each finding names the credential that would allow the claim; the account's credentials
(`request.credentials`, e.g. {"medical_license", "food_license"}) pass the claims they cover.
Three cases carry heavier consequences, all from the policy:
- a medical claim without a licence: points and the note removed;
- an absolute medical-aesthetics claim (无痛隆鼻, 三天见效): points even with credentials,
  since no licence makes an absolute promise compliant;
- a health-food note claiming to cure a disease (治疗糖尿病): the account ban. The same words
  outside a health-food note are a medical claim.
Claim words told as personal history (医生给我治疗…) or inside an allowed phrase (治愈系) are
not claims; service words (热玛吉, 水光针) are claims only in commercial content, and generic
words (治疗, 疗效) outside commercial content only next to an efficacy cue (可以治疗, 治疗作用).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from redline.checks.document import Document, Hit
from redline.checks.finding import Finding
from redline.checks.wordhits import Nearby, select
from redline.policy import Policy
from redline.policy.schema import ClaimPolicy

CLAIM_NAMES = ("medical", "aesthetic", "education", "food")
CLAIM_LABELS = {"medical": "医疗功效", "aesthetic": "医美效果", "education": "教育承诺", "food": "保健食品功效"}
_CLAIM, _ALLOWED, _CATEGORY, _NARRATIVE, _CONTEXT = "claim", "allowed", "category", "narrative", "context"


class ClaimsDetector:
    family = "claim"
    needs_hits = True  # no word of its lists in the text: nothing to find

    def __init__(self, policy: Policy):
        claims = policy.checks.claims
        self.claims: dict[str, ClaimPolicy] = {name: getattr(claims, name) for name in CLAIM_NAMES}
        self.categories = {
            name: frozenset(c.lower() for c in claim.categories) for name, claim in self.claims.items()
        }

    def vocabulary(self) -> Iterable[tuple[str, object]]:
        for name, claim in self.claims.items():
            for word in claim.words:
                yield word, (name, _CLAIM)
            for word in claim.allowed:
                yield word, (name, _ALLOWED)
            for word in claim.category_words:
                yield word, (name, _CATEGORY)
            for word in claim.narrative_cues:
                yield word, (name, _NARRATIVE)
            for word in claim.context_cues:
                yield word, (name, _CONTEXT)

    def in_domain(self, doc: Document, name: str, by_tag: dict[object, list[Hit]]) -> bool:
        """A note of this claim's domain: by its category, or by the domain's words in the text."""
        category = (doc.request.category or "").lower()
        return category in self.categories[name] or (name, _CATEGORY) in by_tag

    def detect(self, doc: Document, hits: Sequence[Hit]) -> Iterable[Finding]:
        hits = list(hits)
        if not hits:
            return []
        claim_hits = [h for h in hits if h.tag[1] == _CLAIM]
        if not claim_hits:
            return []
        by_tag: dict[object, list[Hit]] = {}
        for hit in hits:
            by_tag.setdefault(hit.tag, []).append(hit)
        allowed = [(h.start, h.end) for h in hits if h.tag[1] == _ALLOWED]
        # Longest claim word wins across families (治疗糖尿病 over 治疗), allowed phrases of any
        # family cancel what they cover, and where two families list the same word (降血压)
        # the note's own domain wins.
        domains = {name for name in CLAIM_NAMES if self.in_domain(doc, name, by_tag)}
        claim_hits.sort(key=lambda h: h.tag[0] not in domains)
        live = select(doc.text, claim_hits, allowed)
        commercial = doc.is_commercial
        held = doc.request.credentials
        food_note = "food" in domains
        # Cue positions per (family, kind), built on first use: proximity checks are O(log n).
        nearby: dict[object, Nearby] = {}

        def cues(tag: tuple[str, str]) -> Nearby:
            if tag not in nearby:
                nearby[tag] = Nearby(by_tag.get(tag, ()))
            return nearby[tag]

        findings: list[Finding] = []
        for hit in live:
            name = hit.tag[0]
            claim = self.claims[name]
            if name == "food" and hit.word in claim.cure_disease and not food_note:
                name, claim = "medical", self.claims["medical"]  # curing a disease, outside food
            if hit.word in claim.commercial_only and not commercial:
                continue
            # An efficacy cue before or after (可以治疗, 治疗作用) makes a generic word a claim.
            if hit.word in claim.needs_context and not commercial:
                if not cues((name, _CONTEXT)).around(hit.start, hit.end, claim.context_window):
                    continue
            # A narrative cue shortly before (医生给她治疗) makes it personal history.
            if cues((name, _NARRATIVE)).before(hit.start, claim.narrative_window):
                continue
            finding = self._finding(doc, name, claim, hit, held, food_note)
            if finding is not None:
                findings.append(finding)
        return findings

    def _finding(
        self, doc: Document, name: str, claim: ClaimPolicy, hit: Hit, held: frozenset[str], food_note: bool
    ) -> Finding | None:
        missing = [c for c in claim.credentials if c not in held]
        label = CLAIM_LABELS[name]
        rule = f"claim.{name}"
        if hit.word in claim.absolute:
            # Credentials do not make an absolute promise compliant.
            return doc.finding(
                rule,
                claim.severity,
                hit.start,
                hit.end,
                evidence=(
                    f"{label}绝对化表述「{hit.word}」：即使持有{claim.credential_name}，"
                    "绝对化承诺也不被允许。"
                ),
                advice="删去「无痛」「X天见效」「永久」这类保证，改为如实描述项目过程、恢复期与个体差异，并提示风险。",
                points=claim.absolute_points,
                sanction=claim.absolute_sanction,
            )
        if name == "food" and food_note and hit.word in claim.cure_disease:
            return doc.finding(
                rule,
                claim.severity,
                hit.start,
                hit.end,
                evidence=(
                    f"保健食品笔记宣称「{hit.word}」：宣称治疗疾病属于严重违规，"
                    f"{claim.credential_name}也不能使其合规。"
                ),
                advice="保健食品不能宣称治疗或预防疾病：删去疗效说法，只写成分、食用方法和个人感受，并注明「本品不能代替药物」。",
                points=claim.points,
                sanction=claim.cure_disease_sanction,
            )
        if not missing:
            return None
        held_note = f"（已持有：{'、'.join(sorted(held & set(claim.credentials)))}）" if held & set(claim.credentials) else ""
        return doc.finding(
            rule,
            claim.severity,
            hit.start,
            hit.end,
            evidence=(
                f"{label}表述「{hit.word}」需要{claim.credential_name}"
                f"（资质：{'、'.join(missing)}）{held_note}，该账号未提交。"
            ),
            advice=(
                f"提交{claim.credential_name}后再发布此类内容；或删去「{hit.word}」，"
                "改为个人真实经历的描述，不承诺效果。"
            ),
            points=claim.points,
            sanction=claim.sanction,
        )


def make_detector(policy: Policy) -> ClaimsDetector:
    return ClaimsDetector(policy)
