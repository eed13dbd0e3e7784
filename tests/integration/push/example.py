"""The Kota Blitar example configuration, copied per test and pointed at the real CKAN test stack.

``Example(tmp_path, ckan_stack)`` copies ``config/example`` to ``tmp_path`` and makes it unique to the
test (the stack is shared by every test and run): dataset URIs, dataset names and organisation
names all carry a random tag, so adoption by identity or by name can only ever find this test's
own datasets. The province and national organisations are created up front, as the portal
operators would have done (the example targets may not create them).

Helpers edit the copied DCAT catalogue (change, drop or re-classify one dataset), load the
configuration with the stack's URLs and tokens in ``CKAN_*_URL`` / ``CKAN_*_TOKEN``, build the
runner with the pusher plugged in, and read back what each portal holds.
"""

from __future__ import annotations

import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from harvester.mapping.codelists import CodeLists
from harvester.pipeline.push import Pusher, PushReport
from harvester.pipeline.runner import HarvestRunner, JobResult, RunOptions
from harvester.settings import LoadedConfig, load_settings
from harvester.store import Store

REPO = Path(__file__).resolve().parents[3]
LEVELS = {"kota": "city", "jatim": "province", "nasional": "national"}
ENV_KEYS = {"city": "CITY", "province": "PROVINCE", "national": "NATIONAL"}
KATALOG = "katalog-diskominfotik"
_CODELISTS: list[CodeLists] = []


def codelists() -> CodeLists:
    if not _CODELISTS:
        _CODELISTS.append(CodeLists.load())
    return _CODELISTS[0]


@dataclass
class Clock:
    """The pusher's clock: real time plus an offset the test can advance."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def advance(self, **kw: float) -> None:
        self.offset += timedelta(**kw)


@dataclass
class Example:
    tmp_path: Path
    stack: Any
    tag: str = field(default_factory=lambda: "t" + uuid.uuid4().hex[:7])
    clock: Clock = field(default_factory=Clock)
    urls: dict[str, str] = field(default_factory=dict)  # level -> URL override: a closed port, or "" (disabled)

    def __post_init__(self) -> None:
        self.root = self.tmp_path / "example"
        shutil.copytree(REPO / "config" / "example", self.root)
        self.host = f"{self.tag}.blitarkota.go.id"
        for path in [*(self.root / "data").iterdir(), self.root / "harvester.yaml"]:
            path.write_text(path.read_text(encoding="utf-8").replace("data.blitarkota.go.id", self.host),
                            encoding="utf-8")
        settings = self.read("harvester.yaml")
        settings["mappings_dir"] = str(REPO / "mappings")
        settings["database"]["url"] = f"sqlite:///{self.tmp_path / 'state.db'}"
        self.write("harvester.yaml", settings)
        t = self.tag
        self.org = {"province": f"{t}-kota-blitar", "national": f"{t}-pemkot-blitar"}
        self.edit_target("kota", naming={"pattern": f"{t}-{{slug}}"}, concurrency=4,
                         organisations={"prefix": f"{t}-", "map": {"dispendukcapil": f"{t}-disdukcapil"}})
        for name in ("jatim", "nasional"):
            level = LEVELS[name]
            # the example's polite 1-2 requests/s towards real portals would only slow the tests down
            self.edit_target(name, naming={"pattern": f"{t}-{{slug}}-{{kode_pemda}}"}, rate_limit=50, concurrency=4,
                             organisations={"single": {"name": self.org[level], "title": f"Kota Blitar {t}"}})
            self.stack.client(level).action.organization_create(name=self.org[level], title=f"Kota Blitar {t}")
        self.store = Store(f"sqlite:///{self.tmp_path / 'state.db'}")

    # ---------------------------------------------------------------- files
    def read(self, rel: str) -> dict[str, Any]:
        return yaml.safe_load((self.root / rel).read_text(encoding="utf-8"))

    def write(self, rel: str, data: dict[str, Any]) -> None:
        (self.root / rel).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def edit_target(self, name: str, **changes: Any) -> None:
        """Deep-merge ``changes`` into targets/<name>.yaml."""
        data = self.read(f"targets/{name}.yaml")
        _merge(data, changes)
        self.write(f"targets/{name}.yaml", data)

    @property
    def catalogue(self) -> Path:
        return self.root / "data" / "katalog-diskominfotik.ttl"

    def edit_dataset(self, local: str, edit: Callable[[str], str]) -> None:
        """Apply ``edit`` to the Turtle block of dataset ``ds:<local>`` (it must change it)."""
        text = self.catalogue.read_text(encoding="utf-8")
        start, end = _block(text, local)
        new = edit(text[start:end])
        assert new != text[start:end], f"edit of {local} changed nothing"
        self.catalogue.write_text(text[:start] + new + text[end:], encoding="utf-8")

    def drop_dataset(self, local: str) -> None:
        text = self.catalogue.read_text(encoding="utf-8")
        start, end = _block(text, local)
        text = text[:start] + text[end:]
        text = re.sub(rf"\s*ds:{re.escape(local)}\s*,", "", text)
        self.catalogue.write_text(text, encoding="utf-8")

    def uri(self, local: str) -> str:
        return f"https://{self.host}/dataset/{local}"

    # ---------------------------------------------------------------- running
    def config(self) -> LoadedConfig:
        env: dict[str, str] = {}
        for level, key in ENV_KEYS.items():
            env[f"CKAN_{key}_URL"] = self.urls.get(level, self.stack[level]["url"])
            env[f"CKAN_{key}_TOKEN"] = self.stack[level]["token"]
        return load_settings(self.root / "harvester.yaml", env=env)

    def pusher(self, config: Optional[LoadedConfig] = None) -> Pusher:
        return Pusher(config or self.config(), self.store, codelists=codelists(), clock=self.clock)

    def harvest(self, *source_ids: str, push: bool = True, **options: Any) -> tuple[list[JobResult], PushReport]:
        """Harvest the sources (all example sources when none given), pushing after each job."""
        config = self.config()
        pusher = self.pusher(config)
        reports: list[PushReport] = []
        runner = HarvestRunner(config, self.store, codelists=codelists(), after_job=(
            (lambda result, stop: reports.append(pusher.after_job(result, stop))) if push else None))
        results = [runner.run(sid, RunOptions(full=True, **options)) for sid in (source_ids or tuple(config.sources))]
        merged = PushReport()
        for report in reports:
            for target, counts in report.per_target.items():
                merged.per_target.setdefault(target, type(counts)()).update(counts)
            merged.errors.extend(report.errors)
        return results, merged

    # ---------------------------------------------------------------- portals
    def datasets(self, level: str) -> dict[str, dict[str, Any]]:
        """This test's datasets on a portal (private ones included), by name."""
        found = self.stack.client(level).action.package_search(q=f"name:{self.tag}-*", include_private=True,
                                                                rows=1000)
        return {p["name"]: p for p in found["results"]}

    def snapshot(self) -> dict[str, dict[str, tuple]]:
        return {level: {n: (p["metadata_modified"], p["private"], tuple(r["id"] for r in p["resources"]))
                        for n, p in self.datasets(level).items()} for level in ENV_KEYS if self.enabled(level)}

    def enabled(self, level: str) -> bool:
        return self.urls.get(level, "-") != ""

    def only(self, *levels: str) -> None:
        """Disable every other target (an empty URL disables a target)."""
        for level in ENV_KEYS:
            if level not in levels:
                self.urls[level] = ""

    def add_source(self, name: str, text: str) -> None:
        (self.root / "sources" / f"{name}.yaml").write_text(text, encoding="utf-8")

    def by_uri(self, level: str) -> dict[str, dict[str, Any]]:
        out = {}
        for pkg in self.datasets(level).values():
            extras = {e["key"]: e["value"] for e in pkg.get("extras") or []}
            out[pkg.get("sdi_harvest_uri") or extras.get("sdi_harvest_uri")] = pkg
        return out


def _merge(into: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _block(text: str, local: str) -> tuple[int, int]:
    match = re.search(rf"^ds:{re.escape(local)} a dcat:Dataset", text, re.MULTILINE)
    assert match, f"dataset {local} not in the catalogue"
    nxt = re.search(r"^# --- ", text[match.start():], re.MULTILINE)
    return match.start(), match.start() + nxt.start() if nxt else len(text)
