"""Debian's firefox-esr for Playwright, started as the browser's executable.

Playwright drives a stock Firefox over WebDriver BiDi (`firefox.launch(channel="moz-firefox")`,
nothing downloaded), but it sends one command this Firefox does not know yet:
`emulation.setMediaFeaturesOverride` (colour-scheme emulation, which these tests never ask for),
and a new browser context fails on it. So Playwright starts this script instead of Firefox: it
starts Firefox with the same arguments, tells Playwright its own address in Firefox's words, relays
every BiDi message both ways and answers that one command itself with an empty success.

Usage: `python bidi_relay.py <firefox arguments>`, with FIREFOX naming the browser (conftest
writes the launcher). Firefox is this process's child in its process group: Playwright ends both.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys

import websockets

FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
LISTENING = re.compile(rb"WebDriver BiDi listening on (ws://\S+)")
# Commands Playwright sends that this Firefox does not implement, answered here as done.
ANSWERED_HERE = frozenset({"emulation.setMediaFeaturesOverride"})


async def relay(upstream: str, client: websockets.ServerConnection) -> None:
    async with websockets.connect(upstream + client.request.path, max_size=None) as firefox:

        async def to_client() -> None:
            async for message in firefox:
                await client.send(message)

        answers = asyncio.create_task(to_client())
        try:
            async for message in client:
                command = json.loads(message)
                if command.get("method") in ANSWERED_HERE:
                    done = {"type": "success", "id": command["id"], "result": {}}
                    await client.send(json.dumps(done))
                else:
                    await firefox.send(message)
        finally:
            answers.cancel()


async def main(args: list[str]) -> int:
    browser = await asyncio.create_subprocess_exec(FIREFOX, *args, stderr=asyncio.subprocess.PIPE)
    assert browser.stderr is not None
    upstream = None
    while upstream is None:
        line = await browser.stderr.readline()
        if not line:
            return await browser.wait()
        if found := LISTENING.search(line):
            upstream = found.group(1).decode()
        else:
            sys.stderr.buffer.write(line)
            sys.stderr.flush()

    async def pass_on_stderr() -> None:
        assert browser.stderr is not None
        while line := await browser.stderr.readline():
            sys.stderr.buffer.write(line)
            sys.stderr.flush()

    logs = asyncio.create_task(pass_on_stderr())
    server = await websockets.serve(
        lambda client: relay(upstream, client), "127.0.0.1", 0, max_size=None
    )
    port = server.sockets[0].getsockname()[1]
    sys.stderr.write(f"WebDriver BiDi listening on ws://127.0.0.1:{port}\n")
    sys.stderr.flush()
    loop = asyncio.get_running_loop()
    for stop in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop, browser.terminate)
    code = await browser.wait()
    server.close()
    logs.cancel()
    return code


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
