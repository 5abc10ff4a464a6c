"""Workspaces and API keys on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.store import ROLES, ApiKeyInfo, Store, UnknownKeyError, role_allows
from api.store.tables import ApiKey


def test_roles_are_ordered() -> None:
    assert ROLES == ("viewer", "analyst", "admin")
    assert role_allows("admin", "analyst") and role_allows("analyst", "analyst") and role_allows("analyst", "viewer")
    assert not role_allows("viewer", "analyst") and not role_allows("analyst", "admin")
    assert not role_allows("root", "viewer") and not role_allows("admin", "root")


@pytest.mark.parametrize("name", ["", "Acme", "-acme", "a b", "a" * 64, "acme/eu", "ачме", "acme\n"])
def test_workspace_names_are_checked(store: Store, name: str) -> None:
    with pytest.raises(ValueError, match="workspace name"):
        store.ensure_workspace(name)


def test_ensure_workspace_is_idempotent(store: Store) -> None:
    for name in ("b-team", "acme", "acme", "a_1"):
        store.ensure_workspace(name)
    assert store.workspaces() == ["a_1", "acme", "b-team"]


def test_create_and_authenticate(store: Store) -> None:
    info, token = store.create_key("acme", "analyst", "ci bot")
    assert isinstance(info, ApiKeyInfo) and info.workspace == "acme" and info.role == "analyst"
    assert info.name == "ci bot" and info.revoked_at is None and info.last_used_at is None
    assert len(info.id) == 12 and int(info.id, 16) >= 0
    assert token.startswith(f"kpia_{info.id}_") and len(token) > 40
    assert info.created_at.tzinfo is not None and info.created_at.utcoffset() == timedelta(0)
    assert store.workspaces() == ["acme"]  # created with the key

    seen = store.authenticate(token)
    assert seen is not None and seen.id == info.id and seen.role == "analyst" and seen.last_used_at is not None
    assert store.list_keys("acme")[0].last_used_at == seen.last_used_at


def test_only_the_hash_is_stored(store: Store) -> None:
    _, token = store.create_key("acme", "viewer")
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(ApiKey.secret_sha256)).scalar_one()
    secret = token.split("_", 2)[2]
    assert secret not in stored and len(stored) == 64


def test_last_used_is_written_at_most_once_a_minute(store: Store) -> None:
    _, token = store.create_key("acme", "viewer")
    first = store.authenticate(token)
    assert first is not None and first.last_used_at is not None
    store.authenticate(token)
    assert store.list_keys("acme")[0].last_used_at == first.last_used_at  # no second write within a minute
    old = first.last_used_at - timedelta(minutes=5)
    with store.engine.begin() as conn:
        conn.execute(sa.update(ApiKey).values(last_used_at=old))
    again = store.authenticate(token)
    assert again is not None and again.last_used_at is not None and again.last_used_at > first.last_used_at
    assert store.list_keys("acme")[0].last_used_at == again.last_used_at


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
    lambda t: "kpia_000000000000_" + t.split("_", 2)[2],  # unknown id
    lambda t: t.replace("kpia_", "kpib_"),
    lambda t: "",
    lambda t: "Bearer " + t,
    lambda t: t + "\n",
])
def test_bad_tokens_are_refused(store: Store, mangle) -> None:
    _, token = store.create_key("acme", "admin")
    assert store.authenticate(mangle(token)) is None
    assert store.authenticate(token) is not None


def test_revoke(store: Store) -> None:
    info, token = store.create_key("acme", "analyst")
    revoked = store.revoke_key("acme", info.id)
    assert revoked.revoked_at is not None and not revoked.active
    assert store.authenticate(token) is None
    assert store.revoke_key("acme", info.id).revoked_at == revoked.revoked_at  # idempotent
    assert [k.revoked_at for k in store.list_keys("acme")] == [revoked.revoked_at]


def test_other_workspace_keys_are_invisible(store: Store) -> None:
    a, token_a = store.create_key("acme", "admin")
    b, _ = store.create_key("beta", "viewer")
    assert [k.id for k in store.list_keys("acme")] == [a.id]
    assert [k.id for k in store.list_keys("beta")] == [b.id]
    assert store.list_keys("nobody") == []
    with pytest.raises(UnknownKeyError, match="keys list --workspace beta"):
        store.revoke_key("beta", a.id)
    with pytest.raises(UnknownKeyError):
        store.revoke_key("acme", "ffffffffffff")
    assert store.authenticate(token_a) is not None  # untouched by the refused revoke


def test_unknown_role_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="viewer, analyst, admin"):
        store.create_key("acme", "owner")


def test_records_to_dict_keep_datetimes(store: Store) -> None:
    info, _ = store.create_key("acme", "viewer", "x")
    d = info.to_dict()
    assert d["id"] == info.id and d["created_at"] is not None and d["created_at"] == info.created_at
    assert set(d) == {"id", "workspace", "role", "name", "created_at", "last_used_at", "revoked_at"}
