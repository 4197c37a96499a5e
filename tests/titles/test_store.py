"""The title lab in the store (SQLite and PostgreSQL): start, serve, record, accept/decline/revert."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from redline.errors import ConflictError, InputError, NotFoundError
from redline.store.entities import Account, Note
from redline.store.titles import TitleDecision, TitleLab

TITLE = "油皮夏天用的平价防晒推荐"


@pytest.fixture
def lab(database, policy):
    with database.session() as session:
        session.add(Account(id="a1", nickname="创作者"))
        session.add(Note(id="n1", account_id="a1", title=TITLE, body="油皮夏天防晒怎么选", published_at=datetime.now(timezone.utc)))
    return TitleLab(database, policy)


def _note_title(database) -> str:
    with database.session() as session:
        return session.get(Note, "n1").title


def _run_until_decided(lab, experiment_id, rates, size=1_000):
    """Serve batches and record exactly the planned impressions with clicks at `rates`."""
    view = lab.status(experiment_id)
    for _ in range(200):
        plan = lab.serve(experiment_id, size)
        results = {a["arm"]: (a["impressions"], round(a["impressions"] * rates[a["arm"]])) for a in plan["arms"]}
        view = lab.record(experiment_id, results)
        if view["status"] != "running":
            break
    return view


def test_start_picks_arms_by_expected_traffic_and_persists(lab, database):
    view = lab.start("n1", expected_impressions=20_000, expected_ctr=0.0125, seed=1)  # 250 clicks → 2 arms
    assert view["status"] == "running" and len(view["arms"]) == 2
    assert view["arms"][0]["title"] == TITLE
    again = lab.status(view["id"])
    assert again["arms"] == view["arms"]
    with pytest.raises(ConflictError):
        lab.start("n1")


def test_accept_swaps_the_title_and_revert_restores_it(lab, database):
    view = lab.start("n1", variants=["油皮防晒怎么选？学生党看这篇", "通勤也能用的油皮防晒"], expected_impressions=20_000, expected_ctr=0.05)
    assert len(view["arms"]) == 3
    view = _run_until_decided(lab, view["id"], {0: 0.01, 1: 0.03, 2: 0.01})
    assert view["status"] == "proposed"
    assert view["prompt"].startswith("新标题点击率 ") and view["prompt"].endswith("是否替换？")
    winner = view["arms"][view["winner_arm"]]["title"]
    accepted = lab.accept(view["id"])
    assert accepted["status"] == "accepted" and _note_title(database) == winner
    with pytest.raises(ConflictError):
        lab.accept(view["id"])
    reverted = lab.revert(view["id"])
    assert reverted["status"] == "reverted" and _note_title(database) == TITLE
    kinds = [d["kind"] for d in reverted["decisions"]]
    assert kinds == ["propose", "accept", "revert"]


def test_decline_closes_and_keeps_the_title(lab, database):
    view = lab.start("n1", variants=["油皮防晒怎么选？学生党看这篇"], expected_impressions=20_000)
    declined = lab.decline(view["id"])
    assert declined["status"] == "declined" and _note_title(database) == TITLE
    with pytest.raises(ConflictError):
        lab.serve(view["id"])
    with pytest.raises(ConflictError):
        lab.decline(view["id"])


def test_bad_results_change_nothing(lab):
    view = lab.start("n1", variants=["油皮防晒怎么选？学生党看这篇"], expected_impressions=20_000)
    with pytest.raises(ConflictError):
        lab.record(view["id"], {0: (10, 1)})  # nothing served yet
    lab.serve(view["id"], 100)
    for bad in ({0: (50, 60)}, {0: (-1, 0)}, {7: (10, 1)}):
        with pytest.raises(InputError):
            lab.record(view["id"], bad)
    after = lab.status(view["id"])
    assert all(a["impressions"] == 0 for a in after["arms"])
    with pytest.raises(NotFoundError):
        lab.status("nope")
    with pytest.raises(NotFoundError):
        lab.start("missing-note")


def test_broken_assignment_halts_the_test(lab, database):
    view = lab.start("n1", variants=["油皮防晒怎么选？学生党看这篇"], expected_impressions=20_000)
    lab.serve(view["id"], 2_000)  # about 1,000 each during burn-in
    halted = lab.record(view["id"], {0: (1_700, 17), 1: (300, 3)})
    assert halted["status"] == "halted" and halted["srm"]["mismatch"]
    with database.session() as session:
        kinds = [d.kind for d in session.query(TitleDecision).all()]
    assert kinds == ["halt"]


def test_rejected_supplied_variants_are_reported(lab):
    view = lab.start("n1", variants=["全网第一的油皮防晒", "油皮防晒怎么选？学生党看这篇"], expected_impressions=20_000)
    assert [a["title"] for a in view["arms"]][1:] == ["油皮防晒怎么选？学生党看这篇"]
    assert view["rejected"][0]["title"] == "全网第一的油皮防晒"
    assert view["rejected"][0]["rules"][0].startswith("adlaw")


def test_fit_prior_needs_enough_finished_arms(lab):
    result = lab.fit_prior()
    assert result["fitted"] is False


def test_serve_never_plans_past_the_horizon(lab):
    view = lab.start("n1", variants=["油皮防晒怎么选？学生党看这篇"], expected_impressions=600)
    plan = lab.serve(view["id"], 500)
    lab.record(view["id"], {a["arm"]: (a["impressions"], 0) for a in plan["arms"]})
    plan = lab.serve(view["id"], 500)
    assert sum(a["impressions"] for a in plan["arms"]) == 100
    done = lab.record(view["id"], {a["arm"]: (a["impressions"], 0) for a in plan["arms"]})
    assert done["status"] == "finished" and done["decisions"][-1]["kind"] == "horizon"


def test_accept_refuses_when_the_title_was_edited_meanwhile(lab, database):
    view = lab.start("n1", variants=["油皮防晒怎么选？学生党看这篇"], expected_impressions=20_000, expected_ctr=0.05)
    view = _run_until_decided(lab, view["id"], {0: 0.01, 1: 0.04})
    assert view["status"] == "proposed"
    with database.session() as session:
        session.get(Note, "n1").title = "创作者自己改的标题"
    with pytest.raises(ConflictError, match="创作者自己改的标题"):
        lab.accept(view["id"])
    assert _note_title(database) == "创作者自己改的标题"
    assert lab.decline(view["id"])["status"] == "declined"
