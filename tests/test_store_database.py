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
        assert session.execute(text("SELECT count(*) FROM store_meta")).scalar_one() == 0


def test_plain_postgres_urls_use_psycopg3():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
