"""`redline titles …` end to end: generate (offline and through a fake LLM), the experiment
commands on a SQLite data home, the replay on a small synthetic archive, and bad input."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from support.cli import run_cli
from redline.store.database import Database
from redline.store.entities import Account, Note
from support.fake_openai import FakeOpenAI, Reply


@pytest.fixture
def cli(home, monkeypatch, capsys):
    database = Database.open(home=home)
    with database.session() as session:
        session.add(Account(id="a1"))
        session.add(Note(id="n1", account_id="a1", title="油皮夏天用的平价防晒推荐", published_at=datetime.now(timezone.utc)))
    database.dispose()

    def invoke(*args: str) -> tuple[int, str, str]:
        return run_cli(monkeypatch, capsys, *args)

    return invoke


def test_generate_offline_json(cli):
    code, out, _ = cli("titles", "generate", "油皮夏天用的平价防晒推荐", "--n", "12", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert len(data["variants"]) == 12 and data["key_terms"] == ["油皮", "防晒"]


def test_generate_through_a_failing_llm_falls_back(cli, monkeypatch):
    with FakeOpenAI() as server:
        server.script(Reply.status(500))
        code, out, _ = cli("titles", "generate", "油皮夏天用的平价防晒推荐", "--n", "5", "--llm-base-url", server.base_url,
                           "--llm-model", "m", "--llm-retries", "0", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert len(data["variants"]) == 5 and any("离线生成器" in n for n in data["notes"])


def test_generate_through_the_llm(cli):
    with FakeOpenAI() as server:
        server.script(Reply.text('{"titles": ["油皮防晒怎么选？学生党看这篇"]}'))
        code, out, _ = cli("titles", "generate", "油皮夏天用的平价防晒推荐", "--n", "1", "--llm-base-url", server.base_url,
                           "--llm-model", "m", "--format", "json")
    assert code == 0
    assert json.loads(out)["variants"] == [{"title": "油皮防晒怎么选？学生党看这篇", "source": "llm"}]


def test_experiment_commands(cli, tmp_path):
    variants = tmp_path / "v.json"
    variants.write_text(json.dumps(["油皮防晒怎么选？学生党看这篇", "通勤也能用的油皮防晒"], ensure_ascii=False), encoding="utf-8")
    code, out, err = cli("titles", "start", "n1", "--variants", str(variants), "--expected-impressions", "50000", "--format", "json")
    assert code == 0, err
    experiment = json.loads(out)["id"]
    code, out, _ = cli("titles", "serve", experiment, "--size", "300", "--format", "json")
    plan = json.loads(out)
    assert sum(a["impressions"] for a in plan["arms"]) == 300
    results = [f"{a['arm']}:{a['impressions']}:{a['impressions'] // 50}" for a in plan["arms"]]
    code, out, _ = cli("titles", "record", experiment, *results, "--format", "json")
    assert code == 0 and json.loads(out)["served"] == 300
    code, out, _ = cli("titles", "status", experiment)
    assert code == 0 and "测试中" in out
    code, _, err = cli("titles", "record", experiment, "0:10:20")
    assert code == 2 and "错误" in err  # no open batch
    code, _, err = cli("titles", "accept", experiment)
    assert code == 2 and "没有待确认的替换建议" in err
    code, out, _ = cli("titles", "decline", experiment, "--format", "json")
    assert code == 0 and json.loads(out)["status"] == "declined"


@pytest.mark.parametrize(
    "args, message",
    [
        (("titles", "status", "nope"), "没有编号为 nope"),
        (("titles", "generate", "x", "--n", "0"), "变体数量"),
        (("titles", "generate", "标题", "--body", "/no/such/file"), "找不到文件"),
        (("titles", "start", "n1", "--expected-impressions", "-5"), "预期曝光量"),
        (("titles", "replay", "--upworthy", "/no/such.parquet"), "找不到"),
    ],
)
def test_bad_input_is_a_chinese_error(cli, args, message):
    code, _, err = cli(*args)
    assert code == 2 and message in err


def test_malformed_results_are_refused(cli, tmp_path):
    code, out, _ = cli("titles", "start", "n1", "--format", "json")
    experiment = json.loads(out)["id"]
    cli("titles", "serve", experiment)
    code, _, err = cli("titles", "record", experiment, "0:abc:1")
    assert code == 2 and "组:曝光:点击" in err


def test_replay_on_a_small_synthetic_archive(cli, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = {k: [] for k in ("clickability_test_id", "headline", "impressions", "clicks", "test_week", "eyecatcher_id")}
    for test in range(24):
        week = 201403 + test if test < 20 else 201330  # the last four fall in the broken window
        for arm in range(3):
            impressions = 3000 if test < 20 else (1500, 4500, 3000)[arm]
            rows["clickability_test_id"].append(f"t{test}")
            rows["headline"].append(f"Headline {arm} of test {test}{'?' if arm == 1 else ''}")
            rows["impressions"].append(impressions)
            rows["clicks"].append(int(impressions * (0.01 + 0.005 * arm)))
            rows["test_week"].append(week)
            rows["eyecatcher_id"].append(f"e{test}")
    path = tmp_path / "upworthy.parquet"
    pq.write_table(pa.table(rows), path)
    code, out, err = cli("titles", "replay", "--upworthy", str(path), "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["tests"] == 20 and report["broken_window_tests"] == 4
    assert set(report["strategies"]) == {"uniform", "thompson", "redline", "redline_arm_table"}
    redline = report["strategies"]["redline"]
    assert 0 < redline["oracle_share"] <= 1
    assert report["strategies"]["uniform"]["oracle_share"] < redline["oracle_share"]
    assert report["srm"]["broken_flag_rate"] == 1.0 and report["srm"]["clean_flag_rate"] == 0.0
    code, again, _ = cli("titles", "replay", "--upworthy", str(path), "--format", "json")
    assert json.loads(again) == report  # seeded: the same numbers every run
