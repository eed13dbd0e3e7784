"""Generate a large, rich DCAT-AP catalogue in Turtle for bench/bench_dcat_parse.py.

Each dataset is about as rich as ckanext-dcat's full DCAT-AP example: bilingual title and
description, identifier, issued/modified, 5 keywords, 2 themes, language, access rights,
frequency, licence, landing page, conformsTo, version, a blank-node contact point (vCard),
a blank-node temporal period, a spatial IRI plus a blank-node location with WKT geometry and
bbox, an adms:identifier blank node, a provenance statement, and 2-3 IRI distributions (title,
description, format, media type, access/download URL, licence, byte size, dates, a spdx checksum
blank node). Publishers are 50 shared foaf:Organization IRIs described once. Output is
deterministic for a given N (seeded), so runs are comparable.
"""

from __future__ import annotations

import random
from pathlib import Path

PREFIXES = """@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix locn: <http://www.w3.org/ns/locn#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix gsp: <http://www.opengis.net/ont/geosparql#> .
"""

BASE = "https://satudata.example.go.id"
EU = "http://publications.europa.eu/resource/authority"
THEMES = ["AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN"]
FORMATS = [("CSV", "text/csv"), ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           ("JSON", "application/json"), ("PDF", "application/pdf"), ("SHP", "application/zip")]
WORDS = ("jumlah penduduk kecamatan kelurahan sekolah dasar menengah puskesmas rumah sakit jalan jembatan "
         "pertanian padi jagung kedelai produksi luas panen air bersih sanitasi pendapatan asli daerah "
         "anggaran belanja pegawai kendaraan bermotor curah hujan suhu udara banjir kebakaran").split()
FREQ = ["ANNUAL", "MONTHLY", "QUARTERLY", "DAILY", "IRREG"]


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dataset(i: int, rnd: random.Random) -> str:
    words = rnd.sample(WORDS, 6)
    title = " ".join(words[:4]).capitalize() + f" tahun {2015 + i % 10}"
    desc = ("Data " + " ".join(rnd.choices(WORDS, k=40)) + f". Nomor {i}.\nSumber: dinas terkait.")
    ds = f"<{BASE}/dataset/ds-{i:06d}>"
    org = f"<{BASE}/organization/opd-{i % 50:02d}>"
    year = 2015 + i % 10
    kw = ", ".join(_lit(w) + "@id" for w in rnd.sample(WORDS, 5))
    themes = ", ".join(f"<{EU}/data-theme/{t}>" for t in rnd.sample(THEMES, 2))
    lon, lat = 106 + rnd.random() * 10, -8 + rnd.random() * 6
    lines = [
        f"{ds} a dcat:Dataset ;",
        f"  dct:title {_lit(title)}@id, {_lit('Dataset ' + title)}@en ;",
        f"  dct:description {_lit(desc)}@id, {_lit('English description of ' + title)}@en ;",
        f"  dct:identifier {_lit(f'ds-{i:06d}')} ;",
        f"  dct:issued \"{year}-01-{1 + i % 28:02d}\"^^xsd:date ;",
        f"  dct:modified \"{year + 1}-02-{1 + i % 28:02d}T10:{i % 60:02d}:00+07:00\"^^xsd:dateTime ;",
        f"  dcat:keyword {kw} ;",
        f"  dcat:theme {themes} ;",
        f"  dct:language <{EU}/language/IND> ;",
        f"  dct:accessRights <{EU}/access-right/PUBLIC> ;",
        f"  dct:accrualPeriodicity <{EU}/frequency/{FREQ[i % len(FREQ)]}> ;",
        f"  dct:license <{EU}/licence/CC_BY_4_0> ;",
        f"  dcat:landingPage <{BASE}/dataset/ds-{i:06d}/view> ;",
        f"  dct:conformsTo <{BASE}/standard/sdi-{i % 7}> ;",
        f"  owl:versionInfo \"1.{i % 5}\" ;",
        f"  dct:publisher {org} ;",
        "  dcat:contactPoint [ a vcard:Organization ; vcard:fn "
        f"{_lit('Bidang Statistik OPD ' + str(i % 50))} ; vcard:hasEmail <mailto:data{i % 50}@example.go.id> ;"
        f" vcard:hasTelephone [ vcard:hasValue <tel:+62-341-{i:06d}> ] ] ;",
        f"  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate \"{year}-01-01\"^^xsd:date ;"
        f" dcat:endDate \"{year}-12-31\"^^xsd:date ] ;",
        f"  dct:spatial <https://sig.example.go.id/wilayah/35.{i % 80:02d}> , [ a dct:Location ;"
        f" locn:geometry \"POINT({lon:.5f} {lat:.5f})\"^^gsp:wktLiteral ;"
        f" dcat:bbox \"POLYGON(({lon:.3f} {lat:.3f},{lon + .1:.3f} {lat:.3f},{lon + .1:.3f} {lat + .1:.3f},"
        f"{lon:.3f} {lat + .1:.3f},{lon:.3f} {lat:.3f}))\"^^gsp:wktLiteral ] ;",
        f"  adms:identifier [ a adms:Identifier ; skos:notation \"SDI-{i:08d}\" ;"
        f" adms:schemaAgency \"Satu Data Indonesia\" ] ;",
        f"  dct:provenance [ a dct:ProvenanceStatement ; rdfs:label {_lit('Hasil survei ' + words[4])} ] ;",
    ]
    dists = []
    for d in range(2 + i % 2):
        fmt, mt = FORMATS[(i + d) % len(FORMATS)]
        dist = f"<{BASE}/dataset/ds-{i:06d}/resource/{d}>"
        lines.append(f"  dcat:distribution {dist} ;")
        dists.append("\n".join([
            f"{dist} a dcat:Distribution ;",
            f"  dct:title {_lit(title + ' (' + fmt + ')')} ;",
            f"  dct:description {_lit('Berkas ' + fmt + ' untuk ' + title)} ;",
            f"  dct:format <{EU}/file-type/{fmt}> ;",
            f"  dcat:mediaType <http://www.iana.org/assignments/media-types/{mt}> ;",
            f"  dcat:accessURL <{BASE}/dataset/ds-{i:06d}/resource/{d}/view> ;",
            f"  dcat:downloadURL <{BASE}/files/ds-{i:06d}-{d}.{fmt.lower()}> ;",
            f"  dct:license <{EU}/licence/CC_BY_4_0> ;",
            f"  dcat:byteSize \"{1000 + i * 7 + d}\"^^xsd:nonNegativeInteger ;",
            f"  dct:issued \"{year}-01-01\"^^xsd:date ; dct:modified \"{year + 1}-03-01\"^^xsd:date ;",
            f"  spdx:checksum [ a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha1 ;"
            f" spdx:checksumValue \"{rnd.getrandbits(160):040x}\" ] .",
        ]))
    lines[-1] = lines[-1][:-1] + "."
    return "\n".join(lines) + "\n\n" + "\n\n".join(dists) + "\n"


def generate(path: Path, count: int, seed: int = 20240501) -> Path:
    """Write a catalogue of ``count`` datasets to ``path`` (directories created)."""
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        out.write(PREFIXES + "\n")
        out.write(f"<{BASE}/catalog> a dcat:Catalog ; dct:title \"Satu Data Contoh\"@id ;\n"
                  f"  dct:publisher <{BASE}/organization/diskominfo> ;\n"
                  f"  dct:language <{EU}/language/IND> ; foaf:homepage <{BASE}/> ;\n")
        out.write("  dcat:dataset " + ",\n    ".join(f"<{BASE}/dataset/ds-{i:06d}>" for i in range(count)) + " .\n\n")
        out.write(f"<{BASE}/organization/diskominfo> a foaf:Organization ; foaf:name \"Diskominfo\" .\n\n")
        for o in range(50):
            out.write(f"<{BASE}/organization/opd-{o:02d}> a foaf:Organization ; foaf:name \"OPD {o:02d}\" ;"
                      f" foaf:mbox <mailto:opd{o}@example.go.id> ; dct:type"
                      " <http://purl.org/adms/publishertype/LocalAuthority> .\n")
        out.write("\n")
        for i in range(count):
            out.write(_dataset(i, rnd))
            out.write("\n")
    return path
