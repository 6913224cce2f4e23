"""Security headers on every response, and CORS for the API from allowed origins."""

from __future__ import annotations

import aiohttp_cors
from aiohttp import web

# No inline script or style anywhere: the widget builds its DOM in code.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    # The widget's "Meinen Standort verwenden"; a page embedding it allows the same.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(self)",
}


async def add_security_headers(
    _request: web.Request, response: web.StreamResponse
) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


def allow_origins(app: web.Application, origins: tuple[str, ...]) -> None:
    """Let pages on `origins` (the city's own site) call /api/ with the widget."""
    options = aiohttp_cors.ResourceOptions(
        allow_credentials=False,
        allow_headers=("Content-Type",),
        # A page of the city's may show it, for a citizen to quote to support.
        expose_headers=("X-Request-ID",),
        allow_methods=("GET", "POST"),
        max_age=3600,
    )
    cors = aiohttp_cors.setup(app, defaults={origin: options for origin in origins})
    for route in list(app.router.routes()):
        if route.resource is not None and route.resource.canonical.startswith("/api/"):
            cors.add(route)
