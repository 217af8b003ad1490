"""Deny by default: every route needs a verified bearer token unless its view is marked public."""

import functools

from flask import current_app, g, request

from otto.auth.roles import SALES_REP, normalize_declared, role_allows
from otto.auth.tokens import Identity
from otto.errors import Forbidden, InsufficientPermissions, Unauthorized
from otto.tenancy import set_company


# The API docs (Swagger UI, ReDoc, openapi.json) and their asset files.
PUBLIC_BLUEPRINTS = frozenset({"api-docs", "docs_assets"})


def public(view):
    """Mark a view (function or MethodView method) as reachable without a user token."""
    view._otto_public = True
    return view


def _is_public(view_func, method: str) -> bool:
    if getattr(view_func, "_otto_public", False):
        return True
    view_class = getattr(view_func, "view_class", None)
    if view_class is None:
        return False
    handler = getattr(view_class, method.lower(), None)
    if handler is None and method == "HEAD":
        handler = getattr(view_class, "get", None)
    return bool(getattr(handler, "_otto_public", False) or getattr(view_class, "_otto_public", False))


def authenticate_request() -> None:
    """before_request hook: resolve the identity and enter its company."""
    g.identity = None
    if request.method == "OPTIONS" or request.routing_exception is not None:
        return  # preflight, or an unknown route / method that will answer 404 / 405
    view_func = current_app.view_functions.get(request.endpoint)
    if request.blueprint in PUBLIC_BLUEPRINTS or request.endpoint == "static":
        return
    if view_func is None or _is_public(view_func, request.method):
        return

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    identity = current_app.extensions["otto"].verifier.identity(token.strip())
    g.identity = identity
    set_company(identity.company_id)


def current_identity() -> Identity:
    identity = g.get("identity")
    if identity is None:
        raise Unauthorized()
    return identity


def roles(*allowed: str, exact: bool = False):
    """Allow the listed roles (manager passes unless `exact`); documents them in the OpenAPI."""
    allowed_roles = normalize_declared(allowed)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            identity = current_identity()
            if not role_allows(identity.role, allowed_roles, exact):
                raise InsufficientPermissions(
                    f"This endpoint needs one of: {', '.join(sorted(allowed_roles))}; "
                    f"your role is {identity.role}."
                )
            return view(*args, **kwargs)

        wrapper._otto_roles = (sorted(allowed_roles), exact)
        return wrapper

    return decorate


def ensure_acting_for(user_id: str) -> None:
    """A sales rep may act only for itself; managers (and csr, where admitted) for anyone."""
    identity = current_identity()
    if identity.role == SALES_REP and user_id != identity.user_id:
        raise Forbidden("A sales rep may act only for itself.")


def ensure_own_company(company_id: str | None) -> None:
    """An explicit company_id in a body or query is an assertion, never a selector."""
    if company_id is not None and company_id != current_identity().company_id:
        raise Forbidden("company_id does not match your organization.")

