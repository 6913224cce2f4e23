"""A TCP proxy in front of a real server, to take it away and bring it back."""

from __future__ import annotations

import asyncio
import contextlib


class SwitchableProxy:
    """Forwards 127.0.0.1:port to the target; `down()` refuses, `hang()` stalls."""

    def __init__(self, port: int, target_port: int) -> None:
        self.port = port
        self.target_port = target_port
        self.hanging = False
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def up(self) -> None:
        self.hanging = False
        if self._server is None:
            self._server = await asyncio.start_server(
                self._serve, "127.0.0.1", self.port
            )

    async def down(self) -> None:
        """Close the port, as when the server is not running: connections are refused."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for task in list(self._tasks):
            task.cancel()

    async def hang(self) -> None:
        """Accept connections but never answer, as a stuck server does."""
        await self.up()
        self.hanging = True

    async def _serve(self, reader, writer) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            if self.hanging:
                await asyncio.sleep(3600)
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
            await asyncio.gather(
                self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
            )
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)

    @staticmethod
    async def _pipe(reader, writer) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
