"""CLI of the CKAN test stack.

``python -m tests.ckan_stack up``     start (or reuse) the stack; prints ONE JSON object
                                       ``{"city": {"url", "token", ...}, "province": ..., "national": ...}``
``python -m tests.ckan_stack down``   stop everything the stack started
``python -m tests.ckan_stack status`` print a JSON report (processes, URLs, CKAN versions)

Progress goes to stderr; stdout carries only the JSON. Exit code 1 with the error (and the tail of
the relevant log) on stderr when the stack cannot be started.
"""

from __future__ import annotations

import argparse
import json
import sys

from .procs import StackError
from .stack import down, ensure_logging, status, up


def main(argv: list[str] | None = None) -> int:
    """Run one CLI command; returns the process exit code."""
    ap = argparse.ArgumentParser(prog="python -m tests.ckan_stack",
                                 description="Real CKAN 2.12 test stack (city, province, national)")
    ap.add_argument("command", choices=["up", "down", "status"])
    args = ap.parse_args(argv)
    ensure_logging()
    try:
        if args.command == "up":
            print(json.dumps(up(), indent=2))
        elif args.command == "down":
            print(json.dumps({"stopped": down()}))
        else:
            print(json.dumps(status(), indent=2))
    except StackError as exc:
        print(f"ckan_stack {args.command} failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
