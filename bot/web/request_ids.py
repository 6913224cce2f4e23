"""Every request to the web app gets a request id (core.request_ids).

Its log lines carry it, the Rasa client passes it on with a chat message, and
the response names it in X-Request-ID, so a citizen who writes to the city's
support can quote it and the operator finds that message in every process's
log. A reverse proxy we trust (TRUSTED_PROXIES) may bring its own id (nginx:
`proxy_set_header X-Request-ID $request_id;`), so its access log and ours
agree; from anyone else, or if it is not a plain id, the header is ignored.
"""

from __future__ import annotations

from aiohttp import web

from bot.shared.proxies import from_trusted_proxy
from core.request_ids import HEADER, request_scope, valid_request_id
from core.settings import Network


def request_ids(trusted: tuple[Network, ...]):
    @web.middleware
    async def middleware(request: web.Request, handler):
        given = (
            valid_request_id(request.headers.get(HEADER))
            if from_trusted_proxy(request, trusted)
            else None
        )
        with request_scope(given) as request_id:
            try:
                response = await handler(request)
            except web.HTTPException as error:
                error.headers[HEADER] = request_id
                raise
        if not response.prepared:  # a stream has sent its headers already
            response.headers[HEADER] = request_id
        return response

    return middleware
