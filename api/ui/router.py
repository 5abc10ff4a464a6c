"""The ``/ui`` router: sign-in, sign-out, static files, and every registered page's router
(``api.ui.pages.PAGES``); and :func:`install`, the one line in the app factory."""

from __future__ import annotations

import importlib
import mimetypes
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from api.http.auth import AuthenticationError, principal_from_token
from api.http.errors import MAPPING, problem_of
from api.http.state import AppState
from api.ui import render as rendering
from api.ui.pages import PAGES
from api.ui.render import STATIC, render
from api.ui.session import (
    COOKIE_PATH,
    KEY_COOKIE,
    PRE_COOKIE,
    CsrfRejected,
    RoleTooLow,
    SignInRequired,
    UiUser,
    csrf_checked,
    lang_of,
    new_pre_token,
    same,
    secure_cookies,
    user_of,
)

API_PREFIX = "/ui/api/"
router = APIRouter(prefix="/ui", include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path under ``/ui`` of this site, never another host (open redirect)."""
    if not target:
        return "/ui/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/ui") or target.startswith("//"):
        return "/ui/"
    return target


def signin_page(request: Request, *, status_code: int, error: str = "", next_url: str | None = None) -> Response:
    """The sign-in form with a fresh double-submit token (set as the ``kpia_ui_pre`` cookie)."""
    token = new_pre_token()
    target = next_url if next_url is not None else request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = render(request, None, "signin", status_code=status_code, csrf=token, error=error,
                      next_url=safe_next(target))
    response.set_cookie(PRE_COOKIE, token, max_age=3600, path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=secure_cookies(request))
    return response


@router.get("/signin")
def signin_form(request: Request) -> Response:
    """The sign-in page (public)."""
    return signin_page(request, status_code=200, next_url=request.query_params.get("next", "/ui/"))


@router.post("/signin")
async def signin(
    request: Request,
    api_key: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/ui/",
) -> Response:
    """Check the key with the API's code and keep it in the session cookie; 303 to ``next``. A wrong key answers
    401 with the form and the reason; a missing or wrong form token 403."""
    if not same(csrf_token, request.cookies.get(PRE_COOKIE)):
        raise CsrfRejected("the sign-in form expired or came from another site: reload it and try again")
    state: AppState = request.app.state.advisor
    try:
        principal_from_token(state, api_key)
    except AuthenticationError as exc:
        return signin_page(request, status_code=401, error=str(exc), next_url=next_url)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    response.set_cookie(KEY_COOKIE, api_key.strip(), path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=secure_cookies(request))
    response.delete_cookie(PRE_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


@router.post("/signout", dependencies=[Depends(csrf_checked)])
def signout() -> Response:
    """Forget the session cookie; back to the sign-in page."""
    response = RedirectResponse("/ui/signin", status_code=303)
    response.delete_cookie(KEY_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    return response


@router.get("/static/{path:path}")
def static(path: str, request: Request) -> Response:
    """A file under ``api/ui/static`` (public: scripts, styles; no data). With the current ``?v=`` hash it is
    cached for a year."""
    root = STATIC.resolve()
    file = (root / path).resolve()
    if not file.is_file() or root not in file.parents:
        return Response("not found", status_code=404, media_type="text/plain")
    cached = request.query_params.get("v") == rendering.static_version(str(file.relative_to(root)))
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if file.suffix == ".js":
        media_type = "text/javascript"
    return FileResponse(file, media_type=media_type, headers={
        "Cache-Control": "public, max-age=31536000, immutable" if cached else "no-cache",
        "X-Content-Type-Options": "nosniff",
    })


def page_routers() -> list[APIRouter]:
    """The routers of the registered pages (``api.ui.pages.PAGES``); their nav entries go to ``render.NAV``."""
    rendering.NAV.clear()
    routers = []
    for name in PAGES:
        module = importlib.import_module(f"api.ui.pages.{name}")
        routers.append(module.router)
        nav = getattr(module, "NAV", None)
        if nav is not None:
            rendering.NAV.append(nav)
    return routers


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


def _user_or_none(request: Request) -> UiUser | None:
    try:
        return user_of(request)
    except SignInRequired:
        return None


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    """A problem as HTML (pages) or problem+json (``/ui/api/...``)."""
    if _wants_json(request):
        return _problem(status, title, detail)
    return render(request, _user_or_none(request), "error", status_code=status, status=status, title=title,
                  detail=detail)


def install(app: FastAPI) -> None:
    """Mount the dashboard on ``app`` (call after ``api.http.errors.install``): the ``/ui`` router and its error
    pages (sign-in needed → 401 with the sign-in form; role or CSRF → 403; a domain error on a page → the API's
    status and message as a page, on ``/ui/api`` as problem+json)."""

    async def sign_in_needed(request: Request, exc: Exception) -> Response:
        message = exc.message if isinstance(exc, SignInRequired) else ""
        if _wants_json(request) or request.method != "GET":
            return _problem(401, "Unauthorized", message or "sign in at /ui/signin")
        return signin_page(request, status_code=401, error=message)

    async def forbidden(request: Request, exc: Exception) -> Response:
        return error_page(request, 403, "Forbidden", str(exc))

    app.add_exception_handler(SignInRequired, sign_in_needed)
    app.add_exception_handler(RoleTooLow, forbidden)
    app.add_exception_handler(CsrfRejected, forbidden)
    for cls in {c for c, *_ in MAPPING}:
        api_handler = app.exception_handlers.get(cls)
        if api_handler is None:
            continue

        async def domain(request: Request, exc: Exception, _api: Any = api_handler) -> Any:
            found = problem_of(exc)
            if not request.url.path.startswith("/ui/") or _wants_json(request) or found is None:
                return await _api(request, exc)
            status, _, title, detail, _extra = found
            return error_page(request, status, title, detail)

        app.add_exception_handler(cls, domain)
    app.include_router(router)
    for page in page_routers():  # each APIRouter(prefix="/ui", include_in_schema=False): the OpenAPI is /v1's
        app.include_router(page)


__all__ = ["install", "lang_of", "router"]
