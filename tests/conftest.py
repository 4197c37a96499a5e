"""Shared fixtures: the policy, a throwaway data home, and databases on SQLite AND PostgreSQL.

PostgreSQL tests use the server at 127.0.0.1 (override with REDLINE_TEST_PG, e.g.
postgresql://postgres@127.0.0.1/postgres). Without a server they are skipped with a clear
message, except under CI (CI=true), where a missing server is a failure: storage must be
tested on both engines there.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

from redline.home import DataHome
from redline.policy import default_policy

# Shared test helpers live in tests/support, imported as `support`.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

PG_ADMIN_URL = os.environ.get("REDLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def policy():
    return default_policy()


@pytest.fixture
def home(tmp_path, monkeypatch) -> DataHome:
    monkeypatch.setenv("REDLINE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("REDLINE_DB", raising=False)
    return DataHome.resolve(tmp_path / "home").ensure()


def _admin_connection():
    import psycopg

    url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def postgres_server():
    """Admin access to the PostgreSQL server, or a skip (a failure under CI)."""
    try:
        connection = _admin_connection()
    except Exception as exc:  # pragma: no cover - depends on the machine
        message = f"PostgreSQL 不可用（{PG_ADMIN_URL}）：{exc}"
        if os.environ.get("CI"):
            pytest.fail(message + "；CI 中存储测试必须在 PostgreSQL 上运行")
        pytest.skip(message + "；跳过 PostgreSQL 存储测试")
    connection.close()
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database for one test, dropped afterwards."""
    name = f"redline_test_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = postgres_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Run a storage test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'redline.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database(database_url):
    from redline.store.database import Database

    db = Database.open(database_url)
    yield db
    db.dispose()
