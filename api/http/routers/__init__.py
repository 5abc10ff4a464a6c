"""Thin routers: check the caller's key and role (``api.http.auth``), call ``api.http.services`` /
``api.http.manage`` with the caller's workspace, return the response model."""
