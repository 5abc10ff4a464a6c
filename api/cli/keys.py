"""`keys` (create, list, revoke API keys of a workspace) and `db upgrade` (migrate the service database).

Both act on the service database at ``--database-url`` (default: ``KPI_ADVISOR_DATABASE_URL``, else
``sqlite:///data/kpi-advisor.db``) and bring its schema up to date first.
"""

from __future__ import annotations

import enum
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli.app import app
from api.cli.output import domain_errors, fail, print_records, stderr

if TYPE_CHECKING:
    from api.store import ApiKeyInfo, Store

keys_app = typer.Typer(
    name="keys",
    help=(
        "API keys of a workspace (a workspace is created with its first key).\n\n"
        "Examples:\n\n"
        "  kpi-advisor keys create --workspace acme --role analyst --name 'ci bot'\n\n"
        "  kpi-advisor keys list --workspace acme --json\n\n"
        "  kpi-advisor keys revoke --workspace acme 3f9c0a1b2d4e\n\n"
        "Clients send the token as `Authorization: Bearer kpia_...`."
    ),
    no_args_is_help=True,
)
db_app = typer.Typer(
    name="db",
    help="The service database. Example: kpi-advisor db upgrade --database-url postgresql+psycopg://u@host/db",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")
app.add_typer(db_app, name="db")


class Role(enum.StrEnum):
    """What a key may do: viewer (read and ask), analyst (also upload data, train, activate model versions, cancel
    jobs), admin (also manage the workspace's keys, read the audit log and the metrics)."""

    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"


DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: env KPI_ADVISOR_DATABASE_URL, else "
                 "sqlite:///data/kpi-advisor.db).", show_default=False),
]
Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace name, e.g. acme.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def _store(database_url: str | None) -> Store:
    """The migrated service database at ``database_url`` (or the configured one)."""
    from sqlalchemy.exc import SQLAlchemyError

    from api.settings import Settings
    from api.store import Store

    url = database_url or Settings().database_url
    try:
        store = Store(url)
        store.upgrade()
    except SQLAlchemyError as exc:
        fail(f"cannot open the service database {url!r}: {getattr(exc, 'orig', None) or exc}",
             details=["check --database-url / KPI_ADVISOR_DATABASE_URL and that the server is running"])
    return store


def _row(info: ApiKeyInfo) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in info.to_dict().items()}


def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


@keys_app.command("create")
@domain_errors
def create(
    workspace: Workspace,
    role: Annotated[Role, typer.Option(help="viewer (read, ask), analyst (+ upload, train, activate models), admin (+ keys, audit, metrics).")],
    name: Annotated[str, typer.Option(help="A label for people, e.g. 'ci bot'.")] = "",
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create a key and print its token — once: only a hash is stored, so keep the token now.

    Example: kpi-advisor keys create --workspace acme --role analyst --name "ci bot"
    """
    store = _store(database_url)
    try:
        info, token = store.create_key(workspace, role.value, name)
    finally:
        store.dispose()
    if as_json:
        _print_json({**_row(info), "token": token})
        return
    sys.stdout.write(token + "\n")
    stderr.print(f"created key {info.id} ({info.role}) in workspace {info.workspace}; the token above is shown "
                 "only once — store it now (send it as `Authorization: Bearer <token>`)", highlight=False)


@keys_app.command("list")
@domain_errors
def list_(workspace: Workspace, database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """List a workspace's keys (revoked ones too), oldest first. Secrets are never shown.

    Example: kpi-advisor keys list --workspace acme
    """
    from api.cli.output import OutputFormat

    store = _store(database_url)
    try:
        rows = [_row(k) for k in store.list_keys(workspace)]
    finally:
        store.dispose()
    if as_json:
        _print_json(rows)
    elif not rows:
        stderr.print(f"workspace {workspace!r} has no keys; create one with "
                     f"`kpi-advisor keys create --workspace {workspace} --role analyst`", highlight=False)
    else:
        print_records(rows, OutputFormat.table, title=f"API keys of {workspace}")


@keys_app.command("revoke")
@domain_errors
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id (12 hex characters, see `keys list`).")],
    workspace: Workspace,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Revoke a key: requests with its token are refused from now on (idempotent).

    Example: kpi-advisor keys revoke --workspace acme 3f9c0a1b2d4e
    """
    store = _store(database_url)
    try:
        info = store.revoke_key(workspace, key_id)
    finally:
        store.dispose()
    if as_json:
        _print_json(_row(info))
    else:
        revoked = info.revoked_at.isoformat() if info.revoked_at else "now"
        sys.stdout.write(f"revoked key {info.id} ({info.name or info.role}) of workspace {workspace} at {revoked}\n")


@db_app.command("upgrade")
def upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the service database schema to the newest revision and print that revision.

    Safe to run while the server runs, and from several processes at once.
    Example: kpi-advisor db upgrade --database-url sqlite:///data/kpi-advisor.db
    """
    store = _store(database_url)
    try:
        sys.stdout.write(f"{store.current_revision()}\n")
    finally:
        store.dispose()
