"""CKAN target (``type: ckan``): writes canonical datasets to a CKAN 2.9+ portal through its Action API.

Every request goes through ``ckanapi.RemoteCKAN`` on the session of ``harvester.http.HttpClient``,
so the target's HTTP policy applies: rate limit, ``concurrency`` parallel requests, timeouts,
retries honouring 429 / Retry-After (writes are retried only on 429 and refused connections,
where CKAN cannot have acted). On top of that an adaptive throttle slows the target down after a
5xx or 429 and speeds up again after successes.

Writes: ``package_create``, or a full ``package_update`` of the dict shown just before, with the
portal's resource ids carried over (matched by distribution URI, then URL, then name, then
position) and the portal's groups kept — never a partial update that drops resources.
Withdrawal is ``package_patch(private=True)`` or ``package_delete``; purge is ``dataset_purge``.

Error translation: ``ckanapi.ValidationError`` → ``TargetRejected`` with the portal's error dict
verbatim in ``details``; ``NotAuthorized`` → ``ConfigError`` when the token itself is not accepted
(CKAN treats the caller as anonymous), else ``TargetRejected`` (no permission for that
organisation); connection failures, timeouts, 5xx, 429 after retries and search back-end errors →
``TargetUnavailable``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from typing import Any, Iterable, Optional

import ckanapi
import requests

from harvester.errors import ConfigError, TargetRejected, TargetUnavailable
from harvester.http import HttpClient, HttpError, HttpPolicy
from harvester.model.dataset import Dataset
from harvester.profiles.ckan_package import CkanPackageProfile
from harvester.targets.base import (LookupKey, NameTaken, Organisation, PortalInfo, PushOptions, RemoteDataset,
                                    Target, TargetRef)

logger = logging.getLogger(__name__)

#: Keys (top level or extras) whose value is a dataset's stable identity on the portal.
IDENTITY_KEYS = ("sdi_harvest_uri", "uri", "identifier")
LOOKUP_CHUNK = 40  # keys per package_search: 5 clauses each stays far below Solr's 1024-clause limit
SEARCH_ROWS = 1000
PREFETCH_LIMIT = 2000  # candidates a prefetch may download; beyond that, look up in chunks
_ANONYMOUS = re.compile(r"User\s+not authorized", re.IGNORECASE)  # CKAN names no user: token not accepted
_NAME_IN_USE = re.compile(r"already in use", re.IGNORECASE)


class Throttle:
    """Adaptive pause between requests of one target: doubles after a 5xx/429, halves after a success."""

    def __init__(self, *, start: float = 0.5, cap: float = 30.0) -> None:
        self.gap = 0.0
        self.start, self.cap = start, cap
        self._lock = threading.Lock()

    def wait(self) -> None:
        gap = self.gap
        if gap > 0:
            time.sleep(gap)

    def record(self, status: int) -> None:
        with self._lock:
            if status >= 500 or status == 429:
                self.gap = min(self.cap, max(self.start, self.gap * 2))
                logger.info("portal answered HTTP %d: slowing down to one request per %.1fs", status, self.gap)
            elif self.gap:
                self.gap = self.gap / 2 if self.gap > 0.05 else 0.0


class _PortalCKAN(ckanapi.RemoteCKAN):
    """RemoteCKAN with the policy's timeouts, the adaptive throttle, and 5xx/429 raised as unavailability."""

    def __init__(self, address: str, *, apikey: Optional[str], session: requests.Session, policy: HttpPolicy,
                 throttle: Throttle, get_only: bool = False) -> None:
        super().__init__(address, apikey=apikey, user_agent=policy.user_agent, get_only=get_only, session=session)
        self.timeouts = (policy.connect_timeout, policy.read_timeout)
        self.throttle = throttle

    def _send(self, fn: Any, url: str, *args: Any) -> tuple[int, str]:
        *rest, requests_kwargs = args
        requests_kwargs = dict(requests_kwargs or {}, timeout=self.timeouts)
        self.throttle.wait()
        try:
            status, text = fn(url, *rest, requests_kwargs)
        except (HttpError, requests.RequestException) as exc:
            raise TargetUnavailable(f"{url.rsplit('/', 1)[-1]}: {exc}") from exc
        self.throttle.record(status)
        if status >= 500 or status == 429:
            raise TargetUnavailable(f"{url.rsplit('/', 1)[-1]}: HTTP {status}", status=status)
        return status, text

    def _request_fn(self, url, data, headers, files, requests_kwargs):  # type: ignore[no-untyped-def,override]
        return self._send(super()._request_fn, url, data, headers, files, requests_kwargs)

    def _request_fn_get(self, url, data_dict, headers, requests_kwargs):  # type: ignore[no-untyped-def,override]
        return self._send(super()._request_fn_get, url, data_dict, headers, requests_kwargs)


def _extras(pkg: dict[str, Any]) -> dict[Any, Any]:
    return {e.get("key"): e.get("value") for e in pkg.get("extras") or [] if isinstance(e, dict)}


def identities(pkg: dict[str, Any]) -> frozenset[str]:
    """Stable identities a portal dataset carries: harvest URI, URI, and URI-valued identifiers."""
    extras = _extras(pkg)
    found = set()
    for key in IDENTITY_KEYS:
        for value in (pkg.get(key), extras.get(key)):
            if isinstance(value, str) and value.strip():
                value = value.strip()
                if key != "identifier" or _is_uri(value):
                    found.add(value)
    return frozenset(found)


def remote_dataset(pkg: dict[str, Any]) -> RemoteDataset:
    ref = TargetRef(id=pkg["id"], name=pkg.get("name") or pkg["id"], modified=pkg.get("metadata_modified"),
                    state=pkg.get("state") or "active", private=pkg.get("private"))
    return RemoteDataset(ref, identities(pkg), pkg)


def merge_resources(current: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``new`` resources carrying the ids of the ``current`` ones they replace (see module docstring)."""
    unused = [r for r in current if r.get("id")]
    out: list[dict[str, Any]] = [dict(r) for r in new]
    for key in ("uri", "url", "name"):
        for res in out:
            if "id" in res or not res.get(key):
                continue
            match = next((r for r in unused if r.get(key) == res[key]), None)
            if match is not None:
                res["id"] = match["id"]
                unused.remove(match)
    for res in out:  # what is left: same slot, new URL (a file replaced under a new address)
        if "id" not in res and unused:
            res["id"] = unused.pop(0)["id"]
    return out


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class CkanTarget(Target):
    """A CKAN portal configured by one target file (see the module docstring)."""

    def __init__(self, name: str, config: Any, codelists: Any, *, http: Optional[HttpClient] = None) -> None:
        """No network traffic here; the first request happens in ``preflight`` or a write."""
        self.name = name
        self.config = config
        self.url = config.url
        policy = config.http_policy or _hand_built_policy(config)
        self.policy = policy.model_copy(update={"max_concurrency": max(1, int(config.concurrency))})
        self.http = http or HttpClient(self.policy)
        token = config.token.get_secret_value() if config.token is not None else None
        self.throttle = Throttle()
        # POST for every write and the batched searches; GET for reads (the HTTP policy retries those)
        self._write = _PortalCKAN(self.url, apikey=token, session=self.http.session, policy=self.policy,
                                  throttle=self.throttle)
        self._read = _PortalCKAN(self.url, apikey=token, session=self.http.session, policy=self.policy,
                                 throttle=self.throttle, get_only=True)
        self.profile = CkanPackageProfile(codelists)
        self.flavour = "scheming" if config.profile == "sdi" else "plain"

    # ------------------------------------------------------------------ plumbing
    def _call(self, action: str, *, read: bool = False, **data: Any) -> Any:
        client = self._read if read else self._write
        try:
            return client.call_action(action, data)
        except ckanapi.ValidationError as exc:
            details = getattr(exc, "error_dict", None) or {"message": str(exc)}
            raise TargetRejected(f"{action} refused: {_summary(details)}", target=self.name, details=details) from exc
        except ckanapi.NotAuthorized as exc:
            details = exc.args[0] if exc.args else str(exc)
            if _ANONYMOUS.search(str(details)):
                raise ConfigError(f"target {self.name}: the portal does not accept the API token ({action})",
                                  key="token", target=self.name) from exc
            raise TargetRejected(f"{action}: not authorized: {_summary(details)}", target=self.name,
                                 details=details) from exc
        except (ckanapi.SearchError, ckanapi.SearchQueryError, ckanapi.SearchIndexError,
                ckanapi.ServerIncompatibleError) as exc:
            raise TargetUnavailable(f"{action}: {exc}", target=self.name) from exc
        except TargetUnavailable as exc:
            raise TargetUnavailable(exc.reason, target=self.name, **exc.data) from exc
        except ckanapi.NotFound:
            raise
        except ckanapi.CKANAPIError as exc:
            raise TargetUnavailable(f"{action}: unexpected answer: {str(exc)[:300]}", target=self.name) from exc

    # ------------------------------------------------------------------ Target API
    def preflight(self) -> PortalInfo:
        status = self._call("status_show", read=True)
        extensions = tuple(status.get("extensions") or ())
        notes: list[str] = []
        if self.config.profile == "sdi" and "scheming_datasets" not in extensions:
            self.flavour = "plain"
            notes.append("profile sdi, but the portal runs no ckanext-scheming: SDI fields are written as extras")
        elif self.config.profile == "sdi":
            self.flavour = "scheming"
        return PortalInfo(status.get("ckan_version"), extensions, self.flavour, tuple(notes))

    def find(self, keys: Iterable[LookupKey]) -> dict[LookupKey, RemoteDataset]:
        keys = list(dict.fromkeys(keys))
        out: dict[LookupKey, RemoteDataset] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start:start + LOOKUP_CHUNK]
            found = self._search(chunk)
            for key in chunk:
                match = _pick(key, found)
                if match is not None:
                    out[key] = match
        return out

    def prefetch(self, keys: Iterable[LookupKey]) -> Optional[dict[LookupKey, RemoteDataset]]:
        """Count the datasets that carry an identity under the keys' common URI prefix, or sit without a
        harvest URI in one of their organisations: none (the usual case) settles every key with one
        cheap request; a few keys are then looked up precisely, many keys against one download."""
        keys = list(dict.fromkeys(keys))
        prefix = _common_prefix([v for k in keys for v in (k.uri, k.identifier) if _is_uri(v)])
        if prefix is None:
            return None
        orgs = sorted({k.organisation for k in keys if k.organisation and k.identifier and not _is_uri(k.identifier)})
        # in the organisations only datasets without a harvest URI can be adopted by a plain identifier
        # (ours carry one under the prefix; others' are not ours to take), so only they are counted
        fq = " OR ".join([f"{k}:{_escape(prefix)}*" for k in IDENTITY_KEYS]
                         + [f"(organization:{_quote(o)} AND -sdi_harvest_uri:[* TO *])" for o in orgs])
        count = int(self._call("package_search", fq=fq, rows=0, include_private=True, include_drafts=True)["count"])
        if count == 0:
            return {}
        if len(keys) <= LOOKUP_CHUNK:
            return self.find(keys)
        if count > PREFETCH_LIMIT:
            return None
        found = self._pages(fq)
        out = {}
        for key in keys:
            match = _pick(key, found, by_name=False)
            if match is not None:
                out[key] = match
        return out

    def _pages(self, fq: str) -> list[RemoteDataset]:
        found: list[RemoteDataset] = []
        offset = 0
        while True:
            page = self._call("package_search", fq=fq, rows=SEARCH_ROWS, start=offset,
                              include_private=True, include_drafts=True, sort="metadata_created asc")
            found += [remote_dataset(p) for p in page.get("results") or []]
            offset += SEARCH_ROWS
            if offset >= int(page.get("count") or 0) or not page.get("results"):
                return found

    def _search(self, keys: list[LookupKey]) -> list[RemoteDataset]:
        clauses = []
        for key in keys:
            # CKAN indexes every extra twice: 'extras_<key>' (tokenised text) and '<key>' (an exact
            # string, through the schema's '*' field). The exact one is cheaper and never matches a
            # longer URI; results are checked here anyway.
            for value in {v for v in (key.uri, key.identifier) if _is_uri(v)}:
                clauses += [f"{k}:{_quote(value)}" for k in IDENTITY_KEYS]
            if key.identifier and not _is_uri(key.identifier) and key.organisation:
                clauses.append(f"(identifier:{_quote(key.identifier)} AND organization:{_quote(key.organisation)})")
            if key.name:
                clauses.append(f"name:{_quote(key.name)}")
        return self._pages(" OR ".join(clauses)) if clauses else []

    def show(self, ident: str) -> Optional[RemoteDataset]:
        try:
            return remote_dataset(self._call("package_show", read=True, id=ident))
        except ckanapi.NotFound:
            return None

    def render(self, dataset: Dataset, options: PushOptions) -> dict[str, Any]:
        """The package dict this target writes for ``dataset`` (no network)."""
        pkg = self.profile.render(dataset, flavour=self.flavour, owner_org=options.organisation.name,  # type: ignore[arg-type]
                                  name=options.name)
        if options.metadata_only:
            pkg["resources"] = []
        return pkg

    def push(self, dataset: Dataset, options: PushOptions, *, existing: Optional[RemoteDataset]) -> TargetRef:
        pkg = self.render(dataset, options)
        if existing is None:
            try:
                return _ref(self._call("package_create", **pkg))
            except TargetRejected as exc:
                if _name_in_use(exc.details):
                    raise NameTaken(options.name) from exc
                raise
        current = existing.data
        pkg["id"] = existing.ref.id
        pkg["name"] = existing.ref.name  # a published dataset is never renamed
        pkg["resources"] = merge_resources(current.get("resources") or [], pkg.get("resources") or [])
        if current.get("groups"):
            pkg["groups"] = [{"name": g["name"]} for g in current["groups"] if g.get("name")]
        if existing.ref.state != "active":
            pkg["state"] = "active"
        return _ref(self._call("package_update", **pkg))

    def withdraw(self, ident: str, *, mode: str) -> TargetRef:
        if mode == "delete":
            try:
                self._call("package_delete", id=ident)
            except ckanapi.NotFound:
                pass
            gone = self.show(ident)
            return gone.ref if gone else TargetRef(ident, ident, state="deleted")
        try:
            return _ref(self._call("package_patch", id=ident, private=True))
        except ckanapi.NotFound:
            return TargetRef(ident, ident, state="deleted")

    def purge(self, ident: str) -> None:
        try:
            self._call("dataset_purge", id=ident)
        except ckanapi.NotFound:
            pass

    def ensure_organisation(self, org: Organisation) -> None:
        try:
            found = self._call("organization_show", read=True, id=org.name, include_datasets=False)
            if found.get("state", "active") == "active":
                return
        except ckanapi.NotFound:
            found = None
        if not org.create_missing:
            raise TargetRejected(f"organisation {org.name!r} does not exist on the portal and "
                                 "organisations.create_missing is off", target=self.name,
                                 details={"owner_org": [f"organisation {org.name} not found"]})
        if found is not None:  # deleted earlier: bring it back rather than fail on the name
            self._call("organization_patch", id=found["id"], state="active")
        else:
            self._call("organization_create", name=org.name, title=org.title)
        logger.info("target %s: organisation %s created", self.name, org.name)

    def close(self) -> None:
        self.http.close()


def _hand_built_policy(config: Any) -> HttpPolicy:
    """The policy of a config built without the loader: defaults < ``rate_limit`` < ``http``."""
    from harvester.settings import merge_http

    return merge_http(HttpPolicy(), HttpPolicy.model_validate({"rate_limit": config.rate_limit}), config.http)


def _is_uri(value: Optional[str]) -> bool:
    return bool(value) and value.lower().startswith(("http://", "https://"))  # type: ignore[union-attr]


def _common_prefix(uris: list[str]) -> Optional[str]:
    """The longest common prefix of ``uris`` ending in '/', if it goes beyond ``scheme://host/``."""
    if not uris:
        return None
    prefix = os.path.commonprefix(uris)
    prefix = prefix[:prefix.rfind("/") + 1]
    head = re.match(r"^https?://[^/]+/", prefix)
    return prefix if head and len(prefix) > len(head.group(0)) else None


def _escape(value: str) -> str:
    """``value`` with Lucene's special characters escaped (for a prefix query, which cannot be quoted)."""
    return re.sub(r'([+\-&|!(){}\[\]^"~*?:\\/ ])', r"\\\1", value)


def _pick(key: LookupKey, found: list[RemoteDataset], *, by_name: bool = True) -> Optional[RemoteDataset]:
    """The dataset ``key`` identifies: the oldest claiming its identity, else one in the key's
    organisation with its plain identifier, else one with its name; never one claiming another identity."""
    wanted = {v for v in (key.uri, key.identifier) if _is_uri(v)}
    for candidate in found:
        if wanted & candidate.identities:
            return candidate
    if key.identifier and not _is_uri(key.identifier) and key.organisation:
        for candidate in found:
            data = candidate.data
            org = (data.get("organization") or {}).get("name")
            ident = data.get("identifier") or _extras(data).get("identifier")
            if ident == key.identifier and org == key.organisation and not candidate.identities:
                return candidate
    for candidate in found if by_name else ():
        if key.name and candidate.ref.name == key.name and not candidate.identities:
            return candidate
    return None


def _ref(pkg: dict[str, Any]) -> TargetRef:
    return remote_dataset(pkg).ref


def _name_in_use(details: Any) -> bool:
    if not isinstance(details, dict):
        return False
    return any(_NAME_IN_USE.search(str(m)) for m in (details.get("name") or []))


def _summary(details: Any) -> str:
    """Short one-line text of a CKAN error dict for messages (the dict itself is kept verbatim)."""
    if isinstance(details, dict):
        parts = [f"{k}: {v}" for k, v in details.items() if k != "__type"]
        return "; ".join(parts)[:500] or json.dumps(details)[:500]
    return str(details)[:500]
