"""Locust users for `make bench-compare`: citizens chatting over the REST channel.

Runs in the tool environment (.venv-tools), not beside Rasa. BENCH_BOT picks
the conversation: `smartcity` (German questions that call custom actions, the
FAQ and small talk) or `stock` (the `rasa init` bot's own mood dialogue).
Every user is one sender who talks without pause; after a conversation it
starts over as a new sender, as a new citizen would.
"""

from __future__ import annotations

import os
import uuid

from locust import FastHttpUser, constant, task

CONVERSATIONS = {
    "smartcity": (
        "Hallo",
        "Was ist die Mitmachplattform?",
        "Welche Veranstaltungen gibt es?",
        "Wie kann ich mitmachen?",
        "Was ist ein digitaler Zwilling?",
        "Danke, tschüss",
    ),
    "stock": ("hello", "I am sad", "yes", "great", "bye"),
}
TURNS = CONVERSATIONS[os.environ.get("BENCH_BOT", "smartcity")]


class Citizen(FastHttpUser):
    wait_time = constant(0)
    # The assistant's own limit is 300 s; a stalled turn counts as an error.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.sender = uuid.uuid4().hex
        self.turn = 0

    @task
    def say(self) -> None:
        text = TURNS[self.turn]
        with self.client.post(
            "/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            name="message",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif not response.json():
                response.failure("no answer")
        self.turn += 1
        if self.turn == len(TURNS):
            self.on_start()
