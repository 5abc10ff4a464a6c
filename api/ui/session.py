"""Cookie sign-in of the dashboard: who is looking, in which workspace, with which role.

The API key itself is the session: sign-in checks it with the API's own code (``api.http.auth.principal_from_token``,
key cache and revocation included) and keeps it in the cookie ``kpia_ui_key`` (httpOnly, SameSite=Strict, path
``/ui``, Secure over HTTPS), so every request resolves workspace and role exactly as ``/v1`` does, and a revoked key
stops working in the dashboard as fast as in the API.

CSRF: every POST (form or ``fetch``) must carry the session's token, in the form field ``csrf_token`` or the header
``X-CSRF-Token``. The token is an HMAC of a fixed label keyed by the API key (stateless, the same in every server
process, unknowable without the httpOnly cookie); the page carries it in ``<meta name="csrf-token">``. The sign-in
form, before there is a session, uses a double-submit token: a random httpOnly cookie ``kpia_ui_pre`` and the same
value in the form. SameSite=Strict already keeps the cookies off cross-site requests; the tokens are the second wall.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from api.http.auth import AuthenticationError, Principal, principal_from_token
from api.http.state import AppState, Workspace
from api.store import role_allows

KEY_COOKIE = "kpia_ui_key"
PRE_COOKIE = "kpia_ui_pre"
LANG_COOKIE = "kpia_ui_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/ui"
LANGS = ("en", "ru")
_LABEL = b"kpi-advisor-ui-csrf-v1"


class SignInRequired(Exception):
    """No session cookie, or its key is unknown or revoked: 401 (a page answers with the sign-in form)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class RoleTooLow(Exception):
    """The signed-in key's role is below what the page or endpoint needs: 403."""


class CsrfRejected(Exception):
    """A POST without the session's (or the sign-in form's) CSRF token: 403."""


def csrf_token_of(api_key: str) -> str:
    """The session's CSRF token: hex HMAC-SHA256 of a fixed label keyed by the API key (32 characters)."""
    return hmac.new(api_key.encode(), _LABEL, hashlib.sha256).hexdigest()[:32]


def new_pre_token() -> str:
    """A random double-submit token for the sign-in form (32 hex characters)."""
    return secrets.token_hex(16)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two tokens; False when either is missing."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def lang_of(request: Request) -> str:
    """The page language: ``?lang=`` (en/ru), else the language cookie, else the browser's ``Accept-Language``
    (ru when it prefers Russian), else en."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    if kept in LANGS:
        return kept
    accept = request.headers.get("accept-language", "").lower()
    return "ru" if accept.startswith("ru") else "en"


def secure_cookies(request: Request) -> bool:
    """Whether cookies get the Secure flag: the request came over HTTPS (directly or behind a proxy saying so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


@dataclass(frozen=True)
class UiUser:
    """The signed-in caller of a dashboard request: principal (key id, workspace, role), the workspace's served
    state, the CSRF token of the session and the page language."""

    principal: Principal
    workspace: Workspace
    csrf: str
    lang: str

    @property
    def role(self) -> str:
        return self.principal.role

    def may(self, role: str) -> bool:
        """Whether the caller's role includes ``role`` (viewer < analyst < admin)."""
        return role_allows(self.principal.role, role)


def user_of(request: Request) -> UiUser:
    """The signed-in caller (any role); :class:`SignInRequired` when there is no valid session."""
    state: AppState = request.app.state.advisor
    token = request.cookies.get(KEY_COOKIE)
    if not token:
        raise SignInRequired()
    try:
        principal = principal_from_token(state, token)
    except AuthenticationError as exc:
        raise SignInRequired(str(exc)) from None
    request.state.principal = principal  # request logs carry the key id, as for /v1
    return UiUser(principal, state.workspace(principal.workspace), csrf_token_of(token.strip()), lang_of(request))


def _role(needed: str) -> Callable[[Request], UiUser]:
    def dependency(request: Request) -> UiUser:
        user = user_of(request)
        if not user.may(needed):
            raise RoleTooLow(f"this needs the {needed} role; your key has the {user.role} role")
        return user

    dependency.__name__ = f"ui_require_{needed}"
    return dependency


#: FastAPI dependencies of dashboard routes: ``user: UiUser = Depends(ui_viewer)`` (or analyst / admin)
ui_viewer = _role("viewer")
ui_analyst = _role("analyst")
ui_admin = _role("admin")


async def csrf_checked(request: Request) -> None:
    """Dependency of every dashboard POST: the ``X-CSRF-Token`` header or the form field ``csrf_token`` must equal
    the session's token (:class:`CsrfRejected` otherwise). Add it to the route: ``dependencies=[Depends(csrf_checked)]``
    (a JSON body is not read here; a form body is parsed once and cached by Starlette)."""
    token = request.cookies.get(KEY_COOKIE)
    if not token:
        raise SignInRequired()
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not same(sent, csrf_token_of(token.strip())):
        raise CsrfRejected("the form's CSRF token is missing or wrong: reload the page and try again")
