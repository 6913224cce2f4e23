"""A model switch under load: the assistant, a second model, citizens typing.

Shared by tests/e2e/test_model_switch.py and tests/bench/bench_model_switch.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.launcher import find_model
from core.settings import PROJECT_ROOT
from tests.e2e.assistant import Assistant, start

TYPED = (
    "Hallo",
    "Was ist die Mitmachplattform?",
    "Welche Projekte gibt es?",
    "Welche Veranstaltungen gibt es?",
    "Wie kann ich mitmachen?",
    "Danke!",
)


def start_with_own_models(workdir: Path, workers: int = 2) -> Assistant:
    """The assistant with RASA_WORKERS workers on a copy of the trained model in
    a model folder of its own: deployed copies never land in models/."""
    models = workdir / "models"
    models.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(find_model(PROJECT_ROOT / "models"), models / "smartcity.tar.gz")
    return start(workdir, {"RASA_WORKERS": str(workers), "RASA_MODEL": str(models)})


def cli_env(assistant: Assistant) -> dict[str, str]:
    """The environment `smartcity` needs to act on that assistant."""
    return dict(
        os.environ,
        SMARTCITY_VAR_DIR=str(assistant.workdir / "var"),
        RASA_MODEL=str(assistant.workdir / "models"),
        DATABASE_URL=assistant.database_url,
        RASA_TELEMETRY_ENABLED="false",
    )


def repacked(source: Path, target: Path) -> str:
    """The same trained model under a new model_id: another model to Rasa's
    GET /status and another file to the deploy, without training (minutes)."""
    model_id = uuid.uuid4().hex
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member) if member.isfile() else None
            if member.name == "metadata.json":
                metadata = json.load(data)
                metadata["model_id"] = model_id
                raw = json.dumps(metadata).encode()
                member.size, data = len(raw), io.BytesIO(raw)
            new.addfile(member, data)
    return model_id


def truncated(source: Path, target: Path) -> None:
    """A model archive cut off half-way, as a failed copy leaves one."""
    target.write_bytes(source.read_bytes()[: source.stat().st_size // 2])


async def deploy(
    assistant: Assistant, model: Path, *extra: str
) -> tuple[int, str, float, float]:
    """`smartcity model deploy`: exit code, output, and when it began and ended."""
    began = time.time()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "model", "deploy", str(model), *extra,
        cwd=PROJECT_ROOT, env=cli_env(assistant),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return process.returncode, output.decode(), began, time.time()


@dataclass
class Sample:
    began: float  # time.time(): comparable with the workers' status files
    seconds: float
    error: str | None


@dataclass
class Load:
    """Citizens typing to the REST channel without a pause, each its own sender."""

    webhook: str
    clients: int = 6
    samples: list[Sample] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(self._client(http, i) for i in range(self.clients)))

    async def _client(self, http: aiohttp.ClientSession, index: int) -> None:
        sender, turn = uuid.uuid4().hex, index
        while not self.stop.is_set():
            text = TYPED[turn % len(TYPED)]
            turn += 1
            began, clock = time.time(), time.perf_counter()
            error = None
            try:
                async with http.post(
                    self.webhook,
                    json={"sender": sender, "message": text},
                    timeout=aiohttp.ClientTimeout(total=60),
                ) as response:
                    body = await response.json(content_type=None)
                    if response.status != 200:
                        error = f"HTTP {response.status}: {body}"
                    elif not isinstance(body, list) or not any(
                        m.get("text") for m in body
                    ):
                        error = f"no answer to {text!r}: {body}"
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
            self.samples.append(Sample(began, time.perf_counter() - clock, error))

    def overlapping(self, start: float, end: float) -> list[Sample]:
        return [
            s for s in self.samples if s.began <= end and s.began + s.seconds >= start
        ]

    def between(self, start: float, end: float) -> list[Sample]:
        """The requests that began and ended within [start, end]."""
        return [
            s for s in self.samples if s.began >= start and s.began + s.seconds <= end
        ]


def percentile(samples: list[Sample], share: float) -> float:
    times = sorted(s.seconds for s in samples)
    return times[min(len(times) - 1, int(share * len(times)))] if times else 0.0


def figures(samples: list[Sample]) -> dict[str, float]:
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.error),
        "p50_ms": round(percentile(samples, 0.50) * 1000, 1),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 1),
    }


def switch_window(var_dir: Path, serial: int) -> tuple[float, float]:
    """From the record naming `serial` to the last worker serving it (the files
    of bot/plugins/deployed_model.py)."""
    record = deployed_record(var_dir)
    starts = [record["deployed_at"]] if record["serial"] == serial else []
    ends = []
    for path in (var_dir / "model" / "workers").glob("*.json"):
        status = json.loads(path.read_text())
        if status["serial"] == serial and status["load_seconds"] is not None:
            ends.append(status["updated_at"])
            starts.append(status["updated_at"] - status["load_seconds"])
    if not ends:
        raise AssertionError(f"no worker reports having loaded serial {serial}")
    return min(starts), max(ends)


def deployed_record(var_dir: Path) -> dict:
    return json.loads((var_dir / "model" / "deployed.json").read_text())


def worker_statuses(var_dir: Path) -> list[dict]:
    return [
        json.loads(p.read_text())
        for p in (var_dir / "model" / "workers").glob("*.json")
    ]


def wait_for_workers(var_dir: Path, count: int, timeout: float = 60) -> list[dict]:
    """Until `count` workers have registered (each does once it serves)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = worker_statuses(var_dir) if (var_dir / "model").is_dir() else []
        if len(statuses) >= count:
            return statuses
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} Rasa workers registered in {timeout} s")
