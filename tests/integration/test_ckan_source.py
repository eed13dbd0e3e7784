"""The ckan source against the real CKAN 2.12 test stack (city instance): full, then incremental.

Packages are created through ``ckanapi`` with the sysadmin token in an organisation with a random
name (the stack may be reused), listed by a full gather, one is changed, and an incremental gather
from the first run's checkpoint (lag 0) must return exactly the changed one.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from harvester.http import HttpClient, HttpPolicy
from harvester.sources.base import GatherContext
from harvester.sources.ckan_api import CkanOptions, CkanSource

pytestmark = [pytest.mark.ckan, pytest.mark.integration]


def _source(url: str, org: str, **options: object) -> CkanSource:
    http = HttpClient(HttpPolicy(retries=2, backoff=0.2, read_timeout=30))
    return CkanSource("city", CkanOptions(url=url, organizations=[org], **options), http)


def test_full_then_incremental_gather(ckan_stack) -> None:
    city = ckan_stack["city"]
    ckan = ckan_stack.client("city")
    suffix = uuid.uuid4().hex[:8]
    org = ckan.action.organization_create(name=f"dinas-uji-{suffix}", title=f"Dinas Uji {suffix}")["name"]
    names = [f"data-uji-{suffix}-{n}" for n in range(3)]
    created = {ckan.action.package_create(name=name, title=f"Data uji {n}", owner_org=org,
                                          resources=[{"url": f"http://files.example.go.id/{name}.csv",
                                                      "format": "CSV"}])["id"]: name
               for n, name in enumerate(names)}
    time.sleep(1.1)  # the watermark has one-second resolution: keep the creations strictly before it

    full = GatherContext(source_id="city", full=True)
    source = _source(city["url"], org, rows=2)  # two pages for three packages
    refs = list(source.gather(full))
    assert sorted(r.remote_id for r in refs) == sorted(created)
    assert full.complete and not full.issues
    assert {json.loads(r.payload)["name"] for r in refs} == set(names)
    checkpoint = source.checkpoint()
    assert checkpoint and checkpoint["since"].endswith("Z")

    time.sleep(1.1)
    changed_id = next(i for i, n in created.items() if n == names[1])
    ckan.action.package_patch(id=changed_id, notes="Catatan diperbarui")

    incremental = GatherContext(source_id="city", checkpoint=checkpoint)
    refs = list(_source(city["url"], org, lag_minutes=0).gather(incremental))
    assert [r.remote_id for r in refs] == [changed_id]
    assert json.loads(refs[0].payload)["notes"] == "Catatan diperbarui"
    assert incremental.complete

    # include_deleted is accepted by CKAN 2.12; with its default ckan.search.remove_deleted_packages
    # a deleted package leaves the index, so it is absent from the next full listing (-> deletion)
    gone_id = next(i for i, n in created.items() if n == names[2])
    ckan.action.package_delete(id=gone_id)
    full = GatherContext(source_id="city", full=True)
    refs = list(_source(city["url"], org, include_deleted=True).gather(full))
    assert sorted(r.remote_id for r in refs) == sorted(set(created) - {gone_id}) and full.complete
