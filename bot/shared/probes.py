"""/livez, /readyz and /metrics: what an operator's tools ask the host.

/livez says the process serves (restart it if not); /readyz says whether it
can answer a citizen (send it traffic or not), as Kubernetes and HAProxy use
them. /metrics is for the city's Prometheus only: from loopback without a
proxy in between, or with METRICS_TOKEN; to anyone else it does not exist.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import shutil
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError

from actions.db import operations
from actions.db.models import utcnow
from bot.shared.health import Readiness, ReadinessProbe
from bot.shared.services import Services
from core import metrics

NO_STORE = {"Cache-Control": "no-store"}


def _gauge(name: str, documentation: str, labels=(), values=()) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    for label_values, value in values:
        family.add_metric(list(label_values), value)
    return family


class HostState:
    """The gauges read at each scrape: the database's waiting work, the
    readiness checks and the disk under var/."""

    def __init__(self, snapshot, readiness: Readiness, disk) -> None:
        self.snapshot, self.readiness, self.disk = snapshot, readiness, disk

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield _gauge(
            "smartcity_ready", "Whether a dependency answers (1) or not (0)",
            ["check"], (((name,), float(ok)) for name, ok in self.readiness.checks.items()),
        )  # fmt: skip
        if self.disk is not None:
            yield _gauge("smartcity_disk_free_bytes", "Free space under var/",
                         values=[((), self.disk.free)])  # fmt: skip
            yield _gauge("smartcity_disk_size_bytes", "Size of the disk of var/",
                         values=[((), self.disk.total)])  # fmt: skip
        state = self.snapshot
        if state is None:  # the database did not answer; smartcity_ready says so
            return
        yield _gauge(
            "smartcity_suggestions", "Suggestions on record, by status",
            ["status"], (((s,), n) for s, n in state.suggestions.items()),
        )  # fmt: skip
        yield _gauge(
            "smartcity_notifications",
            "News to citizens by channel and state (waiting, delivered, failed)",
            ["channel", "state"], ((key, n) for key, n in state.notifications.items()),
        )  # fmt: skip
        yield _gauge(
            "smartcity_notification_oldest_waiting_seconds",
            "Age of the oldest news still waiting for its channel",
            ["channel"], (((c,), s) for c, s in state.oldest_notification.items()),
        )  # fmt: skip
        yield _gauge("smartcity_live_chats_waiting",
                     "Live chats waiting for a person", values=[((), state.live_waiting)])  # fmt: skip
        yield _gauge(
            "smartcity_live_chat_oldest_waiting_seconds",
            "How long the longest-waiting live chat has waited (0: none waits)",
            values=[((), state.oldest_live_chat)],
        )


def _counted() -> CollectorRegistry:
    """Every process's counts (the launcher's directory), else this one's."""
    registry = CollectorRegistry(auto_describe=False)
    if metrics.multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    return registry


class _ThisProcess:
    def collect(self):
        return REGISTRY.collect()


def may_scrape(request: web.Request, token: str | None) -> bool:
    """Loopback without a proxy's header, or the right token."""
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return False  # a proxy on this host forwards someone else
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def routes(services: Services, probe: ReadinessProbe) -> list[web.RouteDef]:
    settings = services.settings

    async def livez(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, headers=NO_STORE)

    async def readyz(_request: web.Request) -> web.Response:
        readiness = await probe.check()
        return web.json_response(
            {"status": "ready" if readiness.ready else "not ready",
             "checks": readiness.checks},
            status=200 if readiness.ready else 503, headers=NO_STORE,
        )  # fmt: skip

    async def scrape(request: web.Request) -> web.Response:
        if not may_scrape(request, settings.metrics_token):
            raise web.HTTPNotFound()
        readiness = await probe.check()
        try:
            snapshot = await services.db.run(
                lambda s: operations.snapshot(s, utcnow()), read_only=True
            )
        except SQLAlchemyError:
            snapshot = None
        try:
            disk = shutil.disk_usage(settings.var_dir)
        except OSError:
            disk = None

        def render() -> bytes:
            registry = _counted()
            registry.register(HostState(snapshot, readiness, disk))
            return generate_latest(registry)

        # Reading every process's files is disk work: off the event loop.
        body = await asyncio.to_thread(render)
        return web.Response(
            body=body, headers={"Content-Type": CONTENT_TYPE_LATEST, **NO_STORE}
        )

    return [
        web.get("/livez", livez, name="livez"),
        web.get("/readyz", readyz, name="readyz"),
        web.get("/metrics", scrape, name="metrics"),
    ]
