"""The ledger, sanctions, appeal and review commands, end to end on a SQLite data home."""

from __future__ import annotations

import json

import pytest

from support.cli import run_cli
from redline.store.database import Database

from .store_helpers import seed


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    return run_cli(monkeypatch, capsys, *args)


@pytest.fixture
def cli(home, monkeypatch, capsys):
    database = Database.open(home=home)
    seed(database, accounts=("a1", "a2"), notes=(("n1", "a1"), ("n2", "a2")))
    database.dispose()

    def invoke(*args: str) -> tuple[int, str, str]:
        return run(monkeypatch, capsys, *args)

    return invoke


def as_json(out: str):
    return json.loads(out)


def test_add_then_sanctions_at_past_and_present_dates(cli):
    code, out, _ = cli("ledger", "add", "--account", "a1", "--rule", "diversion.wechat", "--at", "2026-03-01T10:00:00", "--format", "json")
    assert code == 0
    first = as_json(out)["entry"]["id"]
    code, out, _ = cli("ledger", "add", "--account", "a1", "--rule", "diversion.qq", "--at", "2026-03-05", "--format", "json")
    second = as_json(out)["entry"]["id"]
    code, out, _ = cli("sanctions", "a1", "--at", "2026-03-02", "--format", "json")
    data = as_json(out)
    assert data["points_in_force"] == 0
    assert [(s["kind"], s["because"]) for s in data["sanctions"]] == [("throttle", [first])]
    code, out, _ = cli("sanctions", "a1", "--at", "2026-03-09", "--format", "json")
    assert [(s["kind"], s["because"], s["end"]) for s in as_json(out)["sanctions"]] == [
        ("mute", [second], "2026-04-04T00:00:00+00:00")
    ]
    code, out, _ = cli("sanctions", "a1", "--at", "2026-03-06")
    assert code == 0 and "禁言" in out and "第 2 次违规" in out


def test_points_show_and_appeal_reverse(cli):
    code, out, _ = cli("ledger", "add", "--account", "a1", "--rule", "claim.medical", "--note", "n1", "--at", "2026-03-01", "--reason", "宣称治疗", "--format", "json")
    entry = as_json(out)["entry"]
    assert as_json(out)["points_in_force"] == 10
    code, out, _ = cli("ledger", "show", "a1", "--at", "2026-03-02", "--format", "json")
    shown = as_json(out)
    assert [e["id"] for e in shown["entries"]] == [entry["id"]]
    assert shown["standing"]["active"][0]["stops_counting"].startswith("2026-08-30")
    code, out, _ = cli("appeal", str(entry["id"]), "--decide", "reverse", "--reason", "已补交许可证", "--at", "2026-03-03", "--format", "json")
    assert code == 0
    data = as_json(out)
    assert data["points_in_force"] == 0 and data["sanctions"] == []
    code, out, err = cli("appeal", str(entry["id"]), "--decide", "reverse")
    assert code == 2 and "不能重复" in err
    code, out, _ = cli("ledger", "show", "a1", "--at", "2026-03-02", "--format", "json")
    assert [e["kind"] for e in as_json(out)["entries"]] == ["deduction"] and as_json(out)["appeals"] == []
    code, out, _ = cli("ledger", "show", "a1")
    assert code == 0 and "撤销" in out and "申诉：记录" in out


def test_bad_input_gets_a_chinese_error_and_exit_2(cli):
    cases = [
        (("ledger", "add", "--account", "ghost", "--rule", "claim.medical"), "不存在"),
        (("ledger", "add", "--account", "a1", "--rule", "no.such"), "未知的违规规则"),
        (("ledger", "add", "--account", "a1", "--rule", "claim.medical", "--at", "tomorrow"), "时间格式"),
        (("ledger", "add", "--account", "a1", "--rule", "claim.medical", "--note", "n2"), "属于账号"),
        (("sanctions", "ghost"), "不存在"),
        (("sanctions", "a1", "--format", "xml"), "--format"),
        (("sanctions", "a1", "--index", "-3"), "--index"),
        (("appeal", "999", "--decide", "reverse"), "不存在"),
        (("review", "decide", "999", "--reviewer", "r", "--verdict", "clear", "--reason", "x"), "不存在"),
    ]
    for args, message in cases:
        code, out, err = cli(*args)
        assert code == 2, args
        assert message in err, (args, err)
    code, out, _ = cli("ledger", "show", "a1", "--format", "json")
    assert as_json(out)["entries"] == []
    code, out, _ = cli("ledger", "add", "--account", "a1", "--rule", "report.confirmed", "--at", "2026-05-01")
    code, out, err = cli("ledger", "add", "--account", "a1", "--rule", "report.confirmed", "--at", "2026-04-01")
    assert code == 2 and "早于" in err


def test_review_flow_from_reports_to_ledger(cli, tmp_path):
    reports = tmp_path / "reports.jsonl"
    reports.write_text(
        "\n".join(json.dumps({"note_id": "n2", "reported_at": f"2026-03-01T0{i}:00:00", "reporter": f"u{i}"}) for i in range(5)),
        encoding="utf-8",
    )
    code, out, _ = cli("review", "reports", str(reports), "--format", "json")
    [item] = as_json(out)["queued"]
    code, out, _ = cli("review", "next", "--reviewer", "alice", "--format", "json")
    assert as_json(out)["id"] == item["id"]
    code, out, _ = cli("review", "next", "--reviewer", "bob", "--format", "json")
    assert as_json(out) is None
    code, out, _ = cli("review", "decide", str(item["id"]), "--reviewer", "alice", "--verdict", "violation", "--reason", "确认导流", "--format", "json")
    assert code == 0 and as_json(out)["entry_id"]
    code, out, err = cli("review", "decide", str(item["id"]), "--reviewer", "alice", "--verdict", "violation", "--reason", "再判")
    assert code == 2
    code, out, _ = cli("ledger", "show", "a2", "--format", "json")
    assert [e["source"] for e in as_json(out)["entries"]] == ["report_review"]
    code, out, _ = cli("review", "stats")
    assert code == 0 and "alice" in out
    code, out, _ = cli("review", "list", "--format", "json")
    assert all(i["stage"] == "second" for i in as_json(out))  # nothing left for a first decision
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"note_id": "n2"\n', encoding="utf-8")
    code, out, err = cli("review", "reports", str(broken))
    assert code == 2 and "JSON" in err


def test_review_enqueue_by_hand(cli):
    code, out, _ = cli("review", "enqueue", "--note", "n1", "--reason", "疑似医疗宣称", "--rule", "claim.medical", "--format", "json")
    assert code == 0 and as_json(out)["account_id"] == "a1"
    code, out, err = cli("review", "enqueue", "--note", "ghost", "--reason", "x")
    assert code == 2 and "不存在" in err


def test_watch_list_from_the_stored_health_index_or_the_option(cli, home):
    from datetime import date, datetime, timezone

    health_tables = pytest.importorskip("redline.store.health_tables")
    database = Database.open(home=home)
    with database.session() as session:
        session.add(
            health_tables.AccountHealthDay(
                account_id="a1", day=date(2026, 3, 1), health_index=55.0, coverage=1.0,
                policy_version="test", engine="duckdb", computed_at=datetime(2026, 3, 1, tzinfo=timezone.utc),
            )
        )
    database.dispose()
    code, out, _ = cli("sanctions", "a1", "--at", "2026-03-02", "--format", "json")
    data = as_json(out)
    assert data["account_index"] == 55.0 and [s["kind"] for s in data["sanctions"]] == ["watchlist"]
    code, out, _ = cli("sanctions", "a1", "--at", "2026-02-28", "--format", "json")
    assert as_json(out)["sanctions"] == []  # no index computed yet at that date
    code, out, _ = cli("sanctions", "a1", "--at", "2026-03-02", "--index", "75", "--format", "json")
    assert as_json(out)["sanctions"] == []


def test_a_future_time_is_refused_because_it_could_never_be_taken_back(cli):
    code, out, err = cli("ledger", "add", "--account", "a1", "--rule", "report.confirmed", "--at", "2099-01-01")
    assert code == 2 and "晚于当前时间" in err
    code, out, _ = cli("ledger", "add", "--account", "a1", "--rule", "report.confirmed", "--format", "json")
    assert code == 0  # the ledger is still open for the present


def test_apply_checks_a_stored_note_and_records_it_once(cli, home, tmp_path):
    from redline.store.entities import Note

    from .helpers import T0

    database = Database.open(home=home)
    with database.session() as session:
        session.add(Note(id="n9", account_id="a1", published_at=T0, title="分享", body="想要的加我微信 abc12345 详聊"))
    database.dispose()
    code, out, _ = cli("ledger", "apply", "--note", "n9", "--format", "json")
    assert code == 0
    data = as_json(out)
    assert [e["rule"] for e in data["entries"]] == ["diversion.wechat"]
    code, out, _ = cli("ledger", "apply", "--note", "n9", "--format", "json")
    assert as_json(out)["entries"] == [] and len(as_json(out)["already_recorded"]) == 1
    broken = tmp_path / "check.json"
    broken.write_text("{not json", encoding="utf-8")
    code, out, err = cli("ledger", "apply", "--note", "n9", "--file", str(broken))
    assert code == 2 and "JSON" in err
