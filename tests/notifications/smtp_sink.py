"""A real SMTP server process for the tests: ``python smtp_sink.py PORT FOLDER``.

Stores every message it accepts as ``FOLDER/<n>.eml`` (with ``X-Envelope-To``), refuses
recipients whose local part starts with ``refuse`` (550) and answers 451 for those that
start with ``busy`` (a temporary failure).
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        local = address.split("@", 1)[0].lower()
        if local.startswith("refuse"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("busy"):
            return "451 4.2.1 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode()
        header = ("X-Envelope-To: " + ", ".join(envelope.rcpt_tos) + "\r\n").encode()
        number = next(self.counter)
        partial = self.folder / f".{number:07d}.tmp"
        partial.write_bytes(header + content)
        partial.replace(self.folder / f"{number:07d}.eml")
        return "250 Message accepted"


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
