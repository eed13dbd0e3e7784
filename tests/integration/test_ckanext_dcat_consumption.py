"""What most portals that harvest us run: ckanext-dcat 2.4's RDFParser (profile euro_dcat_ap_3).

Our Turtle and JSON-LD are parsed by the real ckanext-dcat in CKAN's own virtualenv
(``.cache/ckan-venv``, built with the CKAN test stack) in a subprocess; the CKAN dataset dicts it
prints must carry the same title, description, keywords, identifier, distributions (URL, format),
publisher, contact point, temporal and spatial coverage as the canonical records.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess

import pytest

from harvester.mapping.codelists import CodeLists
from harvester.model.dataset import Agent, ContactPoint, Dataset, Distribution, Location, PeriodOfTime
from harvester.profiles.dcat_ap import DcatAp3Profile
from harvester.profiles.dcat_ap_terms import iri
from tests.ckan_stack.paths import CKAN_VENV
from tests.unit.profiles.records import RICH

pytestmark = pytest.mark.ckan

PEER = """
import json, sys
from ckanext.dcat.processors import RDFParser
out = {}
for path, fmt in zip(sys.argv[1::2], sys.argv[2::2]):
    parser = RDFParser(profiles=["euro_dcat_ap_3"])
    with open(path, encoding="utf-8") as fh:
        parser.parse(fh.read(), _format=fmt)
    out[fmt] = list(parser.datasets())
print(json.dumps(out))
"""

BLITAR = dataclasses.replace(
    RICH, temporal=(PeriodOfTime(start="2019-01-01", end="2024-12-31"),), spatial=(Location(code="35.72"),))
SECOND = Dataset(
    identifier="rumah-sakit-2023", uri="https://data.example.go.id/dataset/rumah-sakit-2023",
    title="Daftar Rumah Sakit", description="Rumah sakit per kecamatan, dengan \"kutip\" dan\nbaris baru.",
    keywords=("kesehatan", "rumah sakit"), language=("id",),
    publisher=Agent(name="Diskominfo Kabupaten Contoh", email="diskominfo@contoh.go.id"),
    contact_points=(ContactPoint(name="PPID", email="ppid@contoh.go.id"),),
    temporal=(PeriodOfTime(start="2023"),),
    spatial=(Location(uri="https://sws.geonames.org/1650357/", label="Blitar",
                      geometry='{"type": "Point", "coordinates": [112.17, -8.1]}'),),
    distributions=(Distribution(access_url="https://data.example.go.id/rs.json", format="JSON"),
                   Distribution(download_url="https://data.example.go.id/rs 2023.xlsx", format="XLSX")),
)
RECORDS = [BLITAR, SECOND]


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> dict[str, list[dict]]:
    python = CKAN_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail(f"CKAN virtualenv not found at {CKAN_VENV}; build the CKAN test stack first "
                    "(python -m tests.ckan_stack up)", pytrace=False)
    profile = DcatAp3Profile(CodeLists.load())
    tmp = tmp_path_factory.mktemp("consumption")
    args = []
    for fmt in ("turtle", "json-ld"):
        path = tmp / f"feed.{fmt}"
        path.write_bytes(profile.serialize(RECORDS, fmt))
        args += [str(path), fmt]
    proc = subprocess.run([str(python), "-c", PEER, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _extras(d: dict) -> dict[str, str]:
    return {e["key"]: e["value"] for e in d.get("extras", [])}


def _by_uri(datasets: list[dict]) -> dict[str, dict]:
    return {_extras(d)["uri"]: d for d in datasets}


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.identifier)
def test_ckanext_dcat_reads_back_the_canonical_record(parsed, fmt: str, record: Dataset) -> None:
    codes = CodeLists.load()
    d = _by_uri(parsed[fmt])[record.uri]
    ex = _extras(d)
    assert d["title"] == record.title
    assert d["notes"] == record.description
    assert sorted(t["name"] for t in d["tags"]) == sorted(record.keywords)
    assert ex["identifier"] == record.identifier
    # distributions: URL (download URL, else access URL; IRIs percent-encoded) and format
    got = sorted((r["url"], codes["format"].lookup(r["format"]).code) for r in d["resources"])
    want = sorted((str(iri(dist.download_url or dist.access_url)), dist.format) for dist in record.distributions)
    assert got == want
    # publisher (walidata)
    assert ex["publisher_name"] == record.publisher.name
    if record.publisher.uri:
        assert ex["publisher_uri"] == record.publisher.uri
    if record.publisher.email:
        assert ex["publisher_email"] == record.publisher.email
    # contact point
    contact = record.contact_points[0]
    assert (ex["contact_name"], ex["contact_email"]) == (contact.name, contact.email)
    # temporal coverage
    period = record.temporal[0]
    assert ex.get("temporal_start") == period.start and ex.get("temporal_end") == period.end
    # spatial coverage
    place = record.spatial[0]
    if place.code:
        assert ex["spatial_uri"] == codes["wilayah"].get(place.code).uri
        assert ex["spatial_text"] == codes["wilayah"].get(place.code).label
    else:
        assert ex["spatial_uri"] == place.uri and ex["spatial_text"] == place.label
        assert json.loads(ex["spatial"]) == json.loads(place.geometry)


def test_both_formats_give_the_same_dicts(parsed) -> None:
    def normal(datasets: list[dict]) -> dict:
        out = {}
        for uri, d in _by_uri(datasets).items():
            d = {k: v for k, v in d.items() if k != "resources"}
            d["extras"] = sorted((e["key"], json.dumps(e["value"])) for e in d["extras"]
                                 if e["key"] not in ("alternate_identifier", "conforms_to", "source"))  # bnode ids
            d["tags"] = sorted(t["name"] for t in d["tags"])
            out[uri] = d
        return out

    assert normal(parsed["turtle"]) == normal(parsed["json-ld"])
