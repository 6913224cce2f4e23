"""Each Rasa worker follows the deployed-model record, one worker at a time.

Rasa's own `PUT /model` cannot do this: an HTTP request reaches whichever
worker accepts the connection, and the handler loads the model on the event
loop, so that worker answers nobody for the seconds of the load. It also
builds a new tracker store and NLG (new database engines, staff edits read
again) and keeps only the lock store.

Here every worker looks at `var/model/deployed.json` once a second
(bot/plugins/deployed_model.py). When its serial changes, the worker takes the
host's switch lock, so the other workers keep their model and answer while it
loads; loads the new model in a thread, so it keeps answering with the old one
too; then swaps it in between two turns as Rasa's Agent.load_model does, with
the same tracker store, lock store, action endpoint and NLG. A turn already
running finishes with the model it began with. A model that fails to load is
reported in the worker's status file and the worker keeps the old one;
`smartcity model deploy` then rolls every worker back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.processor import MessageProcessor
from sanic import Blueprint, Sanic

from bot.plugins import deployed_model as deployed
from bot.plugins.deployed_model import FAILED, LOADING, OK, ModelRecord, WorkerStatus
from core import metrics
from core.files import file_sha256
from core.settings import Settings, get_settings

logger = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
# While another worker holds the switch lock: look again sooner, so that the
# workers of a host follow each other without a second's gap.
RETRY_SECONDS = 0.2
MAX_ERROR = 500  # characters of a load error in the status file

Loader = Callable[[Any, Path], Any]


def load_processor(agent: Any, path: Path) -> MessageProcessor:
    """A processor for the model at `path`, on the running agent's stores.
    Blocking (seconds): runs in a thread."""
    return MessageProcessor(
        model_path=path,
        tracker_store=agent.tracker_store,
        lock_store=agent.lock_store,
        generator=agent.nlg,
        action_endpoint=agent.action_endpoint,
        http_interpreter=agent.http_interpreter,
    )


def swapped(agent: Any, processor: MessageProcessor) -> Any:
    """A new agent for the new processor, sharing every store with `agent`.

    A copy, not the agent changed in place: a turn in flight keeps the old
    agent and finishes with the old model. The rest is what
    Agent.load_model does after loading (rasa/core/agent.py).
    """
    new = copy.copy(agent)
    new.processor = processor
    new.domain = processor.domain
    new.fingerprint = uuid.uuid4().hex
    new.tracker_store.domain = processor.domain
    if isinstance(new.nlg, TemplatedNaturalLanguageGenerator):
        new.nlg.responses = processor.domain.responses if processor.domain else {}
    return new


class ModelWatcher:
    """Follows the record for one worker (one Sanic process)."""

    def __init__(
        self, app: Any, settings: Settings, load: Loader = load_processor
    ) -> None:
        self.app, self.settings, self.load = app, settings, load
        self.pid = os.getpid()
        self.started = deployed.process_started(self.pid)
        self.serial = 0
        self.path: str | None = None
        self.sha256: str | None = None
        self.failed_serial = 0
        # Its own thread: a load never waits behind other work of the loop's
        # default executor, and that work never waits behind a load.
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="model-load"
        )

    async def register(self) -> None:
        """Say which model this worker started with, as the record's serial if
        it is the deployed one."""
        processor = getattr(self.app.ctx.agent, "processor", None)
        if processor is not None:
            path = Path(processor.model_path)
            self.path = str(path)
            loop = asyncio.get_running_loop()
            with contextlib.suppress(OSError):
                self.sha256 = await loop.run_in_executor(
                    self.executor, file_sha256, path
                )
        record = deployed.read_record(self.settings)
        if record is not None and record.sha256 == self.sha256:
            self.serial = record.serial
        self.report(OK)

    async def run(self) -> None:
        await self.register()
        waiting = False
        while True:
            await asyncio.sleep(RETRY_SECONDS if waiting else CHECK_SECONDS)
            try:
                waiting = await self.check()
            except Exception:
                logger.exception("Checking for a deployed model failed")

    async def check(self) -> bool:
        """Switch if the record asks for it; True while another worker's
        switch keeps this one waiting."""
        record = self.pending()
        if record is None:
            return False
        if record.sha256 == self.sha256:
            self.adopt(record)  # e.g. a rollback to the model it still serves
            return False
        with deployed.try_lock(deployed.switch_lock(self.settings)) as mine:
            if not mine:
                return True
            record = self.pending()  # another worker's switch may have taken a while
            if record is not None:
                await self.switch(record)
        return False

    def pending(self) -> ModelRecord | None:
        """The record, if it asks for another serial that did not fail here."""
        record = deployed.read_record(self.settings)
        if record is None or record.serial in (self.serial, self.failed_serial):
            return None
        return record

    def adopt(self, record: ModelRecord) -> None:
        self.serial, self.path = record.serial, record.path
        self.report(OK)

    async def switch(self, record: ModelRecord) -> None:
        self.report(LOADING, target=record.serial)
        began = time.monotonic()
        agent = self.app.ctx.agent
        loop = asyncio.get_running_loop()
        try:
            processor = await loop.run_in_executor(
                self.executor, self._load_checked, agent, record
            )
        except Exception as error:
            self.failed_serial = record.serial
            logger.error(
                "Worker %d could not load the deployed model %s (serial %d): %s; "
                "it keeps serving %s",
                self.pid, record.path, record.serial, error, self.path,
            )  # fmt: skip
            self.report(FAILED, target=record.serial, error=_short(error))
            metrics.model_switches.labels("failed").inc()
            return
        # No await between these lines: no turn starts half-way through.
        self.app.ctx.agent = swapped(agent, processor)
        self.serial, self.path, self.sha256 = record.serial, record.path, record.sha256
        seconds = time.monotonic() - began
        logger.info(
            "Worker %d switched to %s (serial %d) in %.1f s",
            self.pid, record.path, record.serial, seconds,
        )  # fmt: skip
        self.report(OK, target=record.serial, load_seconds=round(seconds, 3))
        metrics.model_switches.labels("switched").inc()

    def _load_checked(self, agent: Any, record: ModelRecord) -> Any:
        path = Path(record.path)
        if file_sha256(path) != record.sha256:
            raise ValueError(f"{path} changed after it was deployed")
        return self.load(agent, path)

    def report(self, state: str, **details: Any) -> None:
        deployed.write_status(
            self.settings,
            WorkerStatus(
                pid=self.pid,
                started=self.started,
                serial=self.serial,
                path=self.path,
                sha256=self.sha256,
                state=state,
                **details,
            ),
        )

    def forget(self) -> None:
        deployed.remove_status(self.settings, self.pid)
        self.executor.shutdown(wait=False)


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR]


def follow_deployed_model(blueprint: Blueprint) -> None:
    """Run a ModelWatcher in each worker that serves this blueprint."""

    @blueprint.listener("after_server_start")
    async def start_watching(app: Sanic, _loop: Any) -> None:
        watcher = ModelWatcher(app, get_settings())
        app.ctx.model_watcher = watcher
        app.ctx.model_watch = asyncio.create_task(watcher.run())

    @blueprint.listener("before_server_stop")
    async def stop_watching(app: Sanic, _loop: Any) -> None:
        task = getattr(app.ctx, "model_watch", None)
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        app.ctx.model_watcher.forget()
