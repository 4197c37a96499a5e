"""Offline generation: length, distinctness, key terms kept, compliance screening."""

from __future__ import annotations

import pytest

from redline.errors import InputError
from redline.policy import load_policy
from redline.titles.generate import generate_variants, key_terms, parse_llm_titles

TITLES = ["油皮夏天用的平价防晒推荐", "通勤穿搭｜小个子秋冬外套怎么选", "我的考研英语复习经验"]


@pytest.mark.parametrize("title", TITLES)
def test_variants_are_short_distinct_and_keep_key_terms(title, policy):
    generation = generate_variants(title, n=60, policy=policy)
    titles = [v.title for v in generation.variants]
    assert len(titles) == 60
    assert len(set(titles)) == 60 and title not in titles
    assert all(len(t) <= policy.titles.max_chars for t in titles)
    assert generation.key_terms
    for t in titles:
        assert all(term in t for term in generation.key_terms), t


def test_variants_pass_the_compliance_checks(policy):
    from redline.checks import check_text

    generation = generate_variants(TITLES[0], n=50, policy=policy)
    for variant in generation.variants:
        findings = check_text("", policy=policy, kind="note", title=variant.title).findings
        assert not [f for f in findings if f.family in policy.titles.reject_families], variant.title


def test_emoji_are_sparse(policy):
    generation = generate_variants(TITLES[0], n=80, policy=policy)
    with_emoji = [v.title for v in generation.variants if any(ord(c) > 0x2600 and not "\u4e00" <= c <= "\u9fff" and c not in "｜：？！，" for c in v.title)]
    assert len(with_emoji) <= 0.35 * len(generation.variants)


def test_key_terms_keep_the_head_noun():
    from redline.policy import default_policy

    assert key_terms("油皮夏天用的平价防晒推荐", "", default_policy()) == ("油皮", "防晒")


def test_noncompliant_template_output_is_rejected_with_its_rule(tmp_path):
    override = tmp_path / "p.toml"
    override.write_text('[titles.generation]\ntemplates = ["震惊！{topic}居然这样", "{topic}怎么选？"]\n', encoding="utf-8")
    policy = load_policy(override)
    generation = generate_variants(TITLES[0], n=5, policy=policy)
    assert generation.variants and all("震惊" not in v.title for v in generation.variants)
    assert generation.rejected and all(any(r.startswith("values") for r in item.rules) for item in generation.rejected)


def test_generation_is_deterministic_for_a_seed(policy):
    a = [v.title for v in generate_variants(TITLES[1], n=30, policy=policy, seed=3).variants]
    b = [v.title for v in generate_variants(TITLES[1], n=30, policy=policy, seed=3).variants]
    assert a == b


@pytest.mark.parametrize("n", [0, -1, 1000])
def test_bad_count_is_refused(n, policy):
    with pytest.raises(InputError):
        generate_variants(TITLES[0], n=n, policy=policy)


def test_empty_title_is_refused(policy):
    with pytest.raises(InputError):
        generate_variants("   ", policy=policy)


def test_parse_llm_titles_variants():
    assert parse_llm_titles('["a", "b"]') == ["a", "b"]
    assert parse_llm_titles('好的：\n{"titles": ["a"]}') == ["a"]
    assert parse_llm_titles('{"titles": ["a", "b", "c') == ["a", "b"]
    assert parse_llm_titles("1. 标题一\n2、标题二\n- 标题三") == ["标题一", "标题二", "标题三"]
