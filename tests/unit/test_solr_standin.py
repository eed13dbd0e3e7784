"""Unit tests of the TEST-ONLY Solr stand-in (tests/ckan_stack/solr_standin), over real HTTP on
127.0.0.1, with requests shaped like those pysolr sends for CKAN 2.12."""

from __future__ import annotations

import datetime as dt
import json
import xml.dom.minidom
from typing import Any, Iterator

import pytest
import requests

from tests.ckan_stack.solr_standin import serve_in_thread
from tests.ckan_stack.solr_standin.datemath import resolve_date
from tests.ckan_stack.solr_standin.query import min_should_match

DOCS: list[dict[str, Any]] = [
    {"index_id": "i1", "id": "p1", "name": "jumlah-penduduk", "title": "Jumlah Penduduk Kota Blitar",
     "notes": "Data registrasi penduduk.", "site_id": "city", "entity_type": "package",
     "dataset_type": "dataset", "state": "active", "capacity": "public", "organization": "dukcapil",
     "tags": ["penduduk", "Kependudukan"], "groups": ["sosial"], "res_format": ["CSV", "JSON"],
     "res_url": ["http://f.example/a.csv", "http://f.example/a.json"], "license_id": "cc-by",
     "permission_labels": ["public"], "extras_sdi_kode_pemda": "35.72",
     "metadata_created": "2024-01-10T08:00:00.000000Z", "metadata_modified": "2024-03-01T10:00:00.123456Z",
     "validated_data_dict": json.dumps({"name": "jumlah-penduduk"}), "data_dict": "{}"},
    {"index_id": "i2", "id": "p2", "name": "jumlah-sekolah", "title": "Jumlah Sekolah Dasar",
     "notes": "Sekolah menurut kecamatan.", "site_id": "city", "entity_type": "package",
     "dataset_type": "dataset", "state": "active", "capacity": "private", "organization": "dindik",
     "tags": ["pendidikan"], "res_format": ["XLSX"], "res_url": ["http://f.example/b.xlsx"],
     "license_id": "cc-by", "permission_labels": ["member-org-dindik"],
     "metadata_created": "2024-02-01T00:00:00.000000Z", "metadata_modified": "2024-05-20T00:00:00.000000Z"},
    {"index_id": "i3", "id": "p3", "name": "penduduk-miskin", "title": "Penduduk Miskin",
     "notes": "Persentase penduduk miskin.", "site_id": "city", "entity_type": "package",
     "dataset_type": "dataset", "state": "deleted", "capacity": "public", "organization": "dukcapil",
     "tags": ["penduduk", "kemiskinan"], "res_format": ["CSV"], "permission_labels": ["public"],
     "metadata_created": "2023-12-01T00:00:00.000000Z", "metadata_modified": "2023-12-31T23:59:59.000000Z"},
    {"index_id": "i4", "id": "p4", "name": "other-site", "title": "Jumlah Penduduk (province)",
     "site_id": "province", "entity_type": "package", "dataset_type": "dataset", "state": "active",
     "capacity": "public", "organization": "bps", "permission_labels": ["public"],
     "metadata_created": "2024-06-01T00:00:00Z", "metadata_modified": "2024-06-01T00:00:00Z"},
]


@pytest.fixture(scope="module")
def solr() -> Iterator[str]:
    server = serve_in_thread()
    base = f"http://127.0.0.1:{server.server_address[1]}/solr"
    resp = requests.post(f"{base}/ckan/update/?commit=true", data=json.dumps(DOCS),
                         headers={"Content-type": "application/json; charset=utf-8"}, timeout=10)
    resp.raise_for_status()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


def select(base: str, core: str = "ckan", **params: Any) -> dict[str, Any]:
    params.setdefault("wt", "json")
    params = {k.replace("__", "."): v for k, v in params.items()}
    resp = requests.get(f"{base}/{core}/select/", params=params, timeout=10)
    resp.raise_for_status()
    return resp.json()


def ids(base: str, q: str = "*:*", **params: Any) -> list[str]:
    params.setdefault("sort", "id asc")
    params.setdefault("rows", 100)
    return [d["id"] for d in select(base, q=q, fl="id", **params)["response"]["docs"]]


def test_schema_reports_a_supported_ckan_version(solr: str) -> None:
    resp = requests.get(f"{solr}/ckan/schema", params={"wt": "schema.xml"}, timeout=10)
    root = xml.dom.minidom.parseString(resp.content).documentElement
    assert root.getAttribute("name") == "ckan-2.12"
    classic = requests.get(f"{solr}/ckan/admin/file/", params={"file": "schema.xml"}, timeout=10)
    assert b'name="ckan-2.12"' in classic.content


@pytest.mark.parametrize("q,expected", [
    ("*:*", ["p1", "p2", "p3", "p4"]),
    ("name:jumlah-penduduk", ["p1"]),
    ('name:"jumlah-penduduk"', ["p1"]),
    ("organization:dukcapil", ["p1", "p3"]),
    ("tags:Kependudukan", ["p1"]),                      # string field: exact, case-sensitive
    ("tags:kependudukan", []),
    ("title:PENDUDUK", ["p1", "p3", "p4"]),             # text field: case-insensitive tokens
    ('title:"jumlah penduduk"', ["p1", "p4"]),          # phrase: adjacent tokens in order
    ('title:"penduduk jumlah"', []),
    ("res_format:JSON", ["p1"]),                         # multi-valued
    ('res_url:"http://f.example/b.xlsx"', ["p2"]),
    ("extras_sdi_kode_pemda:35.72", ["p1"]),
    ("+organization:dukcapil -state:deleted", ["p1"]),
    ("organization:dukcapil AND NOT tags:kemiskinan", ["p1"]),
    ("organization:dindik OR organization:bps", ["p2", "p4"]),
    ("(organization:dindik OR organization:bps) AND title:sekolah", ["p2"]),
    ("organization:(dindik OR bps)", ["p2", "p4"]),
    ("-state:active", ["p3"]),
    ("name:jumlah*", ["p1", "p2"]),
    ("name:*-site", ["p4"]),
    ("name:penduduk-miski?", ["p3"]),
    ("title:pendud*", ["p1", "p3", "p4"]),
    ("groups:*", ["p1"]),
    ("name:/jumlah-.*/", ["p1", "p2"]),
    ("text:registrasi", ["p1"]),                         # notes copied into text
    ("text:blitar", ["p1"]),
    ("text:kependudukan", ["p1"]),                       # tags copied into text (tokenised)
    ("sekolah", ["p2"]),                                 # bare term -> df=text
    ("metadata_modified:[2024-01-01T00:00:00Z TO *]", ["p1", "p2", "p4"]),
    ("metadata_modified:[* TO 2024-03-01T10:00:00.123456Z]", ["p1", "p3"]),
    ("metadata_modified:{2024-03-01T10:00:00.123456Z TO *]", ["p2", "p4"]),
    ("metadata_created:[2024-01-01T00:00:00Z TO 2024-02-01T00:00:00Z}", ["p1"]),
    ("metadata_modified:[2024-01-01T00:00:00Z TO NOW]", ["p1", "p2", "p4"]),
    ("metadata_modified:[NOW-1DAY TO *]", []),
    ("name:[jumlah-a TO jumlah-q]", ["p1"]),
])
def test_lucene_queries(solr: str, q: str, expected: list[str]) -> None:
    assert ids(solr, q) == expected


def test_default_operator_follows_q_op(solr: str) -> None:
    assert ids(solr, "organization:dukcapil organization:bps", **{"q.op": "OR"}) == ["p1", "p3", "p4"]
    assert ids(solr, "organization:dukcapil organization:bps", **{"q.op": "AND"}) == []
    assert ids(solr, "organization:dukcapil state:active", **{"q.op": "AND"}) == ["p1"]


def test_ckan_style_filters(solr: str) -> None:
    fq = ['+site_id:"city" ', "+capacity:public  +state:(active OR draft)",
          '+permission_labels:("public" OR "member-org-xyz")']
    assert ids(solr, fq=fq) == ["p1"]
    fq_private = ['+site_id:"city"', "+state:(active)",
                  '+permission_labels:("member-org-dindik")']
    assert ids(solr, fq=fq_private) == ["p2"]
    query = '+entity_type:package AND +(id:"p3" OR name:"p3") AND +site_id:"city"'
    assert ids(solr, query) == ["p3"]
    assert ids(solr, 'name:"jumlah-sekolah" OR id:"jumlah-sekolah"', fq='+site_id:"city" +entity_type:package') == ["p2"]


def test_dismax_free_text_uses_qf_and_mm(solr: str) -> None:
    common = {"defType": "dismax", "qf": "name^4 title^4 tags^2 groups^2 text", "mm": "2<-1 5<80%"}
    assert ids(solr, "penduduk", **common) == ["p1", "p3", "p4"]
    assert ids(solr, "jumlah penduduk", **common) == ["p1", "p4"]
    assert ids(solr, '"penduduk miskin"', **common) == ["p3"]
    assert ids(solr, "jumlah penduduk sekolah", **common) == ["p1", "p2", "p4"]  # 3 clauses: 2 must hit
    assert ids(solr, "penduduk -miskin", **common) == ["p1", "p4"]


def test_min_should_match_spec() -> None:
    assert [min_should_match("2<-1 5<80%", n) for n in (1, 2, 3, 5, 6, 10)] == [1, 2, 2, 4, 4, 8]
    assert min_should_match("100%", 3) == 3
    assert min_should_match("1", 4) == 1


def test_date_math() -> None:
    now = dt.datetime(2024, 3, 15, 13, 45, 10, tzinfo=dt.timezone.utc)
    assert resolve_date("NOW/DAY", now) == dt.datetime(2024, 3, 15, tzinfo=dt.timezone.utc)
    assert resolve_date("NOW-1MONTH/DAY", now) == dt.datetime(2024, 2, 15, tzinfo=dt.timezone.utc)
    assert resolve_date("2024-01-31T00:00:00Z+1MONTH", now) == dt.datetime(2024, 2, 29, tzinfo=dt.timezone.utc)
    assert resolve_date("NOW+2HOURS", now) == now + dt.timedelta(hours=2)


def test_sort_paging_and_counts(solr: str) -> None:
    body = select(solr, q="*:*", fl="id", sort="metadata_modified desc", rows=2, start=1)
    assert body["response"]["numFound"] == 4
    assert [d["id"] for d in body["response"]["docs"]] == ["p2", "p1"]
    assert ids(solr, sort="organization asc, metadata_modified desc") == ["p4", "p2", "p1", "p3"]
    assert ids(solr, sort="score desc, metadata_modified asc") == ["p3", "p1", "p2", "p4"]
    assert ids(solr, sort="title_string asc") == ["p1", "p2", "p3", "p4"]  # missing values last
    assert select(solr, q="*:*", rows=0)["response"]["docs"] == []


def test_bad_sort_and_syntax_errors_are_400(solr: str) -> None:
    resp = requests.get(f"{solr}/ckan/select", params={"q": "*:*", "sort": "name sideways"}, timeout=10)
    assert resp.status_code == 400 and "Sort Order" in resp.json()["error"]["msg"]
    resp = requests.get(f"{solr}/ckan/select", params={"q": "title:(unclosed"}, timeout=10)
    assert resp.status_code == 400 and "SyntaxError" in resp.json()["error"]["msg"]


def test_field_list_returns_stored_fields_only(solr: str) -> None:
    doc = select(solr, q="id:p1", fl="id validated_data_dict permission_labels text")["response"]["docs"][0]
    assert doc == {"id": "p1", "validated_data_dict": json.dumps({"name": "jumlah-penduduk"})}
    full = select(solr, q="id:p1", fl="*,score")["response"]["docs"][0]
    assert full["metadata_modified"] == "2024-03-01T10:00:00.123456Z"
    assert full["tags"] == ["penduduk", "Kependudukan"] and full["score"] == 1.0
    assert "permission_labels" not in full and "text" not in full
    assert select(solr, q="id:p1", fl="id,extras_*")["response"]["docs"][0] == {
        "id": "p1", "extras_sdi_kode_pemda": "35.72"}


def test_facets(solr: str) -> None:
    body = select(solr, q="*:*", fq="+state:active", facet="true",
                  facet__field=["organization", "res_format", "tags"], facet__mincount=1,
                  facet__limit=2, rows=0)
    fields = body["facet_counts"]["facet_fields"]
    assert fields["organization"] == ["bps", 1, "dindik", 1]
    assert fields["res_format"] == ["CSV", 1, "JSON", 1]
    assert fields["tags"] == ["Kependudukan", 1, "pendidikan", 1]
    unlimited = select(solr, q="organization:dukcapil", facet="true", facet__field="tags",
                       facet__limit=-1, facet__mincount=1)["facet_counts"]["facet_fields"]["tags"]
    assert unlimited == ["Kependudukan", 1, "kemiskinan", 1, "penduduk", 2]  # limit<0: index order
    assert "facet_counts" not in select(solr, q="*:*")


def test_long_queries_arrive_as_form_posts(solr: str) -> None:
    data = {"q": "*:*", "fq": ["+site_id:city", "-state:deleted"], "fl": "id", "sort": "id asc",
            "wt": "json", "pad": "x" * 1200}
    resp = requests.post(f"{solr}/ckan/select/", data=data, timeout=10,
                         headers={"Content-type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert [d["id"] for d in resp.json()["response"]["docs"]] == ["p1", "p2"]


def test_updates_replace_and_delete_per_core(solr: str) -> None:
    url = f"{solr}/scratch/update/?commit=true"
    json_hdr = {"Content-type": "application/json; charset=utf-8"}
    xml_hdr = {"Content-type": "text/xml; charset=utf-8"}
    docs = [{"index_id": f"s{i}", "id": f"s{i}", "site_id": "scratch", "state": "active",
             "title": f"Doc {i}"} for i in range(4)]
    assert requests.post(url, data=json.dumps(docs), headers=json_hdr, timeout=10).ok
    assert ids(solr, core="scratch") == ["s0", "s1", "s2", "s3"]
    assert ids(solr, core="ckan", q="site_id:scratch") == []  # cores are separate
    replaced = {"add": {"doc": {"index_id": "s1", "id": "s1", "site_id": "scratch", "title": "New"}}}
    assert requests.post(url, data=json.dumps(replaced), headers=json_hdr, timeout=10).ok
    assert ids(solr, core="scratch", q="title:new") == ["s1"]
    assert ids(solr, core="scratch", q="title:doc") == ["s0", "s2", "s3"]
    requests.post(url, data="<delete><id>s0</id></delete>", headers=xml_hdr, timeout=10)
    requests.post(url, data='<delete><query>+site_id:"scratch" AND title:"Doc 2"</query></delete>',
                  headers=xml_hdr, timeout=10)
    assert ids(solr, core="scratch") == ["s1", "s3"]
    requests.post(url, data=json.dumps({"delete": {"query": "*:*"}}), headers=json_hdr, timeout=10)
    requests.post(f"{solr}/scratch/update/?commit=true", data="<commit />", headers=xml_hdr, timeout=10)
    assert ids(solr, core="scratch") == []
    xml_add = ('<add><doc><field name="index_id">x1</field><field name="id">x1</field>'
               '<field name="tags">a</field><field name="tags">b</field></doc></add>')
    requests.post(url, data=xml_add, headers=xml_hdr, timeout=10)
    assert ids(solr, core="scratch", q="tags:b") == ["x1"]
    missing_key = requests.post(url, data=json.dumps([{"title": "no key"}]), headers=json_hdr, timeout=10)
    assert missing_key.status_code == 400


def test_health_endpoint_counts_documents(solr: str) -> None:
    health = requests.get(solr.replace("/solr", "/standin/health"), timeout=10).json()
    assert health["status"] == "ok" and health["cores"]["ckan"] == 4
