"""`kpi-advisor keys` and `kpi-advisor db upgrade` against a SQLite file in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.store import Store


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'svc' / 'kpi.db'}"


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env=env)


def test_db_upgrade_prints_the_revision(db_url: str) -> None:
    result = _run("db", "upgrade", "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "0001"
    assert _run("db", "upgrade", "--database-url", db_url).stdout.strip() == "0001"


def test_create_prints_a_token_that_authenticates(db_url: str) -> None:
    result = _run("keys", "create", "--workspace", "acme", "--role", "analyst", "--name", "ci bot",
                  "--database-url", db_url)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("kpia_") and "\n" not in token
    assert "only once" in result.stderr
    store = Store(db_url)
    try:
        info = store.authenticate(token)
        assert info is not None and info.workspace == "acme" and info.role == "analyst" and info.name == "ci bot"
    finally:
        store.dispose()


def test_create_json_then_list_and_revoke(db_url: str) -> None:
    created = _run("keys", "create", "-w", "acme", "--role", "analyst", "--json", "--database-url", db_url)
    assert created.exit_code == 0, created.output
    doc = json.loads(created.stdout)
    assert doc["token"].startswith(f"kpia_{doc['id']}_") and doc["role"] == "analyst" and doc["revoked_at"] is None

    listed = _run("keys", "list", "--workspace", "acme", "--json", "--database-url", db_url)
    rows = json.loads(listed.stdout)
    assert [r["id"] for r in rows] == [doc["id"]] and "token" not in rows[0] and "secret_sha256" not in rows[0]
    table = _run("keys", "list", "--workspace", "acme", "--database-url", db_url)
    assert table.exit_code == 0 and doc["id"] in table.stdout

    revoked = _run("keys", "revoke", "--workspace", "acme", doc["id"], "--json", "--database-url", db_url)
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.stdout)["revoked_at"] is not None
    store = Store(db_url)
    try:
        assert store.authenticate(doc["token"]) is None
    finally:
        store.dispose()


def test_errors_are_clear(db_url: str) -> None:
    wrong_ws = _run("keys", "revoke", "--workspace", "beta", "abcdefabcdef", "--database-url", db_url)
    assert wrong_ws.exit_code == 2 and "keys list --workspace beta" in wrong_ws.stderr
    bad_name = _run("keys", "create", "--workspace", "Bad Name", "--role", "viewer", "--database-url", db_url)
    assert bad_name.exit_code == 2 and "invalid workspace name" in bad_name.stderr
    bad_role = _run("keys", "create", "--workspace", "acme", "--role", "owner", "--database-url", db_url)
    assert bad_role.exit_code != 0 and "owner" in bad_role.stderr
    empty = _run("keys", "list", "--workspace", "acme", "--database-url", db_url)
    assert empty.exit_code == 0 and "has no keys" in empty.stderr


def test_unreachable_database_fails_with_a_hint() -> None:
    result = _run("db", "upgrade", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.exit_code == 2 and "KPI_ADVISOR_DATABASE_URL" in result.stderr


def test_database_url_comes_from_the_environment(db_url: str) -> None:
    result = _run("keys", "create", "--workspace", "envws", "--role", "viewer",
                  env={"KPI_ADVISOR_DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    store = Store(db_url)
    try:
        assert [k.workspace for k in store.list_keys("envws")] == ["envws"]
    finally:
        store.dispose()


def test_help_shows_examples() -> None:
    result = _run("keys", "--help")
    assert result.exit_code == 0 and "keys create --workspace acme --role analyst" in result.stdout
    assert "Example" in _run("keys", "create", "--help").stdout
