"""Where the signal expressions run: DuckDB embedded (default) or PySpark (`redline[spark]`).

Both engines get the same inputs (Parquet files of the lake, Arrow tables from the store) and run
the same Ibis expressions; only how a table is registered differs. One Spark session is shared
by the whole process (starting one costs seconds).
"""

from __future__ import annotations

import itertools
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ContextManager, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from redline.errors import InputError
from redline.events.schema import EVENT_SCHEMA

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    name: str

    def events(self, files: list[Path]) -> ir.Table: ...

    def parquet(self, files: list[Path]) -> ir.Table:
        """Any Parquet files of one schema (at least one file)."""
        ...

    def dated(self, files: list[Path]) -> ir.Table:
        """Lake files (at least one), each row with the `day` (date) of the file's `day=D`
        directory: read as a partition value, nothing is worked out per row."""
        ...

    def table(self, data: pa.Table) -> ir.Table: ...

    def execute(self, expression: ir.Table) -> pa.Table: ...

    def kept(self, expression: ir.Table) -> ContextManager[ir.Table]:
        """The expression's result kept inside the engine while the block runs, so several
        queries read it without computing it again or carrying it through Python."""
        ...

    def beside(self) -> "Engine":
        """An engine that runs queries at the same time as this one (from another thread), or
        this one when it should not be used from two threads."""
        ...


_KEPT_NAMES = itertools.count()


def _kept_name() -> str:
    return f"redline_kept_{next(_KEPT_NAMES)}"


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None):
        self._settings = (threads, memory_limit)
        config = {}
        if threads:
            config["threads"] = threads
        if memory_limit:
            config["memory_limit"] = memory_limit
        self.con = ibis.duckdb.connect(**config)

    def beside(self) -> "DuckDBEngine":
        # A connection runs one query at a time: another in-memory database, same settings.
        return DuckDBEngine(*self._settings)

    def events(self, files: list[Path]) -> ir.Table:
        if not files:
            return ibis.memtable(EVENT_SCHEMA.empty_table())
        return self.parquet(files)

    def parquet(self, files: list[Path]) -> ir.Table:
        # The lake's `day=D` directories are not columns: the files carry all they mean.
        return self.con.read_parquet([str(path) for path in files], hive_partitioning=False)

    def dated(self, files: list[Path]) -> ir.Table:
        table = self.con.read_parquet([str(path) for path in files], hive_partitioning=True)
        return table.mutate(day=table.day.cast("date"))

    # DuckDB reads an Arrow table a record batch per task: a million rows in one batch are read
    # by one thread (the note formulas took a third longer).
    SCAN_BATCH_ROWS = 1 << 17

    def table(self, data: pa.Table) -> ir.Table:
        if data.num_rows > self.SCAN_BATCH_ROWS:
            data = pa.Table.from_batches(data.to_batches(max_chunksize=self.SCAN_BATCH_ROWS), data.schema)  # slices, no copy
        return ibis.memtable(data)

    def execute(self, expression: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expression)

    @contextmanager
    def kept(self, expression: ir.Table) -> Iterator[ir.Table]:
        name = _kept_name()
        table = self.con.create_table(name, expression, temp=True)
        try:
            yield table
        finally:
            # (raw SQL: this ibis/sqlglot pairing renders drop_table without the table's name)
            self.con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')


_SPARK_LOCK = threading.Lock()
_SPARK_SESSION = None


def spark_session():
    """The process's shared local Spark session (created on first use)."""
    global _SPARK_SESSION
    with _SPARK_LOCK:
        if _SPARK_SESSION is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError as exc:
                raise InputError("未安装 PySpark：请安装可选依赖 redline[spark]（并需要 Java 17）") from exc
            try:
                _SPARK_SESSION = (
                    SparkSession.builder.master("local[2]")
                    .appName("redline-recompute")
                    .config("spark.sql.session.timeZone", "UTC")
                    .config("spark.sql.shuffle.partitions", "8")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.driver.memory", "4g")
                    .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                    .getOrCreate()
                )
            except Exception as exc:  # no Java, bad JAVA_HOME…
                raise InputError(f"无法启动 Spark：{exc}") from exc
            _SPARK_SESSION.sparkContext.setLogLevel("ERROR")
        return _SPARK_SESSION


class SparkEngine:
    name = "spark"
    # Tables larger than this go to Spark through a Parquet file rather than through pandas
    # (createDataFrame from a million-row pandas frame takes minutes; reading Parquet, seconds).
    PARQUET_FROM_ROWS = 50_000

    def __init__(self):
        self.session = spark_session()
        self.con = ibis.pyspark.connect(self.session)
        self._views = itertools.count(1)  # (next() is atomic: views are named from several threads)
        self._scratch = tempfile.TemporaryDirectory(prefix="redline-spark-")

    def events(self, files: list[Path]) -> ir.Table:
        if not files:
            return ibis.memtable(EVENT_SCHEMA.empty_table())
        return self.parquet(files)

    def dated(self, files: list[Path]) -> ir.Table:
        # Partition discovery from the lake's root gives each file's `day=D` as a column.
        root = str(Path(files[0]).parent.parent)
        frame = self.session.read.option("basePath", root).parquet(*[str(path) for path in files])
        name = f"redline_dated_{id(self)}_{next(self._views)}"
        frame.createOrReplaceTempView(name)
        table = self.con.table(name)
        return table.mutate(day=table.day.cast("date"))

    def parquet(self, files: list[Path]) -> ir.Table:
        frame = self.session.read.parquet(*[str(path) for path in files])
        name = f"redline_parquet_{id(self)}_{next(self._views)}"
        frame.createOrReplaceTempView(name)
        return self.con.table(name)

    def table(self, data: pa.Table) -> ir.Table:
        if data.num_rows < self.PARQUET_FROM_ROWS:
            return ibis.memtable(data)
        name = f"redline_input_{id(self)}_{next(self._views)}"
        path = Path(self._scratch.name) / f"{name}.parquet"
        pq.write_table(data, path)
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)
        return self.con.table(name)

    def execute(self, expression: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expression)

    def beside(self) -> "SparkEngine":
        return self  # (the session's catalogue of views is shared: its queries run one after the other)

    @contextmanager
    def kept(self, expression: ir.Table) -> Iterator[ir.Table]:
        # A cached view: Spark computes it on first use and keeps it in memory after.
        name = _kept_name()
        self.con.create_view(name, expression, overwrite=True)
        self.session.catalog.cacheTable(name)
        try:
            yield self.con.table(name)
        finally:
            self.session.catalog.uncacheTable(name)
            self.session.catalog.dropTempView(name)


def make_engine(name: str) -> Engine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine()
    raise InputError(f"未知计算引擎 {name!r}（可用：{', '.join(ENGINES)}）")
