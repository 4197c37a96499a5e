"""Regulated claims (SPEC R-TXT-3): credentials, penalties and the ban cases."""

from __future__ import annotations

from redline.checks import check_text

from .policy_helpers import policy_with


def claims(result, rule=None):
    return [f for f in result.findings if f.family == "claim" and (rule is None or f.rule == rule)]


def test_medical_claim_without_licence_is_removed_with_points(policy):
    [finding] = claims(check_text("这款药膏可以治疗湿疹"), "claim.medical")
    medical = policy.checks.claims.medical
    assert finding.severity == "violation"
    assert (finding.points, finding.sanction) == (medical.points, medical.sanction) == (10, "remove_note")
    assert "医疗机构执业许可证" in finding.evidence and "medical_license" in finding.evidence


def test_credentials_pass_what_they_cover_and_nothing_else():
    text = "这款药膏可以治疗湿疹，胶原蛋白肽还能排毒养颜"
    unlicensed = {f.rule for f in claims(check_text(text))}
    assert unlicensed == {"claim.medical", "claim.food"}
    medical_only = {f.rule for f in claims(check_text(text, credentials=frozenset({"medical_license"})))}
    assert medical_only == {"claim.food"}
    both = claims(check_text(text, credentials=frozenset({"medical_license", "food_license"})))
    assert both == []


def test_aesthetics_needs_every_listed_credential():
    text = "热玛吉限时特价，预约面诊"
    half = claims(check_text(text, kind="ad", credentials=frozenset({"medical_license"})))
    assert [f.rule for f in half] == ["claim.aesthetic"]
    assert "doctor_license" in half[0].evidence and "已持有：medical_license" in half[0].evidence
    full = frozenset({"medical_license", "doctor_license"})
    assert claims(check_text(text, kind="ad", credentials=full)) == []


def test_aesthetic_absolute_claims_cost_points_even_with_credentials(policy):
    full = frozenset({"medical_license", "doctor_license"})
    findings = claims(check_text("无痛隆鼻，三天见效", credentials=full), "claim.aesthetic")
    assert [f.excerpt for f in findings] == ["无痛隆鼻", "三天见效"]
    aesthetic = policy.checks.claims.aesthetic
    assert all(f.points == aesthetic.absolute_points == 10 for f in findings)


def test_health_food_curing_disease_bans_the_account(policy):
    [finding] = claims(check_text("每天两粒益生菌，坚持三个月治疗糖尿病"))
    assert finding.rule == "claim.food"
    assert finding.sanction == policy.checks.claims.food.cure_disease_sanction == "account_ban"
    # a licence does not make it compliant
    licensed = claims(check_text("每天两粒益生菌，治疗糖尿病", credentials=frozenset({"food_license"})))
    assert [f.sanction for f in licensed] == ["account_ban"]


def test_the_category_makes_a_health_food_note():
    text = "这款冲剂坚持喝可以治疗糖尿病"
    assert [f.rule for f in claims(check_text(text))] == ["claim.medical"]
    [finding] = claims(check_text(text, category="health_food"))
    assert (finding.rule, finding.sanction) == ("claim.food", "account_ban")


def test_personal_history_and_service_mentions_are_not_claims():
    assert claims(check_text("我妈有糖尿病，医生给她治疗了三个月")) == []
    assert claims(check_text("上个月去做了热玛吉，记录恢复过程")) == []
    assert claims(check_text("热玛吉特价，私信预约", kind="ad"))


def test_points_and_sanctions_come_from_policy():
    custom = policy_with({"checks": {"claims": {"medical": {"points": 7, "sanction": "throttle_note"}}}})
    [finding] = claims(check_text("这款药膏可以治疗湿疹", policy=custom))
    assert (finding.points, finding.sanction) == (7, "throttle_note")
