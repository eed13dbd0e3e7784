"""Where the CKAN test stack keeps things (all computed from the repository root).

- ``.cache/ckan-venv``: CKAN's own virtualenv (override with ``CKAN_STACK_VENV``);
- ``.cache/ckan-stack``: runtime state (override with ``CKAN_STACK_DIR``): ``stack.json`` (pids,
  ports, URLs, tokens), ``logs/``, and ``instances/<name>/`` (ini, storage, build record).
``.cache/`` is git-ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache"
CKAN_VENV = Path(os.environ.get("CKAN_STACK_VENV") or CACHE_DIR / "ckan-venv")
STATE_DIR = Path(os.environ.get("CKAN_STACK_DIR") or CACHE_DIR / "ckan-stack")
LOG_DIR = STATE_DIR / "logs"
INSTANCES_DIR = STATE_DIR / "instances"
STATE_FILE = STATE_DIR / "stack.json"
LOCK_FILE = STATE_DIR / ".lock"
SCHEMA_FILE = REPO_ROOT / "config" / "ckan" / "sdi_dataset.yaml"
WSGI_DIR = Path(__file__).resolve().parent / "wsgi"
