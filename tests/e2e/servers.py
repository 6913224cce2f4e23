"""The assistant's three servers as separate processes, each one killable.

`smartcity run` stops everything when one server dies; fault tests need to kill
and restart one of them while the others run, as a crash in production would.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.launcher import child_env, commands, is_up
from core.settings import PROJECT_ROOT, Settings
from tests.e2e.assistant import STARTUP_TIMEOUT, StartupError


@dataclass
class Servers:
    settings: Settings
    env: dict[str, str]
    workdir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def health(self) -> dict[str, str]:
        s = self.settings
        return {
            "rasa": f"{s.rasa_url}/webhooks/rest/",
            "action server": s.action_health_url,
            "web app": f"{s.web_url}/healthz",
        }

    def another(self, **env: str) -> Servers:
        """A second set on the same databases, e.g. another web app on another port."""
        merged = {**self.env, **env}
        return Servers(Settings.from_env(merged), merged, self.workdir)

    def log(self, name: str) -> Path:
        return self.workdir / f"{name.replace(' ', '-')}.log"

    def start(self, *names: str) -> None:
        """Start the named servers (all by default) and wait until they answer."""
        names = names or tuple(commands(self.settings))
        env = {**child_env(self.settings), **self.env}
        for name in names:
            with self.log(name).open("ab") as out:
                self.processes[name] = subprocess.Popen(
                    commands(self.settings)[name], cwd=PROJECT_ROOT, env=env,
                    stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip
        began = time.monotonic()
        while not all(is_up(self.health[name]) for name in names):
            dead = [n for n in names if self.processes[n].poll() is not None]
            if dead or time.monotonic() - began > STARTUP_TIMEOUT:
                self.stop()
                tail = "\n".join(self.log(n).read_text()[-3000:] for n in names)
                raise StartupError(f"{dead or names} did not start:\n{tail}")
            time.sleep(0.5)

    def kill(self, name: str) -> None:
        """SIGKILL: no chance to finish anything, as in a crash."""
        process = self.processes.pop(name)
        process.kill()
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace") for path in self.workdir.glob("*.log")
        )
