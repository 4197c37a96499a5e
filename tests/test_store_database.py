from sqlalchemy import inspect, text

from redline.store.database import Database, normalise_url


def test_open_creates_schema_and_is_idempotent(database_url):
    first = Database.open(database_url)
    tables = set(inspect(first.engine).get_table_names())
    assert "store_meta" in tables
    first.dispose()
    second = Database.open(database_url)  # upgrading an up-to-date store changes nothing
    assert set(inspect(second.engine).get_table_names()) == tables
    second.dispose()


def test_session_rolls_back_on_error(database):
    try:
        with database.session() as session:
            session.execute(text("INSERT INTO store_meta (key, value) VALUES ('k', 'v')"))
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with database.session() as session:
        assert session.execute(text("SELECT count(*) FROM store_meta WHERE key = 'k'")).scalar_one() == 0


def test_plain_postgres_urls_use_psycopg3():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_entity_tables_round_trip(database):
    from datetime import datetime, timezone

    from redline.store.entities import Account, Note

    with database.session() as session:
        session.add(Account(id="a1", nickname="小红", categories=["美妆"], credentials=[], fan_interests={"美妆": 0.8}))
        session.add(Note(id="n1", account_id="a1", title="t", body="b", published_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
    with database.session() as session:
        note = session.get(Note, "n1")
        assert note.account_id == "a1" and note.status == "active"
        assert session.get(Account, "a1").fan_interests == {"美妆": 0.8}
