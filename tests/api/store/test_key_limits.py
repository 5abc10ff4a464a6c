"""Keys under abuse: the token format is checked before any look-up; a workspace keeps at least one admin key."""

from __future__ import annotations

import pytest

from api.store import LastAdminKeyError, Store
from api.store.keys import TOKEN_CHARS, well_formed


def test_tokens_are_checked_for_their_format_first(store: Store) -> None:
    _, token = store.create_key("acme", "viewer")
    assert len(token) == TOKEN_CHARS and well_formed(token)
    huge = "kpia_" + "ab" * 500_000  # 1 MB, as an attacker sends it
    for bad in (huge, token + "x", token[:-1], token.replace("kpia_", "kpib_"), token.upper(), "", None):
        assert not well_formed(bad)  # type: ignore[arg-type]
        assert store.authenticate(bad) is None  # type: ignore[arg-type]


def test_the_last_admin_key_cannot_be_revoked(store: Store) -> None:
    first, _ = store.create_key("acme", "admin")
    viewer, _ = store.create_key("acme", "viewer")
    with pytest.raises(LastAdminKeyError, match="last active admin key of workspace 'acme'"):
        store.revoke_key("acme", first.id)
    assert store.revoke_key("acme", viewer.id).revoked_at is not None  # other roles: as before
    second, _ = store.create_key("acme", "admin")
    assert store.revoke_key("acme", first.id).revoked_at is not None  # another admin remains
    with pytest.raises(LastAdminKeyError):
        store.revoke_key("acme", second.id)
    other, _ = store.create_key("beta", "admin")  # one workspace's admins do not count for another
    with pytest.raises(LastAdminKeyError):
        store.revoke_key("beta", other.id)
    assert store.revoke_key("acme", first.id).revoked_at is not None  # revoking a revoked key stays idempotent
