"""Wire-format fixtures for bench/bench_gather_memory.py: N rich dataset records per source type.

Every record is derived from ``facts(i)`` (seeded per record, so any page can be produced on the
fly without generating the others and every run sees the same bytes). The same dataset is then
rendered the way each protocol carries it:

* ``ckan_package``    - a CKAN 2.10 ``package_search`` result entry (organisation, tags, groups,
  extras, 2-3 resources), about 5 KB of JSON;
* ``datajson_dataset`` - a Project Open Data 1.1 dataset object (publisher, contact, distributions);
* ``iso_record``      - an ISO 19139 ``gmd:MD_Metadata`` (contact, citation, abstract, keywords,
  constraints, bounding box, temporal extent, distribution formats and online resources);
* ``oai_dc_record``   - an OAI-PMH ``<record>`` with header and ``oai_dc:dc`` metadata;
* ``schemaorg_page``  - an HTML page with a schema.org ``Dataset`` JSON-LD block;
* ``sheet_row``       - one row of an Indonesian "daftar data" inventory (16 columns);
* ``api_item``        - a JSON:API style resource object.

DCAT Turtle reuses ``dcat_catalog_gen`` (the single dump is its ``generate``; Hydra pages reuse its
per-dataset template). Large single files (Turtle dump, data.json, CSV, XLSX) are written into
``bench/out/`` (git-ignored) by ``ensure_files``; paged responses are rendered per request by
``respond`` (see bench_gather_memory for the routes).
"""

from __future__ import annotations

import csv
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from dcat_catalog_gen import BASE, FORMATS, FREQ, PREFIXES, THEMES, WORDS, _dataset, generate

SEED = 20240501
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)
ORGS = [f"Dinas {WORDS[o % len(WORDS)].capitalize()} {WORDS[(o * 7 + 3) % len(WORDS)]} Kota Blitar"
        for o in range(50)]
LICENCES = [("cc-by", "Creative Commons Attribution", "https://creativecommons.org/licenses/by/4.0/"),
            ("cc-by-sa", "Creative Commons Attribution Share-Alike", "https://creativecommons.org/licenses/by-sa/4.0/"),
            ("odc-odbl", "Open Data Commons Open Database License", "https://opendatacommons.org/licenses/odbl/")]
NS = uuid.UUID("6f1c0b1e-4a55-4c8e-9c51-5b1f0d3a2e10")


def facts(i: int) -> dict[str, Any]:
    """The protocol-neutral description of dataset ``i`` (deterministic)."""
    rnd = random.Random(SEED * 1_000_003 + i)
    words = rnd.sample(WORDS, 8)
    year = 2015 + i % 10
    org = i % 50
    lon, lat = 106 + rnd.random() * 10, -8 + rnd.random() * 6
    dists = []
    for d in range(2 + i % 2):
        fmt, media = FORMATS[(i + d) % len(FORMATS)]
        dists.append({"id": str(uuid.uuid5(NS, f"res-{i}-{d}")), "format": fmt, "media": media,
                      "url": f"{BASE}/files/ds-{i:06d}-{d}.{fmt.lower()}", "size": 1000 + i * 7 + d,
                      "name": f"{words[0].capitalize()} {words[1]} {year} ({fmt})",
                      "description": f"Berkas {fmt} berisi " + " ".join(rnd.choices(WORDS, k=12)) + "."})
    title = " ".join(words[:4]).capitalize() + f" tahun {year}"
    return {
        "i": i, "id": str(uuid.uuid5(NS, f"ds-{i}")), "name": f"ds-{i:06d}", "title": title,
        "description": "Data " + " ".join(rnd.choices(WORDS, k=60)) + f". Nomor {i}.\nSumber: dinas terkait.",
        "keywords": words[3:8], "themes": rnd.sample(THEMES, 2), "year": year,
        "org": org, "org_name": f"opd-{org:02d}", "org_title": ORGS[org],
        "created": EPOCH + timedelta(minutes=i), "modified": EPOCH + timedelta(days=365, minutes=3 * i),
        "licence": LICENCES[i % len(LICENCES)], "frequency": FREQ[i % len(FREQ)],
        "contact": f"Bidang Statistik {ORGS[org]}", "email": f"data{org}@blitarkota.go.id",
        "bbox": (round(lon, 4), round(lat, 4), round(lon + 0.1, 4), round(lat + 0.1, 4)),
        "distributions": dists, "checksum": f"{rnd.getrandbits(160):040x}",
    }


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# -- JSON renderings -----------------------------------------------------------------------------------

def ckan_package(i: int) -> dict[str, Any]:
    f = facts(i)
    org_id = str(uuid.uuid5(NS, f["org_name"]))
    created, modified = _iso(f["created"]) + ".123456", _iso(f["modified"]) + ".654321"
    return {
        "author": f["contact"], "author_email": f["email"], "creator_user_id": str(uuid.uuid5(NS, "admin")),
        "id": f["id"], "isopen": True, "license_id": f["licence"][0], "license_title": f["licence"][1],
        "license_url": f["licence"][2], "maintainer": f["contact"], "maintainer_email": f["email"],
        "metadata_created": created, "metadata_modified": modified, "name": f["name"], "notes": f["description"],
        "num_resources": len(f["distributions"]), "num_tags": len(f["keywords"]),
        "organization": {"id": org_id, "name": f["org_name"], "title": f["org_title"], "type": "organization",
                         "description": f"Organisasi perangkat daerah {f['org_title']}.",
                         "image_url": f"{BASE}/uploads/group/{f['org_name']}.png", "created": "2019-05-01T08:00:00",
                         "is_organization": True, "approval_status": "approved", "state": "active"},
        "owner_org": org_id, "private": False, "state": "active", "title": f["title"], "type": "dataset",
        "url": f"{BASE}/dataset/{f['name']}/view", "version": f"1.{i % 5}",
        "extras": [{"key": k, "value": v} for k, v in (
            ("kode_pemda", "35.72"), ("frekuensi", f["frequency"]), ("tahun", str(f["year"])),
            ("spatial", json.dumps({"type": "Polygon", "coordinates": [[list(f["bbox"][:2]), list(f["bbox"][2:])]]})),
            ("satuan", "orang"), ("sumber", "Survei Sosial Ekonomi Daerah"))],
        "groups": [{"id": str(uuid.uuid5(NS, t)), "name": t.lower(), "title": t, "description": "",
                    "display_name": t, "image_display_url": ""} for t in f["themes"]],
        "tags": [{"id": str(uuid.uuid5(NS, k)), "name": k, "display_name": k, "state": "active",
                  "vocabulary_id": None} for k in f["keywords"]],
        "resources": [{"id": d["id"], "package_id": f["id"], "name": d["name"], "description": d["description"],
                       "format": d["format"], "mimetype": d["media"], "url": d["url"], "size": d["size"],
                       "created": created, "last_modified": modified, "metadata_modified": modified,
                       "position": n, "state": "active", "hash": f["checksum"], "url_type": "upload",
                       "resource_type": None, "datastore_active": d["format"] == "CSV", "cache_url": None,
                       "mimetype_inner": None} for n, d in enumerate(f["distributions"])],
        "relationships_as_object": [], "relationships_as_subject": [],
    }


def datajson_dataset(i: int) -> dict[str, Any]:
    f = facts(i)
    return {
        "@type": "dcat:Dataset", "identifier": f"{BASE}/dataset/{f['name']}", "title": f["title"],
        "description": f["description"], "keyword": f["keywords"], "modified": _iso(f["modified"]) + "Z",
        "issued": f["created"].date().isoformat(),
        "publisher": {"@type": "org:Organization", "name": f["org_title"],
                      "subOrganizationOf": {"@type": "org:Organization", "name": "Pemerintah Kota Blitar"}},
        "contactPoint": {"@type": "vcard:Contact", "fn": f["contact"], "hasEmail": f"mailto:{f['email']}"},
        "accessLevel": "public", "bureauCode": ["035:72"], "programCode": [f"035:{f['org']:03d}"],
        "license": f["licence"][2], "rights": "Data terbuka", "spatial": ",".join(map(str, f["bbox"])),
        "temporal": f"{f['year']}-01-01/{f['year']}-12-31", "accrualPeriodicity": "R/P1Y",
        "theme": f["themes"], "language": ["id-ID"], "landingPage": f"{BASE}/dataset/{f['name']}/view",
        "distribution": [{"@type": "dcat:Distribution", "title": d["name"], "description": d["description"],
                          "downloadURL": d["url"], "mediaType": d["media"], "format": d["format"],
                          "describedBy": f"{BASE}/dataset/{f['name']}/schema.json"} for d in f["distributions"]],
    }


def api_item(i: int) -> dict[str, Any]:
    f = facts(i)
    return {
        "id": f["id"], "type": "dataset",
        "attributes": {"name": f["name"], "title": f["title"], "description": f["description"],
                       "keywords": f["keywords"], "themes": f["themes"], "license": f["licence"][0],
                       "frequency": f["frequency"], "year": f["year"], "created_at": _iso(f["created"]) + "Z",
                       "updated_at": _iso(f["modified"]) + "Z", "bbox": list(f["bbox"]),
                       "files": [{"name": d["name"], "format": d["format"], "url": d["url"], "size": d["size"]}
                                 for d in f["distributions"]]},
        "relationships": {"organization": {"data": {"type": "organization", "id": f["org_name"]},
                                           "meta": {"title": f["org_title"], "email": f["email"]}}},
        "links": {"self": f"{BASE}/api/datasets/{f['id']}"},
    }


def schemaorg_page(i: int, page_url: str) -> bytes:
    f = facts(i)
    block = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": f"{BASE}/dataset/{f['name']}",
        "name": f["title"], "description": f["description"], "url": page_url, "keywords": f["keywords"],
        "identifier": [f["name"], {"@type": "PropertyValue", "propertyID": "uuid", "value": f["id"]}],
        "license": f["licence"][2], "isAccessibleForFree": True, "dateModified": _iso(f["modified"]) + "Z",
        "datePublished": f["created"].date().isoformat(), "temporalCoverage": f"{f['year']}-01-01/{f['year']}-12-31",
        "creator": {"@type": "Organization", "name": f["org_title"], "email": f["email"]},
        "publisher": {"@type": "Organization", "name": "Pemerintah Kota Blitar", "url": BASE},
        "spatialCoverage": {"@type": "Place", "geo": {"@type": "GeoShape", "box": " ".join(map(str, f["bbox"]))}},
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "Satu Data Kota Blitar", "url": BASE},
        "distribution": [{"@type": "DataDownload", "name": d["name"], "encodingFormat": d["media"],
                          "contentUrl": d["url"], "contentSize": str(d["size"])} for d in f["distributions"]],
    }
    text = (f"<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>{escape(f['title'])}</title>"
            f"<meta name=\"description\" content=\"{escape(f['description'][:150])}\">"
            f"<script type=\"application/ld+json\">{json.dumps(block, ensure_ascii=False)}</script></head>"
            f"<body><header><nav><a href=\"/\">Beranda</a> <a href=\"/dataset\">Dataset</a></nav></header>"
            f"<main><h1>{escape(f['title'])}</h1><p>{escape(f['description'])}</p><ul>"
            + "".join(f"<li><a href=\"{d['url']}\">{escape(d['name'])}</a></li>" for d in f["distributions"])
            + "</ul></main><footer>Diskominfo Kota Blitar</footer></body></html>")
    return text.encode("utf-8")


# -- XML renderings ------------------------------------------------------------------------------------

def _cs(text: str) -> str:
    return f"<gco:CharacterString>{escape(text)}</gco:CharacterString>"


def iso_record(i: int) -> str:
    f = facts(i)
    w, s, e, n = f["bbox"]
    keywords = "".join(f"<gmd:keyword>{_cs(k)}</gmd:keyword>" for k in f["keywords"])
    online = "".join(
        f"<gmd:onLine><gmd:CI_OnlineResource><gmd:linkage><gmd:URL>{escape(d['url'])}</gmd:URL></gmd:linkage>"
        f"<gmd:protocol>{_cs('WWW:DOWNLOAD-1.0-http--download')}</gmd:protocol><gmd:name>{_cs(d['name'])}</gmd:name>"
        f"<gmd:description>{_cs(d['description'])}</gmd:description></gmd:CI_OnlineResource></gmd:onLine>"
        for d in f["distributions"])
    formats = "".join(f"<gmd:distributionFormat><gmd:MD_Format><gmd:name>{_cs(d['format'])}</gmd:name>"
                      f"<gmd:version gco:nilReason=\"unknown\"/></gmd:MD_Format></gmd:distributionFormat>"
                      for d in f["distributions"])
    party = (f"<gmd:CI_ResponsibleParty><gmd:organisationName>{_cs(f['org_title'])}</gmd:organisationName>"
             f"<gmd:contactInfo><gmd:CI_Contact><gmd:address><gmd:CI_Address><gmd:city>{_cs('Blitar')}</gmd:city>"
             f"<gmd:electronicMailAddress>{_cs(f['email'])}</gmd:electronicMailAddress></gmd:CI_Address>"
             "</gmd:address></gmd:CI_Contact></gmd:contactInfo><gmd:role><gmd:CI_RoleCode codeList="
             "\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_RoleCode\" "
             "codeListValue=\"pointOfContact\">pointOfContact</gmd:CI_RoleCode></gmd:role></gmd:CI_ResponsibleParty>")
    return (
        "<gmd:MD_Metadata xmlns:gmd=\"http://www.isotc211.org/2005/gmd\" "
        "xmlns:gco=\"http://www.isotc211.org/2005/gco\" xmlns:gml=\"http://www.opengis.net/gml\" "
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
        f"<gmd:fileIdentifier>{_cs(f['id'])}</gmd:fileIdentifier>"
        "<gmd:language><gmd:LanguageCode codeList=\"http://www.loc.gov/standards/iso639-2/\" "
        "codeListValue=\"ind\">ind</gmd:LanguageCode></gmd:language>"
        "<gmd:hierarchyLevel><gmd:MD_ScopeCode codeList=\"http://standards.iso.org/iso/19139/resources/"
        "gmxCodelists.xml#MD_ScopeCode\" codeListValue=\"dataset\">dataset</gmd:MD_ScopeCode></gmd:hierarchyLevel>"
        f"<gmd:contact>{party}</gmd:contact>"
        f"<gmd:dateStamp><gco:DateTime>{_iso(f['modified'])}</gco:DateTime></gmd:dateStamp>"
        f"<gmd:metadataStandardName>{_cs('ISO 19115:2003/19139')}</gmd:metadataStandardName>"
        "<gmd:identificationInfo><gmd:MD_DataIdentification><gmd:citation><gmd:CI_Citation>"
        f"<gmd:title>{_cs(f['title'])}</gmd:title><gmd:date><gmd:CI_Date><gmd:date><gco:Date>"
        f"{f['created'].date().isoformat()}</gco:Date></gmd:date><gmd:dateType><gmd:CI_DateTypeCode codeList="
        "\"http://standards.iso.org/iso/19139/resources/gmxCodelists.xml#CI_DateTypeCode\" "
        "codeListValue=\"publication\">publication</gmd:CI_DateTypeCode></gmd:dateType></gmd:CI_Date></gmd:date>"
        f"</gmd:CI_Citation></gmd:citation><gmd:abstract>{_cs(f['description'])}</gmd:abstract>"
        f"<gmd:pointOfContact>{party}</gmd:pointOfContact>"
        f"<gmd:descriptiveKeywords><gmd:MD_Keywords>{keywords}</gmd:MD_Keywords></gmd:descriptiveKeywords>"
        "<gmd:resourceConstraints><gmd:MD_LegalConstraints><gmd:useLimitation>"
        f"{_cs(f['licence'][1])}</gmd:useLimitation></gmd:MD_LegalConstraints></gmd:resourceConstraints>"
        f"<gmd:language>{_cs('ind')}</gmd:language><gmd:topicCategory><gmd:MD_TopicCategoryCode>society"
        "</gmd:MD_TopicCategoryCode></gmd:topicCategory><gmd:extent><gmd:EX_Extent><gmd:geographicElement>"
        f"<gmd:EX_GeographicBoundingBox><gmd:westBoundLongitude><gco:Decimal>{w}</gco:Decimal>"
        f"</gmd:westBoundLongitude><gmd:eastBoundLongitude><gco:Decimal>{e}</gco:Decimal></gmd:eastBoundLongitude>"
        f"<gmd:southBoundLatitude><gco:Decimal>{s}</gco:Decimal></gmd:southBoundLatitude><gmd:northBoundLatitude>"
        f"<gco:Decimal>{n}</gco:Decimal></gmd:northBoundLatitude></gmd:EX_GeographicBoundingBox>"
        "</gmd:geographicElement><gmd:temporalElement><gmd:EX_TemporalExtent><gmd:extent>"
        f"<gml:TimePeriod gml:id=\"tp-{i}\"><gml:beginPosition>{f['year']}-01-01</gml:beginPosition>"
        f"<gml:endPosition>{f['year']}-12-31</gml:endPosition></gml:TimePeriod></gmd:extent></gmd:EX_TemporalExtent>"
        "</gmd:temporalElement></gmd:EX_Extent></gmd:extent></gmd:MD_DataIdentification></gmd:identificationInfo>"
        f"<gmd:distributionInfo><gmd:MD_Distribution>{formats}<gmd:transferOptions><gmd:MD_DigitalTransferOptions>"
        f"{online}</gmd:MD_DigitalTransferOptions></gmd:transferOptions></gmd:MD_Distribution></gmd:distributionInfo>"
        "</gmd:MD_Metadata>")


def oai_dc_record(i: int) -> str:
    f = facts(i)
    dc = [("title", f["title"]), ("creator", f["org_title"])] + [("subject", k) for k in f["keywords"]]
    dc += [("description", f["description"]), ("publisher", "Pemerintah Kota Blitar"),
           ("contributor", f["contact"]), ("date", f["created"].date().isoformat()), ("type", "Dataset")]
    dc += [("format", d["media"]) for d in f["distributions"]]
    dc += [("identifier", f"{BASE}/dataset/{f['name']}"), ("language", "ind"),
           ("coverage", f"Kota Blitar, {f['year']}"), ("rights", f["licence"][1])]
    body = "".join(f"<dc:{k}>{escape(v)}</dc:{k}>" for k, v in dc)
    return (f"<record><header><identifier>oai:satudata.example.go.id:{f['name']}</identifier>"
            f"<datestamp>{_iso(f['modified'])}Z</datestamp><setSpec>{f['org_name']}</setSpec></header><metadata>"
            "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
            "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
            "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ "
            f"http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">{body}</oai_dc:dc></metadata></record>")


# -- spreadsheet ---------------------------------------------------------------------------------------

SHEET_HEADER = ["Kode", "Judul", "Deskripsi", "Produsen Data", "Kategori", "Tahun", "Satuan", "Frekuensi",
                "Tag", "Lisensi", "Format", "URL Unduh", "Tanggal Pembaruan", "Kontak", "Email", "Wilayah"]


def sheet_row(i: int) -> list[Any]:
    f = facts(i)
    d = f["distributions"][0]
    return [f"DS-{i:06d}", f["title"], f["description"], f["org_title"], f["themes"][0], f["year"], "orang",
            f["frequency"], ", ".join(f["keywords"]), f["licence"][1], d["format"], d["url"],
            f["modified"].date().isoformat(), f["contact"], f["email"], "3572"]


# -- files and paged responses ---------------------------------------------------------------------------

def ensure_files(out: Path, n: int) -> dict[str, Path]:
    """Write (once) the single-file fixtures of size ``n`` into ``out``; return them by name."""
    files = {"dcat": out / f"catalog-{n}.ttl", "datajson": out / f"gather-data-{n}.json",
             "csv": out / f"gather-inventory-{n}.csv", "xlsx": out / f"gather-inventory-{n}.xlsx"}
    out.mkdir(parents=True, exist_ok=True)
    writers: dict[str, Callable[[Path], None]] = {
        "dcat": lambda p: generate(p, n), "datajson": lambda p: _write_datajson(p, n),
        "csv": lambda p: _write_csv(p, n), "xlsx": lambda p: _write_xlsx(p, n)}
    for name, path in files.items():
        if not path.is_file() or path.stat().st_size == 0:
            tmp = path.with_suffix(path.suffix + ".part")
            writers[name](tmp)
            tmp.replace(path)
    return files


def _write_datajson(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld", '
                  '"@id": "' + BASE + '/data.json", "@type": "dcat:Catalog", '
                  '"conformsTo": "https://project-open-data.cio.gov/v1.1/schema", '
                  '"describedBy": "https://project-open-data.cio.gov/v1.1/schema/catalog.json", "dataset": [\n')
        for i in range(n):
            out.write((",\n" if i else "") + json.dumps(datajson_dataset(i), ensure_ascii=False, indent=1))
        out.write("\n]}\n")


def _write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(SHEET_HEADER)
        for i in range(n):
            writer.writerow(sheet_row(i))


def _write_xlsx(path: Path, n: int) -> None:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Daftar Data")
    sheet.append(SHEET_HEADER)
    for i in range(n):
        sheet.append(sheet_row(i))
    book.save(str(path))


def _arg(query: dict[str, list[str]], name: str, default: Optional[str] = None) -> Optional[str]:
    for key, values in query.items():
        if key.lower() == name.lower():
            return values[0]
    return default


def ckan_search(query: dict[str, list[str]], n: int) -> tuple[int, bytes]:
    """package_search: honours start/rows (max 1000), the sort our source sends and a modified fq."""
    sort = _arg(query, "sort", "score desc, metadata_modified desc")
    if sort.replace(" ", "") != "metadata_modified asc,id asc".replace(" ", ""):
        return 409, json.dumps({"success": False, "error": {"message": f"bench serves only the source's sort, "
                                                                        f"not {sort!r}"}}).encode()
    first = 0
    fq = _arg(query, "fq") or ""
    if "metadata_modified:[" in fq:  # incremental runs: packages modified since ... (monotonic in i)
        since = datetime.fromisoformat(fq.split("metadata_modified:[")[1].split(" TO")[0].replace("Z", "+00:00"))
        seconds = (since - EPOCH - timedelta(days=365)).total_seconds()
        first = max(0, min(n, int(-(-seconds // 180))))  # first i with modified(i) >= since (3 min apart)
    start, rows = int(_arg(query, "start", "0")), min(1000, int(_arg(query, "rows", "10")))
    ids = range(first + start, min(n, first + start + rows))
    result = {"count": n - first, "facets": {}, "search_facets": {}, "sort": sort,
              "results": [ckan_package(i) for i in ids]}
    return 200, json.dumps({"help": "http://127.0.0.1/api/3/action/help_show?name=package_search",
                            "success": True, "result": result}, ensure_ascii=False).encode("utf-8")


def csw_page(query: dict[str, list[str]], n: int) -> bytes:
    start = int(_arg(query, "startPosition", "1"))
    size = int(_arg(query, "maxRecords", "10"))
    last = min(n, start - 1 + size)
    following = last + 1 if last < n else 0
    records = "".join(iso_record(i) for i in range(start - 1, last))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><csw:GetRecordsResponse "
            "xmlns:csw=\"http://www.opengis.net/cat/csw/2.0.2\" version=\"2.0.2\"><csw:SearchStatus "
            "timestamp=\"2025-01-01T00:00:00Z\"/><csw:SearchResults numberOfRecordsMatched=\"" + str(n) +
            f"\" numberOfRecordsReturned=\"{last - start + 1}\" elementSet=\"full\" nextRecord=\"{following}\">"
            f"{records}</csw:SearchResults></csw:GetRecordsResponse>").encode("utf-8")


def oai_page(query: dict[str, list[str]], n: int, size: int = 100) -> bytes:
    token = _arg(query, "resumptionToken")
    start = int(token.split(":")[1]) if token else 0
    last = min(n, start + size)
    following = (f"<resumptionToken completeListSize=\"{n}\" cursor=\"{start}\">oai_dc:{last}</resumptionToken>"
                 if last < n else f"<resumptionToken completeListSize=\"{n}\" cursor=\"{start}\"/>")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\">"
            "<responseDate>2025-01-01T00:00:00Z</responseDate><request verb=\"ListRecords\" "
            "metadataPrefix=\"oai_dc\">http://127.0.0.1/oai</request><ListRecords>"
            + "".join(oai_dc_record(i) for i in range(start, last)) + following
            + "</ListRecords></OAI-PMH>").encode("utf-8")


def sitemap(base: str, n: int) -> bytes:
    urls = "".join(f"<url><loc>{base}/schemaorg/page/{i}</loc><lastmod>{facts(i)['modified'].date()}</lastmod></url>"
                   for i in range(n))
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/"
            f"0.9\">{urls}</urlset>").encode("utf-8")


def api_page(base: str, query: dict[str, list[str]], n: int, size: int = 200) -> bytes:
    page = int(_arg(query, "page", "1"))
    start, last = (page - 1) * size, min(n, page * size)
    links = {"self": f"{base}/api/datasets?page={page}"}
    if last < n:
        links["next"] = f"/api/datasets?page={page + 1}"
    body = {"data": [api_item(i) for i in range(start, last)], "links": links, "meta": {"total": n}}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def hydra_page(base: str, page: int, n: int, size: int = 250) -> bytes:
    start, last = (page - 1) * size, min(n, page * size)
    rnd = random.Random(SEED + page)
    view = f"<{base}/dcat-hydra?page={page}> a hydra:PartialCollectionView ; hydra:first <{base}/dcat-hydra?page=1>"
    if last < n:
        view += f" ; hydra:next <{base}/dcat-hydra?page={page + 1}>"
    listed = ", ".join(f"<{BASE}/dataset/ds-{i:06d}>" for i in range(start, last))
    head = (PREFIXES + "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\n" + view + " .\n\n"
            f"<{BASE}/catalog> a dcat:Catalog, hydra:Collection ; dct:title \"Satu Data Contoh\"@id ;\n"
            f"  dct:publisher <{BASE}/organization/diskominfo> ; hydra:totalItems {n} ;\n"
            f"  dcat:dataset {listed} .\n\n")
    orgs = "".join(f"<{BASE}/organization/opd-{o:02d}> a foaf:Organization ; foaf:name \"OPD {o:02d}\" .\n"
                   for o in sorted({i % 50 for i in range(start, last)}))
    return (head + orgs + "\n" + "\n".join(_dataset(i, rnd) for i in range(start, last))).encode("utf-8")


def respond(base: str, path: str, query_string: str, n: int) -> tuple[int, str, bytes]:
    """(status, content type, body) of a paged route; 404 for anything else."""
    query = parse_qs(query_string)
    if path == "/ckan/api/3/action/package_search":
        status, body = ckan_search(query, n)
        return status, "application/json;charset=utf-8", body
    if path == "/csw":
        return 200, "application/xml", csw_page(query, n)
    if path == "/oai":
        return 200, "text/xml;charset=UTF-8", oai_page(query, n)
    if path == "/schemaorg/sitemap.xml":
        return 200, "application/xml", sitemap(base, n)
    if path.startswith("/schemaorg/page/"):
        number = int(path.rsplit("/", 1)[1])
        return 200, "text/html;charset=utf-8", schemaorg_page(number, base + path)
    if path == "/api/datasets":
        return 200, "application/vnd.api+json", api_page(base, query, n)
    if path == "/dcat-hydra":
        return 200, "text/turtle", hydra_page(base, int(_arg(query, "page", "1")), n)
    return 404, "text/plain", b"not found"
