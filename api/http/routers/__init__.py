"""Thin routers: parse the request, call ``api.http.services``, return the response model."""

from fastapi import Request

from api.http.state import AppState


def get_state(request: Request) -> AppState:
    """The :class:`AppState` of the app serving ``request``."""
    state: AppState = request.app.state.advisor
    return state
