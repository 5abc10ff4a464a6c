"""``/v1/keys`` and ``/v1/audit``: a workspace admin manages the workspace's API keys and reads the advice log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from api.http import manage, schemas
from api.http.auth import admin
from api.http.state import Workspace

router = APIRouter(prefix="/v1", tags=["access"])


@router.get("/keys", operation_id="listKeys", response_model=schemas.KeyList, summary="List API keys")
def list_keys(state: Workspace = Depends(admin)) -> dict[str, object]:
    """The workspace's API keys (never their secrets), with role and whether they are revoked."""
    return manage.list_keys(state)


@router.post(
    "/keys", operation_id="createKey", status_code=status.HTTP_201_CREATED, response_model=schemas.NewKey,
    summary="Create an API key",
)
def create_key(req: schemas.KeyRequest, state: Workspace = Depends(admin)) -> dict[str, object]:
    """A new key for this workspace. The token is shown once: store it now."""
    return manage.create_key(state, req)


@router.delete("/keys/{key_id}", operation_id="revokeKey", response_model=schemas.KeyInfo, summary="Revoke an API key")
def revoke_key(
    key_id: Annotated[str, Path(description="Key id (the part after kpia_).", pattern=r"^[A-Za-z0-9]{1,64}$")],
    state: Workspace = Depends(admin),
) -> dict[str, object]:
    """Revoke a key of this workspace; it stops working within seconds."""
    return manage.revoke_key(state, key_id)


@router.get("/audit", operation_id="auditLog", response_model=schemas.AuditLog, summary="Advice served")
def audit_log(
    limit: Annotated[int, Query(ge=1, le=1000, description="Most recent entries to return.")] = 100,
    state: Workspace = Depends(admin),
) -> dict[str, object]:
    """What the service answered in this workspace (diagnose, optimize, advise): when, to which key, the request,
    the response, and the model version and dataset it came from; newest first."""
    return manage.audit_log(state, limit)
