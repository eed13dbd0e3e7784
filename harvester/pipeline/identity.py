"""Stable public identity of harvested datasets (ARCHITECTURE.md §4).

A dataset keeps the URI its source gave it when that is an http(s) URI (a DCAT catalogue's dataset
IRI); otherwise the harvester mints ``{base_uri}/dataset/{source_id}/{remote_id}``. The minted URI
depends only on configuration and the source's own id, so it is the same on every run and
dereferences in the feed (``/dataset/{source_id}/{remote_id}``).
"""

from __future__ import annotations

import dataclasses
from urllib.parse import quote

from harvester.model.dataset import Dataset


def is_http_uri(value: str | None) -> bool:
    return bool(value) and value.lower().startswith(("http://", "https://"))  # type: ignore[union-attr]


def mint_uri(base_uri: str, source_id: str, remote_id: str) -> str:
    """The minted URI of a record; ``remote_id`` is percent-encoded so any id is a safe path segment."""
    return f"{base_uri.rstrip('/')}/dataset/{quote(source_id, safe='')}/{quote(remote_id, safe='')}"


def assign_identity(dataset: Dataset, *, base_uri: str, source_id: str, remote_id: str) -> Dataset:
    """Return ``dataset`` with ``uri`` set and ``source`` recording where it came from.

    The mapped ``uri`` wins when it is an http(s) URI; else the remote id when it is one; else a
    minted URI. ``identifier`` falls back to the remote id so every record carries dct:identifier.
    """
    uri = dataset.uri if is_http_uri(dataset.uri) else None
    if uri is None and is_http_uri(remote_id):
        uri = remote_id
    if uri is None:
        uri = mint_uri(base_uri, source_id, remote_id)
    return dataclasses.replace(dataset, uri=uri, identifier=dataset.identifier or remote_id)
