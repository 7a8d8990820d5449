"""Read one file's C2PA manifest store in a child process (run as a script, not imported).

An upload's manifest is untrusted input to a native parser; the parent runs this with a
timeout and a memory cap so a hostile manifest costs one child, never the worker. It
imports nothing from Laurel (no Django set-up in the child).

    python c2pa_child.py <path> <mime>   (c2pa settings JSON on stdin)

Prints one JSON object: {"status": "none"} | {"status": "ok", "store": ...} |
{"status": "error", "error": "..."}.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    import c2pa

    path, mime = argv[1], argv[2]
    context = c2pa.Context.from_json(sys.stdin.read())
    try:
        with open(path, "rb") as stream:  # noqa: PTH123 (a plain script, no pathlib needed)
            reader = c2pa.Reader.try_create(mime, stream, None, context)
            if reader is None:
                result: dict[str, object] = {"status": "none"}
            else:
                with reader:
                    result = {"status": "ok", "store": json.loads(reader.json())}
    except c2pa.C2paError as exc:
        result = {"status": "error", "error": str(exc)[:500]}
    except (OSError, ValueError) as exc:
        result = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:500]}
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
