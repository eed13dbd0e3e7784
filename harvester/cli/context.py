"""Lazy per-invocation state of the CLI: configuration, store and runner are built on first use."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from harvester.errors import ConfigError, HarvesterError


class NotAvailableYet(HarvesterError):
    """A documented command or option whose implementation has not landed yet (exit code 2)."""

    exit_code = 2


@dataclass
class CliState:
    """What a command needs; each piece is loaded only when a command asks for it."""

    config_path: str
    verbosity: int = 0
    _config: Any = field(default=None, repr=False)
    _store: Any = field(default=None, repr=False)

    @property
    def config(self) -> Any:
        """The loaded configuration (settings + sources + targets). Raises ConfigError."""
        if self._config is None:
            from harvester.settings import load_settings

            path = Path(self.config_path)
            if not path.is_file():
                raise ConfigError("configuration file not found (use --config or $HARVESTER_CONFIG)",
                                  file=str(path))
            self._config = load_settings(path)
            self.setup_logging()
        return self._config

    def setup_logging(self) -> None:
        from harvester.logs import setup_logging

        settings = self._config.settings if self._config is not None else None
        log_cfg = getattr(settings, "logging", None)
        level = getattr(log_cfg, "level", "INFO")
        if self.verbosity == 1:
            level = "INFO"
        elif self.verbosity >= 2:
            level = "DEBUG"
        secrets = self._config.secrets() if self._config is not None and hasattr(self._config, "secrets") else ()
        setup_logging(level=level, json=bool(getattr(log_cfg, "json", False)), secrets=secrets,
                      file=getattr(log_cfg, "file", None))
        if self.verbosity < 2:  # migrations and the scheduler's own bookkeeping are noise on a terminal
            for name in ("alembic", "apscheduler.scheduler"):
                logging.getLogger(name).setLevel(logging.WARNING)
        for warning in getattr(self._config, "warnings", None) or ():
            logging.getLogger(__name__).warning("%s", warning)

    @property
    def store(self) -> Any:
        """The state store of the configuration, schema ensured on first use."""
        if self._store is None:
            from harvester.store import Store

            self._store = Store(self.config.settings.database.url)
            self._store.ensure_schema()
        return self._store

    def pusher(self) -> Any:
        """The push stage (CKAN targets) for this configuration."""
        from harvester.pipeline.push import Pusher

        return Pusher(self.config, self.store)

    def runner(self) -> Any:
        """A HarvestRunner whose finished jobs are pushed to the configured targets."""
        from harvester.pipeline.runner import HarvestRunner

        return HarvestRunner(self.config, self.store, after_job=self.pusher().after_job)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def source_ids(self, ids: tuple[str, ...], all_sources: bool) -> list[str]:
        """Validate the SOURCE_ID arguments (or --all) against the configuration."""
        known = self.config.sources
        if all_sources:
            return [sid for sid, cfg in known.items() if getattr(cfg, "enabled", True)]
        missing = [sid for sid in ids if sid not in known]
        if missing:
            raise ConfigError(f"unknown source(s) {', '.join(missing)}; configured: {', '.join(sorted(known)) or '(none)'}",
                              file=self.config_path)
        return list(ids)


def optional_int(value: Optional[str]) -> Optional[int]:
    return int(value) if value not in (None, "") else None
