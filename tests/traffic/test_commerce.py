"""Products, attachments and low-price listings: ingestion (SQLite and PostgreSQL), the ledger
feed, the decision's low-price and teen-mode reasons, and the demo's commerce side."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from support.cli import run_cli
from sqlalchemy import func, select

from redline.errors import InputError, NotFoundError
from redline.ingest.products import load_product_links_file, load_products_file
from redline.store.entities import Account, Note, Product
from redline.store.ledger import load_entries
from redline.store.listings import route_listings
from redline.store.product_links import product_history
from redline.store.traffic_tables import NoteProductLink
from redline.traffic.decision import ListingFact, NoteFacts, decide_note
from redline.traffic.pools import ProductLinkEvent, pool_at
from redline.traffic.tiers import tier_for

T0 = datetime(2026, 11, 10, 2, tzinfo=timezone.utc)  # 10:00 in Asia/Shanghai


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def shop(database):
    with database.session() as session:
        session.add(Account(id="s1", has_shop=True, categories=["美妆"], credentials=[], fan_interests={}))
        session.add(Account(id="c1", categories=[], credentials=[], fan_interests={}))
        for note_id in ("n1", "n2"):
            session.add(Note(id=note_id, account_id="s1", title="面霜实测", body="用了两周的感受", category="美妆", published_at=T0))
    return database


PRODUCTS = [
    {"id": "p-cheap", "account_id": "s1", "title": "试用装", "description": "0.1 元试用装，拍下后加 vx：shop2024 领福利", "category": "美妆", "price": 0.1, "created_at": "2026-11-01T10:00:00+08:00"},
    {"id": "p-one", "account_id": "s1", "title": "体验装", "description": "一元体验装，每人限购一件。", "category": "美妆", "price": 1, "created_at": "2026-11-01T10:00:00+08:00"},
    {"id": "p-risk", "account_id": "s1", "title": "旅行装", "description": "旅行装小样。", "category": "美妆", "price": 5.9, "created_at": "2026-11-01T10:00:00+08:00"},
    {"id": "p-ok", "account_id": "s1", "title": "保湿面霜", "description": "保湿面霜，正品保障。", "category": "美妆", "price": 159, "created_at": "2026-11-01T10:00:00+08:00"},
]


def test_products_and_links_load_once_and_set_the_pools(shop, policy, tmp_path):
    products = _jsonl(tmp_path / "products.jsonl", PRODUCTS)
    links = _jsonl(tmp_path / "links.jsonl", [
        {"note_id": "n1", "product_id": "p-ok", "at": T0.isoformat()},  # at publication
        {"note_id": "n2", "product_id": "p-ok", "at": (T0 + timedelta(days=2)).isoformat()},  # later
        {"note_id": "n2", "product_id": None, "at": (T0 + timedelta(days=4)).isoformat()},  # detached
    ])
    first = load_products_file(shop, products, policy)
    assert (first.inserted, first.unchanged) == (4, 0)
    linked = load_product_links_file(shop, links, policy)
    assert (linked.inserted, linked.unchanged) == (3, 0)
    # Loading the same files again changes nothing.
    assert load_products_file(shop, products, policy).unchanged == 4
    assert load_product_links_file(shop, links, policy).unchanged == 3
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(NoteProductLink)) == 3
        n1, n2 = session.get(Note, "n1"), session.get(Note, "n2")
        h1, h2 = product_history(session, n1), product_history(session, n2)
        assert n1.product_id == "p-ok" and n2.product_id is None
    assert pool_at(h1, T0) == "commerce"
    assert [pool_at(h2, T0 + timedelta(days=d)) for d in (1, 3, 5)] == ["community", "commerce", "community"]


def test_a_bad_product_file_writes_nothing(shop, policy, tmp_path):
    bad = _jsonl(tmp_path / "bad.jsonl", [PRODUCTS[3], {**PRODUCTS[0], "id": "p-neg", "price": -1}, "{not json", {**PRODUCTS[1], "price": "cheap"}])
    with pytest.raises(InputError) as error:
        load_products_file(shop, bad, policy)
    assert "第 2 行" in str(error.value) and "price" in str(error.value) and "未写入" in str(error.value)
    unknown = _jsonl(tmp_path / "unknown.jsonl", [{**PRODUCTS[3], "account_id": "nobody"}])
    with pytest.raises(InputError, match="未知账号"):
        load_products_file(shop, unknown, policy)
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 0


def test_a_bad_link_file_writes_nothing(shop, policy, tmp_path):
    load_products_file(shop, _jsonl(tmp_path / "p.jsonl", PRODUCTS[3:]), policy)
    unknown = _jsonl(tmp_path / "unknown.jsonl", [{"note_id": "n1", "product_id": "p-ok", "at": T0.isoformat()}, {"note_id": "ghost", "product_id": "p-ok", "at": T0.isoformat()}])
    with pytest.raises(InputError, match="未知笔记"):
        load_product_links_file(shop, unknown, policy)
    early = _jsonl(tmp_path / "early.jsonl", [
        {"note_id": "n1", "product_id": "p-ok", "at": T0.isoformat()},
        {"note_id": "n2", "product_id": "p-ok", "at": (T0 - timedelta(hours=1)).isoformat()},
    ])
    with pytest.raises(InputError, match="早于笔记发布时间"):
        load_product_links_file(shop, early, policy)
    with shop.session() as session:
        assert session.scalar(select(func.count()).select_from(NoteProductLink)) == 0
        assert session.get(Note, "n1").product_id is None


def test_floor_listings_are_recorded_in_the_ledger_once(shop, policy, tmp_path):
    load_products_file(shop, _jsonl(tmp_path / "p.jsonl", PRODUCTS), policy)
    routed = {r.product_id: r for r in route_listings(shop, policy)}
    assert routed["p-ok"].verdict == "pass" and not routed["p-ok"].entries
    assert "price.risk" in routed["p-risk"].rules and not routed["p-risk"].entries  # a risk flag is not a deduction
    assert [e.rule for e in routed["p-one"].entries] == ["price.floor"]
    assert routed["p-one"].entries[0].points == policy.checks.price.points
    cheap = [e for e in routed["p-cheap"].entries if e.rule == "price.floor"]
    # A floor price with a WeChat cue in the listing costs the extra points.
    assert cheap and cheap[0].points == policy.checks.price.points + policy.checks.price.with_diversion_extra_points
    assert cheap[0].evidence["product_id"] == "p-cheap"
    recorded = len(load_entries(shop, "s1"))
    # Checking again records nothing twice.
    again = {r.product_id: r for r in route_listings(shop, policy)}
    assert not any(r.entries for r in again.values()) and again["p-one"].already
    assert len(load_entries(shop, "s1")) == recorded
    # A changed price is a new listing, judged again.
    with shop.session() as session:
        session.get(Product, "p-one").price = 0.5
    assert [e.rule for e in route_listings(shop, policy, ["p-one"])[0].entries] == ["price.floor"]
    with pytest.raises(NotFoundError):
        route_listings(shop, policy, ["nope"])


# -- the decision ----------------------------------------------------------------------------

AT = T0 + timedelta(days=1)


def _commerce_note(listing: ListingFact | None, **extra) -> NoteFacts:
    return NoteFacts("n", T0, category="美妆", product_history=(ProductLinkEvent(T0, "p"),), listing=listing, **extra)


@pytest.mark.parametrize(("price", "rule", "multiplier_of"), [
    (0.1, "price.floor", "floor_shop_multiplier"),
    (1.0, "price.floor", "floor_shop_multiplier"),
    (5.9, "price.risk", "risk_shop_multiplier"),
    (59.0, None, None),
])
def test_low_price_listing_cuts_the_product_notes_commerce_traffic(policy, price, rule, multiplier_of):
    decision = decide_note(_commerce_note(ListingFact("p", price, rule)), tier_for(70, policy), [], AT, policy)
    reasons = {r.rule: r for r in decision.reasons}
    assert decision.pools == ("commerce",)
    if rule is None:
        assert not any(key.startswith("traffic.low_price") for key in reasons)
        assert decision.multiplier == 1.0
    else:
        reason = reasons[f"traffic.low_price.{rule.split('.')[1]}"]
        expected = getattr(policy.traffic.low_price, multiplier_of)
        assert reason.multiplier == expected and decision.multiplier == pytest.approx(expected)
        assert f"¥{price:g}" in reason.effect and reason.numbers["price"] == price


def test_low_price_applies_only_while_the_product_is_attached(policy):
    detached = NoteFacts("n", T0, product_history=(ProductLinkEvent(T0, "p"), ProductLinkEvent(T0 + timedelta(hours=2), None)),
                         listing=ListingFact("p", 0.1, "price.floor"))
    assert not any(r.rule.startswith("traffic.low_price") for r in decide_note(detached, tier_for(70, policy), [], AT, policy).reasons)
    with_cues = decide_note(_commerce_note(ListingFact("p", 0.1, "price.floor", "violation", "", ("加 vx：shop2024",))), tier_for(70, policy), [], AT, policy)
    reason = next(r for r in with_cues.reasons if r.rule == "traffic.low_price.floor")
    assert "加 vx：shop2024" in reason.effect and "从重" in reason.effect


def test_attached_later_note_says_its_community_reach_stays(policy):
    later = NoteFacts("n", T0, product_history=(ProductLinkEvent(T0 + timedelta(days=2), "p"),))
    at_publish = NoteFacts("n", T0, product_history=(ProductLinkEvent(T0, "p"),))
    at = T0 + timedelta(days=3)
    r_later = next(r for r in decide_note(later, tier_for(70, policy), [], at, policy).reasons if r.rule == "traffic.pool.commerce")
    r_publish = next(r for r in decide_note(at_publish, tier_for(70, policy), [], at, policy).reasons if r.rule == "traffic.pool.commerce")
    assert r_later.numbers["attached_after_publication"] is True and "保留" in r_later.effect and "2.0 天" in r_later.effect
    assert r_publish.numbers["attached_after_publication"] is False and "保留" not in r_publish.effect
    # Before the attachment the same note is a community note.
    assert decide_note(later, tier_for(70, policy), [], T0 + timedelta(days=1), policy).pools == ("community",)


@pytest.mark.parametrize(("local", "night"), [("21:59", False), ("22:00", True), ("23:10", True), ("05:59", True), ("06:00", False)])
def test_teen_night_publish_boundaries(policy, local, night):
    hour, minute = map(int, local.split(":"))
    published = datetime(2026, 11, 10, hour, minute, tzinfo=timezone(timedelta(hours=8)))
    note = NoteFacts("n", published, category="美食", teen_audience=True)
    decision = decide_note(note, tier_for(70, policy), [], published + timedelta(hours=1), policy)
    rules = [r.rule for r in decision.reasons]
    assert ("traffic.teen.night_publish" in rules) is night
    assert decision.multiplier == 1.0  # the teen pool only; ordinary traffic is untouched
    # Accounts without a teen audience are not concerned.
    plain = decide_note(NoteFacts("n", published, category="美食"), tier_for(70, policy), [], published + timedelta(hours=1), policy)
    assert not any(r.rule.startswith("traffic.teen") for r in plain.reasons)


def test_teen_excluded_category(policy):
    note = NoteFacts("n", T0, category="美妆", teen_audience=True)
    assert "traffic.teen.excluded_category" in [r.rule for r in decide_note(note, tier_for(70, policy), [], AT, policy).reasons]


def test_normal_tier_reason_tells_the_gap(policy):
    decision = decide_note(NoteFacts("n", T0), tier_for(79.3, policy), [], AT, policy)
    reason = next(r for r in decision.reasons if r.rule == "traffic.tier.normal")
    assert reason.multiplier == 1.0 and reason.numbers["gap_to_high"] == pytest.approx(0.7)


# -- the demo's commerce side ----------------------------------------------------------------

def test_demo_community_has_merchants_products_and_orders(tmp_path):
    from redline.demo import generate_community, write_community

    small = generate_community(accounts=5, days=3, seed=3, last_day=date(2026, 11, 20))
    assert not small.products and all(not a.get("has_shop") for a in small.accounts)  # small communities stay creators only

    community = generate_community(accounts=20, days=5, seed=11, last_day=date(2026, 11, 20))
    shops = {a["id"]: a for a in community.accounts if a.get("has_shop")}
    assert {a["categories"][0] for a in shops.values()} == {"美妆", "母婴", "数码"}
    assert "duo0001" in shops and any(a.get("teen_audience") for a in community.accounts)
    prices = {p["price"] for p in community.products}
    assert {0.1, 1.0, 5.9} <= prices
    published = {n["id"]: n["published_at"] for n in community.notes}
    at_publish = [link for link in community.product_links if link["at"] == published[link["note_id"]]]
    later = [link for link in community.product_links if link["at"] > published[link["note_id"]]]
    assert at_publish and later
    product_notes = {link["note_id"] for link in community.product_links}
    orders = [e for e in community.events if e["type"] == "order" and e.get("note_id") in product_notes]
    assert orders and all(e["amount"] > 0 for e in orders)
    # Orders on a note attached later come only after the attachment.
    for link in later:
        note_orders = [e["ts"] for e in orders if e["note_id"] == link["note_id"]]
        attached = datetime.fromisoformat(link["at"])
        assert all(datetime.fromisoformat(ts.replace("Z", "+00:00")) >= attached for ts in note_orders)
    paths = write_community(community, tmp_path)
    assert paths["products"].exists() and paths["product_links"].exists()


def test_ingest_products_cli_rejects_bad_files(home, tmp_path, monkeypatch, capsys):
    bad = _jsonl(tmp_path / "bad.jsonl", [{"id": "p", "account_id": "nobody", "price": 1}])
    code, _, err = run_cli(monkeypatch, capsys, "ingest", "products", str(bad))
    assert code == 2 and "未知账号" in err


def test_products_cli_loads_checks_and_records_once(home, policy, tmp_path, monkeypatch, capsys):
    from redline.store.database import Database

    database = Database.open(home=home)
    with database.session() as session:
        session.add(Account(id="s1", has_shop=True, categories=[], credentials=[], fan_interests={}))

    def run(*args):
        code, out, err = run_cli(monkeypatch, capsys, *args)
        assert not code, err
        return json.loads(out)

    loaded = run("ingest", "products", str(_jsonl(tmp_path / "p.jsonl", PRODUCTS)), "--format", "json")
    assert loaded["inserted"] == 4
    by_product = {item["product_id"]: item for item in loaded["listings"]}
    assert by_product["p-one"]["entries"][0]["rule"] == "price.floor"
    checked = run("products", "check", "--format", "json")
    assert all(not item["entries"] for item in checked)  # already recorded at load time
    assert {item["product_id"] for item in checked if item["already_recorded"]} == {"p-cheap", "p-one"}
