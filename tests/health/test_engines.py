"""The same signal expressions give the same results on DuckDB and on PySpark."""

from __future__ import annotations

import math
import shutil
from datetime import timedelta

import pytest

from .scenario import DAY, World, at, run

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_engine():
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("没有 Java：跳过 Spark 引擎测试")
    from redline.signals.engines import SparkEngine

    return SparkEngine()


def _world() -> World:
    world = World()
    world.account("a1", followers=12_000, interests={"美妆": 0.8, "母婴": 0.2})
    world.account("a2", followers=500)
    world.note("n1", "a1", category="美妆", text={"text_c2": 60.0})
    world.note("n2", "a1", category="美妆", video_seconds=20.0, published=at(8, day=DAY - timedelta(days=6)))
    world.note("n3", "a2", category="母婴", liked_count=42)
    world.event("impression", "i", n=300, note_id="n1")
    world.event("read", "r", n=60, note_id="n1")
    world.event("like", "l", n=3, note_id="n1")
    world.event("save", "s", n=1, note_id="n1")
    world.event("dwell", "d", n=8, seconds=61.5, note_id="n1")
    world.event("watch", "w", n=7, seconds=20.0, duration=20.0, note_id="n2")
    world.event("watch", "x", n=5, seconds=4.0, duration=20.0, note_id="n2")
    world.event("read", "rr", n=25, note_id="n2")
    for i in range(5):
        world.event("report", f"rep{i}", when=at(1 + 5 * i), reason="导流", note_id="n1")
    world.event("report", "rep-early", when=at(1, day=DAY - timedelta(days=2)), reason="广告", note_id="n1")
    created = at(2, day=DAY - timedelta(days=1))
    for i in range(55):
        world.event("like", f"bot{i}", when=at(3, 0, i), user_created_at=created, note_id="n2")
    world.event("follow", "fan", when=at(day=DAY - timedelta(days=50)), n=30, account_id="a1")
    world.event("unfollow", "fan1", when=at(7), account_id="a1")
    for k in range(3):
        world.event("login", "fan", when=at(9, day=DAY - timedelta(days=k)), n=12)
    world.comment("n1", negative=True, n=2)
    world.comment("n1", question=True, n=2)
    world.comment("n1", n=3)
    return world


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return (a is None or math.isnan(a)) and (b is None or math.isnan(b))
        if math.isnan(a) and math.isnan(b):
            return True
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_duckdb_and_spark_agree(policy, spark_engine):
    duck = run(_world(), policy)
    spark = run(_world(), policy, engine=spark_engine)
    assert duck.note_metrics.column_names == spark.note_metrics.column_names
    for engine_rows, label in ((duck, "duckdb"), (spark, "spark")):
        assert engine_rows.notes["n1"]["reports_24h_max"] == 5, label
        assert engine_rows.notes["n2"]["bursts"] == 1, label
    for name in duck.note_metrics.column_names:
        left, right = duck.note_metrics.column(name).to_pylist(), spark.note_metrics.column(name).to_pylist()
        assert all(_same(x, y) for x, y in zip(left, right)), (name, left, right)
    for name in duck.account_metrics.column_names:
        left, right = duck.account_metrics.column(name).to_pylist(), spark.account_metrics.column(name).to_pylist()
        assert all(_same(x, y) for x, y in zip(left, right)), (name, left, right)
    for note_id, row in duck.notes.items():
        other = spark.notes[note_id]
        for key in ("index", "coverage", "ind_F1", "ind_F2", "ind_Q4", "ind_C4", "ind_F4"):
            assert _same(row[key], other[key]), (note_id, key, row[key], other[key])
    for account_id, row in duck.accounts.items():
        assert _same(row["health_index"], spark.accounts[account_id]["health_index"])
