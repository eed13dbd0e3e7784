#!/usr/bin/env python3
"""Build the table-derived code lists of ``mappings/codelists`` from the reference CSVs.

Usage::

    python tools/build_codelists.py [SOURCE_DIR] [--out mappings/codelists]

SOURCE_DIR defaults to ``../shared/data/codelists`` (the workplace copy documented in its SOURCES.md). This
script runs at BUILD time only; the product reads the generated files and never the source folder.

Writes: urusan.yaml, wilayah.yaml + wilayah.csv, format.yaml, lisensi.yaml, bahasa.yaml, eu_theme.yaml.
The small SDI lists (frekuensi, akses, tingkat_penyajian, ...) and topik.yaml are maintained by hand;
eu_theme.yaml reads the eu_theme suggestions of topik.yaml so both stay consistent.

Editorial choices (documented again in each generated file's ``notes``) live in the tables below. Any
inconsistency in the sources (unknown code, duplicate) stops the build with a message.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
MINTED = "https://w3id.org/satudata/def"

# ------------------------------------------------------------------- editorial tables (ours)
#: Suggested EU data theme per urusan code (only where the match is obvious).
URUSAN_EU_THEME = {
    "1.01": "EDUC", "1.02": "HEAL", "1.03": "REGI", "1.04": "REGI", "1.05": "JUST", "1.06": "SOCI",
    "2.07": "SOCI", "2.08": "SOCI", "2.09": "AGRI", "2.10": "REGI", "2.11": "ENVI", "2.12": "SOCI",
    "2.13": "SOCI", "2.14": "SOCI", "2.15": "TRAN", "2.16": "TECH", "2.17": "ECON", "2.18": "ECON",
    "2.19": "EDUC", "2.20": "GOVE", "2.21": "GOVE", "2.22": "EDUC", "2.23": "EDUC", "2.24": "GOVE",
    "3.25": "AGRI", "3.26": "ECON", "3.27": "AGRI", "3.28": "AGRI", "3.29": "ENER", "3.30": "ECON",
    "3.31": "ECON", "3.32": "REGI", "4": "GOVE", "4.01": "GOVE", "4.02": "GOVE", "5": "GOVE", "5.01": "GOVE",
    "5.02": "ECON", "5.03": "GOVE", "5.04": "GOVE", "5.05": "TECH", "5.06": "REGI", "5.07": "GOVE",
    "6": "GOVE", "6.01": "GOVE", "7": "REGI", "7.01": "REGI", "8": "GOVE", "8.01": "GOVE",
}

#: Indonesian labels of the EU data themes (our translation).
THEME_LABEL_ID = {
    "AGRI": "Pertanian, perikanan, kehutanan, dan pangan", "ECON": "Ekonomi dan keuangan",
    "EDUC": "Pendidikan, kebudayaan, dan olahraga", "ENER": "Energi", "ENVI": "Lingkungan hidup",
    "GOVE": "Pemerintahan dan sektor publik", "HEAL": "Kesehatan", "INTR": "Isu internasional",
    "JUST": "Hukum, sistem peradilan, dan keamanan publik", "REGI": "Wilayah dan perkotaan",
    "SOCI": "Kependudukan dan masyarakat", "TECH": "Ilmu pengetahuan dan teknologi", "TRAN": "Transportasi",
}

#: Common short names of provinces (weak lookup keys).
PROVINCE_SHORT_NAMES = {
    "Daerah Khusus Ibukota Jakarta": ["DKI Jakarta", "Jakarta"], "Daerah Istimewa Yogyakarta": ["DI Yogyakarta", "DIY", "Yogyakarta"],
    "Jawa Timur": ["Jatim"], "Jawa Tengah": ["Jateng"], "Jawa Barat": ["Jabar"], "Sumatera Utara": ["Sumut"],
    "Sumatera Barat": ["Sumbar"], "Sumatera Selatan": ["Sumsel"], "Nusa Tenggara Barat": ["NTB"],
    "Nusa Tenggara Timur": ["NTT"], "Kalimantan Barat": ["Kalbar"], "Kalimantan Tengah": ["Kalteng"],
    "Kalimantan Selatan": ["Kalsel"], "Kalimantan Timur": ["Kaltim"], "Kalimantan Utara": ["Kaltara"],
    "Sulawesi Utara": ["Sulut"], "Sulawesi Tengah": ["Sulteng"], "Sulawesi Selatan": ["Sulsel"],
    "Sulawesi Tenggara": ["Sultra"], "Sulawesi Barat": ["Sulbar"], "Kepulauan Bangka Belitung": ["Babel", "Bangka Belitung"],
    "Kepulauan Riau": ["Kepri"], "Maluku Utara": ["Malut"],
}

#: Curated (strong) format aliases: extensions, media types and spellings seen on Indonesian portals.
FORMAT_ALIASES = {
    "CSV": ["csv file", "file csv", ".csv", "text/csv", "comma separated values", "text/comma-separated-values"],
    "TSV": [".tsv", "tab separated values"],
    "XLSX": ["excel", "ms excel", "microsoft excel", "file excel", ".xlsx", "excel 2007", "excel xlsx",
             "application/excel"],
    "XLS": [".xls", "excel 97-2003", "excel xls", "application/x-excel", "application/x-msexcel"],
    "ODS": [".ods"],
    "JSON": ["json", ".json", "application/json", "json file", "text/json", "api json"],
    "GEOJSON": [".geojson", "geo json", "application/vnd.geo+json"],
    "JSON_LD": ["jsonld", ".jsonld", "application/ld+json"],
    "XML": ["xml", ".xml", "text/xml", "application/xml"],
    "PDF": [".pdf", "pdf file", "file pdf", "dokumen pdf", "application/x-pdf"],
    "DOCX": ["word", "ms word", "microsoft word", ".docx"],
    "DOC": [".doc"],
    "PPTX": ["powerpoint", "ms powerpoint", ".pptx"],
    "TXT": ["text", "plain text", "text/plain", ".txt"],
    "HTML": ["html", ".html", "htm", ".htm", "text/html", "web page", "halaman web", "website"],
    "PNG": [".png"],
    "JPEG": ["jpg", ".jpg", ".jpeg", "image/jpeg", "image/jpg"],
    "TIFF": ["tif", ".tif", "tiff", ".tiff", "image/tiff"],
    "GEOTIFF": ["geo tiff"],
    "ZIP": [".zip", "application/zip", "application/x-zip-compressed", "zip archive"],
    "RAR": [".rar"],
    "7Z": [".7z", "7zip", "7-zip"],
    "GZIP": ["gz", ".gz", "application/gzip", "application/x-gzip"],
    "SHP": ["shapefile", "esri shapefile", "shape file", ".shp", "shp zip", "zipped shapefile"],
    "KML": [".kml"], "KMZ": [".kmz"],
    "GPKG": ["geopackage", ".gpkg"],
    "GML": [".gml"],
    "WMS_SRVC": ["wms", "ogc wms", "web map service", "application/vnd.ogc.wms_xml"],
    "WFS_SRVC": ["wfs", "ogc wfs", "web feature service"],
    "WCS_SRVC": ["wcs", "ogc wcs", "web coverage service"],
    "WMTS_SRVC": ["wmts", "ogc wmts", "web map tile service"],
    "REST": ["arcgis rest", "esri rest", "arcgis rest api", "arcgis featureserver", "featureserver"],
    "MAP_SRVC": ["arcgis map service", "esri map service", "mapserver", "arcgis mapserver"],
    "RDF_TURTLE": ["turtle", "ttl", ".ttl", "text/turtle"],
    "RDF_XML": ["rdf/xml", ".rdf", "application/rdf+xml"],
    "RDF_N_TRIPLES": ["n-triples", "ntriples", ".nt", "application/n-triples"],
    "NETCDF": ["netcdf", ".nc"],
    "PARQUET": [".parquet", "apache parquet"],
    "SQL": [".sql", "sql dump"],
    "DBF": [".dbf"],
    "MDB": ["ms access", "microsoft access", ".mdb"],
    "SPARQLQ": ["sparql", "sparql endpoint"],
}

#: Structured data a program can process (rule SDI-V10; mirrored in validate/shapes/sdi-shapes.ttl).
MACHINE_READABLE_FORMATS = {
    "CSV", "TSV", "JSON", "JSON_LD", "GEOJSON", "XML", "XLSX", "XLS", "ODS", "RDF", "RDF_XML", "RDF_TURTLE",
    "RDF_N_TRIPLES", "RDF_N_QUADS", "RDF_TRIG", "N3", "GML", "KML", "KMZ", "SHP", "GPKG", "GEOTIFF", "NETCDF",
    "PARQUET", "DBF", "MDB", "SQL", "XLSM", "XLSB", "SDMX", "WFS_SRVC", "WCS_SRVC", "REST", "SPARQLQ",
}

#: Formats the EU table marks proprietary although they are ISO/OGC/W3C standards.
OPEN_FORMAT_OVERRIDES = {
    "XLSX": True, "DOCX": True, "PPTX": True, "ODT": True, "GML": True, "RDF": True, "GEOTIFF": True,
    "XHTML": True, "SQL": True, "WFS_SRVC": True, "WCS_SRVC": True, "WMTS_SRVC": True, "SPARQLQ": True,
}

ARCHIVE_FORMATS = {"ZIP", "RAR", "7Z", "TAR", "GZIP", "TAR_GZ", "TAR_XZ", "BZIP2", "XZ", "LZIP", "LZMA", "LZO",
                   "Z", "ARJ", "LHA"}
SERVICE_FORMATS = {"WMS_SRVC", "WFS_SRVC", "WCS_SRVC", "WMTS_SRVC", "MAP_SRVC", "REST", "SPARQLQ"}

#: Extra (strong) licence aliases; CC codes also get SPDX ids and URLs generated by cc_aliases().
LICENCE_ALIASES = {
    "CC_BY_4_0": ["cc-by-4.0", "CC BY 4.0", "Creative Commons Attribution 4.0",
                  "Creative Commons Attribution 4.0 International", "Creative Commons Atribusi 4.0",
                  "Creative Commons Atribusi 4.0 Internasional", "CC BY 4.0 Internasional",
                  "http://creativecommons.org/licenses/by/4.0"],
    "CC_BYSA_4_0": ["CC BY-SA 4.0", "Creative Commons Attribution-ShareAlike 4.0",
                    "Creative Commons Attribution-ShareAlike 4.0 International"],
    "CC0": ["CC0-1.0", "CC0 1.0", "CC Zero", "Creative Commons Zero", "Public Domain Dedication",
            "https://creativecommons.org/publicdomain/zero/1.0/", "https://creativecommons.org/publicdomain/zero/1.0/legalcode"],
    "ODC_BL": ["ODbL", "ODbL-1.0", "Open Database License", "Open Data Commons Open Database License",
               "https://opendatacommons.org/licenses/odbl/", "https://opendatacommons.org/licenses/odbl/1-0/"],
    "ODC_BY": ["ODC-By-1.0", "ODC-BY", "https://opendatacommons.org/licenses/by/",
               "https://opendatacommons.org/licenses/by/1-0/"],
    "ODC_PDDL": ["PDDL", "PDDL-1.0", "https://opendatacommons.org/licenses/pddl/",
                 "https://opendatacommons.org/licenses/pddl/1-0/"],
    "CC_PDM_1_0": ["Public Domain Mark", "https://creativecommons.org/publicdomain/mark/1.0/"],
    "OGL_3_0": ["OGL-UK-3.0"],
    "notspecified": ["tidak ditentukan", "not specified", "license not specified", "tanpa lisensi"],
    "other-closed": ["tidak terbuka", "not open"],
}

#: Open Definition conformance of licences (only where known).
OPEN_LICENCE = {code: True for code in (
    "CC0", "CC_PDM_1_0", "ODC_BL", "ODC_BY", "ODC_PDDL", "OGL_1_0", "OGL_2_0", "OGL_3_0", "DLDE_BY_1_0",
    "DLDE_BY_2_0", "DLDE_ZERO_2_0", "ETALAB_2_0", "NLOD_1_0", "NLOD_2_0", "IODL_2_0", "GNU_FDL_1_3",
    "GNU_FDL_1_2", "GNU_FDL_1_1", "GNU_FDL_1_3_OR_LATER",
    *(f"CC_BY_{v}" for v in ("1_0", "2_0", "2_5", "3_0", "3_0_AT", "3_0_NL", "4_0")),
    *(f"CC_BYSA_{v}" for v in ("1_0", "2_0", "2_5", "3_0", "3_0_NL", "4_0")),
    "other-open", "other-pd", "other-at")}
OPEN_LICENCE.update({code: False for code in (
    "CC_BYNC", "CC_BYNCND", "CC_BYNCSA", "CC_BYND", "OGL_NC", "OGL_NC_2_0", "DLDE_BYNC_1_0", "other-nc",
    "other-closed", *(f"CC_BY{k}_{v}" for k in ("NC", "ND", "NCSA", "NCND") for v in ("1_0", "2_0", "2_5", "3_0", "4_0")))})

#: ISO 639-2/B codes that differ from the T codes (the EU table uses T codes).
ISO639_2B = {"SQI": "alb", "HYE": "arm", "EUS": "baq", "MYA": "bur", "ZHO": "chi", "CES": "cze", "NLD": "dut",
             "FRA": "fre", "KAT": "geo", "DEU": "ger", "ELL": "gre", "ISL": "ice", "MKD": "mac", "MRI": "mao",
             "MSA": "may", "FAS": "per", "RON": "rum", "SLK": "slo", "BOD": "tib", "CYM": "wel"}

LANGUAGE_ALIASES = {
    "id": ["in", "id-ID", "in-ID", "Bahasa Indonesia", "Bahasa", "Indonesian language"],
    "en": ["en-US", "en-GB", "en-AU", "Bahasa Inggris", "English language"],
    "jv": ["Bahasa Jawa"], "su": ["Bahasa Sunda"], "ms": ["Bahasa Melayu"],
    "he": ["iw"], "yi": ["ji"],
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def header(name: str, title: str, origin: str, notes: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": name, "title": title, "origin": origin, "notes": notes}
    doc.update({k: v for k, v in extra.items() if v is not None})
    return doc


class _Dumper(yaml.SafeDumper):
    """Block-style mappings (one attribute per line), flow-style lists of scalars (aliases on one line)."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(v, (list, dict)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)


def write_yaml(path: Path, doc: dict[str, Any], comment: str) -> None:
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)
    path.write_text(f"# {comment}\n# GENERATED by tools/build_codelists.py - edit the script, not this file.\n{text}",
                    encoding="utf-8")
    print(f"wrote {_shown(path)}")


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.resolve().is_relative_to(REPO) else str(path)


def clean(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v not in (None, "", [], ())}


# ------------------------------------------------------------------------------------ urusan
_SMALL = {"dan", "serta", "yang", "dengan", "atau", "di", "ke", "dari", "untuk"}
_ACRONYMS = {"DPRD"}


def title_id(text: str) -> str:
    """'KOPERASI, USAHA KECIL, DAN MENENGAH' -> 'Koperasi, Usaha Kecil, dan Menengah'."""
    words = []
    for i, word in enumerate(text.split()):
        bare = word.strip(",/")
        if bare in _ACRONYMS:
            words.append(word)
        elif i and bare.lower() in _SMALL:
            words.append(word.lower())
        else:
            words.append(word.capitalize())
    return " ".join(words)


def build_urusan(src: Path) -> tuple[dict[str, Any], dict[str, list[str]]]:
    rows = read_csv(src / "urusan_pemerintahan.csv")
    codes: dict[str, dict[str, Any]] = {}
    for row in rows:
        code = row["kode"]
        if code in codes:  # 7.01 KECAMATAN ADMINISTRASI: same code, alternative nomenclature
            codes[code]["aliases"].append(title_id(row["nama_singkat"]))
            codes[code]["catatan"] = "; ".join(filter(None, [codes[code].get("catatan"), row["catatan"]]))
            continue
        aliases = [] if row["nama"] == row["nama_singkat"] else [row["nama"]]
        if code == "1.04":
            aliases.append("Perumahan Rakyat dan Kawasan Permukiman")
        if code == "1.05":
            aliases.append("Ketentraman dan Ketertiban Umum serta Perlindungan Masyarakat")
        codes[code] = clean({
            "code": code, "label": title_id(row["nama_singkat"]),
            "level": row["level"], "parent": row["kode_induk"], "nama_resmi": row["nama"],
            "status": row["status"], "sumber": row["sumber"], "catatan": row["catatan"],
            "eu_theme": URUSAN_EU_THEME.get(code), "aliases": aliases,
        }) | {"aliases": aliases}
    unknown = set(URUSAN_EU_THEME) - set(codes)
    if unknown:
        raise SystemExit(f"URUSAN_EU_THEME has unknown codes: {sorted(unknown)}")
    entries = [clean(c) for c in codes.values()]
    doc = header(
        "urusan", "Kode Referensi urusan pemerintahan (Permendagri 90/2019 kodefikasi)",
        "SDI spec §10.11; /work/shared/data/codelists/urusan_pemerintahan.csv (sources A-F listed in its SOURCES.md: "
        "Permendagri 90/2019 lampiran text and SIPD-derived seeders); codes are regulation content.",
        "Top level (level urusan: 1-8, plus SIPD variants 9 and X) and bidang urusan (level bidang_urusan, parent = "
        "top-level code). status: verified = two independent sources agree; variant = later/SIPD addition or "
        "placeholder. label = short bidang name in Indonesian title case; nama_resmi = SIPD/Kepmendagri form. "
        "7.01 KECAMATAN ADMINISTRASI (DKI) is an alias of 7.01. eu_theme is this project's suggested EU data theme. "
        "IRIs are minted under https://w3id.org/satudata/def/ (urusan/<code>). The 4.xx-9.xx numbering varies "
        "between nomenclature versions; reload from the current SIPD/Kepmendagri reference when it changes.",
        uri_template=f"{MINTED}/urusan/{{code}}")
    doc["codes"] = entries
    by_theme: dict[str, list[str]] = {}
    for entry in entries:
        if entry.get("eu_theme"):
            by_theme.setdefault(entry["eu_theme"], []).append(entry["code"])
    return doc, by_theme


# ----------------------------------------------------------------------------------- wilayah
def name_variants(name: str, level: str) -> list[str]:
    """Weak lookup names: prefix-free and abbreviated forms of a region name."""
    out: list[str] = []
    prefixes = {"kabupaten": ("Kabupaten ", ["Kab "]), "kota": ("Kota ", []),
                "kecamatan": ("", ["Kecamatan ", "Kec "]), "kelurahan": ("", ["Kelurahan ", "Kel "]),
                "desa": ("", ["Desa "]), "provinsi": ("", ["Provinsi ", "Prov "])}
    strip, add = prefixes[level]
    bare = name[len(strip):] if strip and name.startswith(strip) else name
    if bare != name:
        out.append(bare)
    out += [p + bare for p in add]
    out += PROVINCE_SHORT_NAMES.get(name, []) if level == "provinsi" else []
    return out


def build_wilayah(src: Path, out_dir: Path) -> dict[str, Any]:
    rows = read_csv(src / "wilayah_kabkota.csv") + read_csv(src / "wilayah_jatim_kecamatan_kelurahan.csv")
    missing = set(PROVINCE_SHORT_NAMES) - {r["nama"] for r in rows if r["level"] == "provinsi"}
    if missing:
        raise SystemExit(f"PROVINCE_SHORT_NAMES has unknown provinces: {sorted(missing)}")
    with (out_dir / "wilayah.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "label", "level", "parent", "bps", "nama_lain"])
        for row in rows:
            writer.writerow([row["kode_kemendagri"], row["nama"], row["level"], row["kode_induk"], row["kode_bps"],
                             ";".join(name_variants(row["nama"], row["level"]))])
    print(f"wrote {_shown(out_dir / 'wilayah.csv')} ({len(rows)} rows)")
    return header(
        "wilayah", "Kode Referensi wilayah administrasi (Kemendagri, with BPS codes)",
        "SDI spec §10.12; /work/shared/data/codelists/wilayah_kabkota.csv (all 38 provinces and 514 kabupaten/kota) "
        "and wilayah_jatim_kecamatan_kelurahan.csv (all 666 kecamatan, 773 kelurahan and 7,721 desa of Jawa Timur): "
        "Kepmendagri 300.2.2-2138/2025 (+2430/2025) via cahyadsn/wilayah; BPS codes from the BPS-Kemendagri bridge "
        "(see that folder's SOURCES.md for commits and caveats).",
        "Rows are in wilayah.csv (columns code,label,level,parent,bps,nama_lain). code = Kemendagri code with dots "
        "('35.72'); bps = BPS code without dots ('3572'; differs from the Kemendagri number for 199 kab/kota and "
        "the 6 Papua provinces; kecamatan/village BPS codes are numbered differently; empty for 2 new Jatim villages); level = provinsi / kabupaten / kota / kecamatan / "
        "kelurahan / desa; parent = Kemendagri code of the parent. Lookup order for a digits-only value: exact "
        "Kemendagri code (2-digit provinces), then BPS code, then the Kemendagri code without dots - so '6404' is "
        "Kutai Timur (BPS 6404 = Kemendagri 64.08), as SIPD kodepemda writes it. A float-damaged code such as "
        "'35.1' matches nothing (rule SDI-V17). nama_lain holds weak lookup names (without 'Kabupaten', 'Kab X', "
        "'Kec X', province short forms); an ambiguous name matches nothing. BPS village codes come from an older "
        "bridge period: re-verify before relying on them. IRIs are minted under https://w3id.org/satudata/def/.",
        uri_template=f"{MINTED}/wilayah/{{code}}", key_attrs=["bps"], index_attrs=["nama_lain"],
        dotless_codes=True, table="wilayah.csv")


# ------------------------------------------------------------------------------------ format
def build_format(src: Path) -> dict[str, Any]:
    rows = read_csv(src / "eu_file_type.csv")
    iana: dict[str, list[dict[str, str]]] = {}
    for row in read_csv(src / "iana_media_type.csv"):
        iana.setdefault(row["file_type_code"], []).append(row)
    known = {r["code"] for r in rows}
    for table in (FORMAT_ALIASES, MACHINE_READABLE_FORMATS, OPEN_FORMAT_OVERRIDES, ARCHIVE_FORMATS, SERVICE_FORMATS):
        if set(table) - known:
            raise SystemExit(f"format tables name unknown EU file types: {sorted(set(table) - known)}")
    entries = []
    for row in rows:
        code = row["code"]
        media = [m for m in row["iana_media_type"].split(";") if m]
        extra = iana.get(code, [])
        primary = next((r for r in extra if r["role"] == "primary"), None)
        for r in extra:
            if r["media_type"] not in media:
                media.append(r["media_type"])
        eu_np = {"true": True, "false": False}.get(row["non_proprietary"])
        open_ = OPEN_FORMAT_OVERRIDES.get(code, eu_np)
        entries.append(clean({
            "code": code, "label": row["label_en"] or code, "uri": row["uri"],
            "alt_label": row["alt_label_en"],
            "media_type": primary["media_type"] if primary else (media[0] if media else None),
            "media_types": media,
            "iana_uri": primary["iana_uri"] if primary else None,
            "extensions": [e.strip().lstrip(".") for e in re.split(r"[;\s]+", row["file_extensions"]) if e.strip()],
            "open": open_, "eu_non_proprietary": eu_np,
            "machine_readable": code in MACHINE_READABLE_FORMATS,
            "archive": True if code in ARCHIVE_FORMATS else None,
            "service": True if code in SERVICE_FORMATS else None,
            "deprecated": True if row["deprecated"] == "true" else None,
            "common": True if row["common_for_harvester"] == "yes" else None,
            "aliases": FORMAT_ALIASES.get(code, []),
        }))
    return header(
        "format", "Format berkas (EU file type) with IANA media types",
        "EU file-type authority table http://publications.europa.eu/resource/authority/file-type "
        "(/work/shared/data/codelists/eu_file_type.csv, NAL 20221214-0 + 16 codes of 20240925-0) and "
        "iana_media_type.csv (IANA registry copy 2024-08-02); aliases are this project's.",
        "code = EU file-type code, label = EU English label. media_type = primary IANA media type (empty when "
        "the EU table has none; SHP, NETCDF, TAR, 7Z, MDB, DBF types are not IANA-registered - leave "
        "dcat:mediaType empty for them unless iana_uri is set). open = non-proprietary: the EU flag "
        "(eu_non_proprietary) except for ISO/OGC/W3C standard formats the EU table marks proprietary (XLSX, DOCX, "
        "PPTX, ODT, GML, RDF, GEOTIFF, XHTML, SQL and the OGC services), which are open here. machine_readable = "
        "structured data a program can process (rule SDI-V10; equals the list in validate/shapes/sdi-shapes.ttl). "
        "archive = container whose content is unknown; service = an API endpoint. 'Excel' means XLSX, 'Word' "
        "DOCX. Extensions and media types shared by several codes (.json, .tiff, text/xml, image/tiff) are "
        "weak keys; the curated aliases decide (json -> JSON, tiff -> TIFF, text/xml -> XML).",
        index_attrs=["alt_label", "extensions", "media_types"]) | {"codes": entries}


# ----------------------------------------------------------------------------------- lisensi
def cc_aliases(code: str) -> list[str]:
    """SPDX id and creativecommons.org URLs of a versioned EU Creative Commons code."""
    match = re.fullmatch(r"CC_BY(SA|NC|ND|NCSA|NCND)?_(\d)_(\d)", code)
    if not match:
        return []
    part = {"SA": "by-sa", "NC": "by-nc", "ND": "by-nd", "NCSA": "by-nc-sa", "NCND": "by-nc-nd"}.get(
        match.group(1) or "", "by")
    version = f"{match.group(2)}.{match.group(3)}"
    base = f"creativecommons.org/licenses/{part}/{version}"
    return [f"CC-{part.upper()}-{version}", f"https://{base}/", f"https://{base}/legalcode",
            f"https://{base}/deed.id", f"https://{base}/deed.en"]


def build_lisensi(src: Path) -> dict[str, Any]:
    eu = read_csv(src / "eu_licence.csv")
    ckan = read_csv(src / "ckan_licence_to_eu.csv")
    ckan_by_eu = {r["eu_code"]: r for r in ckan if r["eu_code"]}
    known = {r["code"] for r in eu}
    if (set(LICENCE_ALIASES) | set(OPEN_LICENCE) | set(ckan_by_eu)) - known - {r["ckan_license_id"] for r in ckan}:
        raise SystemExit("licence tables name unknown EU licence codes")
    entries = []
    for row in eu:
        code = row["code"]
        ck = ckan_by_eu.get(code)
        aliases = cc_aliases(code) + LICENCE_ALIASES.get(code, [])
        if ck:
            aliases = [ck["ckan_license_id"], ck["ckan_title"]] + aliases
        entries.append(clean({
            "code": code, "label": row["label_en"], "uri": row["uri"],
            "deprecated": True if row["deprecated"] == "true" else None,
            "exact_match": row["exact_match"], "open": OPEN_LICENCE.get(code),
            "ckan_id": ck["ckan_license_id"] if ck else None,
            "ckan_match": ck["match_type"] if ck else None,
            "aliases": list(dict.fromkeys(aliases)),
        }))
    for row in ckan:
        if row["eu_code"]:
            continue
        code = row["ckan_license_id"]
        entries.append(clean({
            "code": code, "label": row["ckan_title"], "ckan_id": code, "ckan_match": row["match_type"],
            "open": OPEN_LICENCE.get(code), "note": row["note"],
            "is_licence": False if code == "notspecified" else None,
            "aliases": LICENCE_ALIASES.get(code, []),
        }))
    return header(
        "lisensi", "Lisensi (EU licence table + CKAN licence ids)",
        "EU licence authority table http://publications.europa.eu/resource/authority/licence "
        "(/work/shared/data/codelists/eu_licence.csv, NAL 20241211-0) and the CKAN default licence register "
        "(ckan_licence_to_eu.csv; the CKAN→EU mapping is an editorial judgement, see its match_type).",
        "code = EU licence code, label = EU English label, uri = EU IRI. CKAN ids are aliases of the EU code they "
        "map to (cc-by → CC_BY_4_0: CKAN ids are version-less and the version-less EU codes are deprecated). CKAN "
        "ids without an EU equivalent (notspecified, other-open, other-pd, other-at, other-nc, other-closed) are "
        "their own codes without IRI; notspecified has is_licence: false (rule SDI-V15 treats it as no licence). "
        "open = conforms to the Open Definition (no NC/ND restriction), given where known. Aliases add SPDX ids and "
        "creativecommons.org URLs for every versioned CC code.",
        index_attrs=["exact_match"]) | {"codes": entries}


# ------------------------------------------------------------------------------------ bahasa
def build_bahasa(src: Path) -> dict[str, Any]:
    entries = []
    for row in read_csv(src / "eu_language.csv"):
        eu_code = row["code"]
        code = row["iso639_1"] or eu_code.lower()
        verified = row["in_eu_nal_copy"] == "yes"
        aliases = [eu_code] + ([ISO639_2B[eu_code]] if eu_code in ISO639_2B else []) + LANGUAGE_ALIASES.get(code, [])
        entries.append(clean({
            "code": code, "label": row["label_en"], "uri": row["uri"] if verified else None,
            "label_id": row["label_id"], "eu": eu_code, "iso639_1": row["iso639_1"],
            "iso639_2b": ISO639_2B.get(eu_code),
            "eu_uri_unverified": None if verified else row["uri"],
            "aliases": aliases,
        }))
    return header(
        "bahasa", "Bahasa (ISO 639-1 ↔ EU language table)",
        "EU language authority table http://publications.europa.eu/resource/authority/language (eForms subset, "
        "NAL 20260617-0, /work/shared/data/codelists/eu_language.csv); ISO 639-1 from pycountry; Indonesian names "
        "(label_id) from CLDR 47; ISO 639-2/B codes are public ISO 639-2 facts.",
        "code = ISO 639-1 code as held by Dataset.language ('id', 'en'), or the lower-case EU code when the "
        "language has none; uri = EU IRI. Aliases: EU 3-letter code (= ISO 639-2/T, 'IND', 'DEU'), ISO 639-2/B "
        "('ger', 'dut', 'may'), the legacy code 'in' for Indonesian and locale forms ('id-ID'). JAV and SUN are not "
        "in any available copy of the EU table: their uri is empty and the pattern IRI is kept in "
        "eu_uri_unverified (use .../language/MUL or omit until verified).") | {"codes": entries}


# ---------------------------------------------------------------------------------- eu_theme
def build_eu_theme(src: Path, by_urusan: dict[str, list[str]], out_dir: Path) -> dict[str, Any]:
    topik = yaml.safe_load((out_dir / "topik.yaml").read_text(encoding="utf-8"))
    by_topik: dict[str, list[str]] = {}
    for entry in topik["codes"]:
        if entry.get("eu_theme"):
            by_topik.setdefault(entry["eu_theme"], []).append(entry["code"])
    rows = read_csv(src / "eu_data_theme.csv")
    unknown = (set(by_urusan) | set(by_topik) | set(THEME_LABEL_ID)) - {r["code"] for r in rows}
    if unknown:
        raise SystemExit(f"unknown EU data themes: {sorted(unknown)}")
    entries = [clean({"code": r["code"], "label": r["label_en"], "uri": r["uri"],
                      "label_id": THEME_LABEL_ID.get(r["code"]), "urusan": by_urusan.get(r["code"], []),
                      "topik": by_topik.get(r["code"], [])}) for r in rows]
    return header(
        "eu_theme", "EU data themes (DCAT-AP dcat:theme)",
        "EU data-theme authority table http://publications.europa.eu/resource/authority/data-theme "
        "(/work/shared/data/codelists/eu_data_theme.csv, NAL 20220715-0).",
        "label = EU English label; label_id is this project's Indonesian translation. urusan / topik list the "
        "urusan and topik codes whose suggested EU theme this is (the same suggestion is the eu_theme attribute of "
        "those codes; generated from urusan's table and topik.yaml).") | {"codes": entries}


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(REPO.parent / "shared" / "data" / "codelists"))
    parser.add_argument("--out", default=str(REPO / "mappings" / "codelists"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    src, out = Path(args.source), Path(args.out)
    urusan, by_theme = build_urusan(src)
    write_yaml(out / "urusan.yaml", urusan, "Urusan pemerintahan (Permendagri 90/2019).")
    write_yaml(out / "wilayah.yaml", build_wilayah(src, out), "Wilayah administrasi; rows in wilayah.csv.")
    write_yaml(out / "format.yaml", build_format(src), "File formats (EU file type + IANA media types).")
    write_yaml(out / "lisensi.yaml", build_lisensi(src), "Licences (EU licence table + CKAN ids).")
    write_yaml(out / "bahasa.yaml", build_bahasa(src), "Languages (ISO 639-1 + EU language table).")
    write_yaml(out / "eu_theme.yaml", build_eu_theme(src, by_theme, out), "EU data themes.")


if __name__ == "__main__":
    main()
