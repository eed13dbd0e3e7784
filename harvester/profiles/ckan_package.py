"""CKAN output profile (``ckan``): canonical ``Dataset`` → a ``package_create`` / ``package_update`` dict.

Two flavours (spec §11.2):

* ``plain`` — a stock CKAN: core keys (name, title, notes, url, version, license_id, tags, owner_org,
  private, resources) and everything else in ``extras``: DCAT values under the ckanext-dcat legacy
  extra names (issued, modified, identifier, frequency, access_rights, temporal_start/end,
  spatial_uri/text, spatial (GeoJSON), publisher_*, creator_*, contact_*, language, theme ...) and
  the SDI fields as ``sdi_*`` keys; list values are JSON text.
* ``scheming`` — a CKAN with ckanext-scheming + ckanext-dcat and this project's
  ``config/ckan/sdi_dataset.yaml``: the ckanext-dcat DCAT-AP field names (contact, publisher,
  creator, temporal_coverage, spatial_coverage ...) and the ``sdi_*`` fields as first-class keys;
  SDI lists are comma-separated. Only keys of that schema (plus ``private`` and ``extras``) appear,
  because CKAN rejects unexpected top-level keys; values the schema has no field for go to extras.

Rules shared by both: empty values are left out (a required SDI field that the record lacks is
absent, so CKAN's validation names it); no key is ``""``; extras never use a core or schema key;
extras values are strings; tags follow CKAN's rules (letters, digits, space, ``-_.``, 2-100
characters: other characters become spaces, commas split a keyword, over-long tags are cut at a
word boundary, tags still too short are dropped); resources carry no ids (the target matches them).
The same dataset always gives the same dict. ``render_with_notes`` also returns what was changed
or dropped, for the target's log.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any, Literal, Optional

from harvester.model.dataset import Agent, Dataset, Distribution
from harvester.profiles.base import Codes, compact
from harvester.profiles.dcat_ap_dataset import checksum_parts, publisher_type_iri
from harvester.profiles.dcat_ap_terms import date_literal, iri
from harvester.profiles.geometry import geojson_text
from harvester.profiles.namespaces import ADMS_STATUS, sds_uri

__all__ = ["CkanPackageProfile", "CORE_KEYS", "SCHEMING_FIELDS", "package_name", "sanitize_tags"]

#: Keys of CKAN's default package schema and package_show output: never used as extras keys.
CORE_KEYS = frozenset({
    "id", "name", "title", "author", "author_email", "maintainer", "maintainer_email", "license_id",
    "license_title", "license_url", "notes", "url", "version", "state", "type", "owner_org", "private",
    "tags", "tag_string", "groups", "resources", "extras", "metadata_created", "metadata_modified",
    "creator_user_id", "relationships_as_object", "relationships_as_subject", "plugin_data",
    "organization", "num_resources", "num_tags", "isopen", "save", "return_to",
})

#: Dataset fields of config/ckan/sdi_dataset.yaml (the national-portal schema; names are a contract).
SCHEMING_FIELDS = frozenset({
    "title", "name", "notes", "tag_string", "owner_org", "url", "version", "identifier", "license_id",
    "contact", "publisher", "creator", "temporal_coverage", "spatial_coverage", "issued", "modified",
    "frequency", "access_rights", "theme", "language", "conforms_to", "alternate_identifier",
    "provenance", "dcat_type", "documentation", "applicable_legislation",
    "sdi_konsep", "sdi_definisi", "sdi_klasifikasi", "sdi_ukuran", "sdi_satuan", "sdi_produsen_data",
    "sdi_walidata", "sdi_kode_pemda", "sdi_akses", "sdi_frekuensi", "sdi_jadwal_rilis",
    "sdi_tingkat_penyajian", "sdi_cakupan", "sdi_bidang_urusan", "sdi_kode_pemda_bps",
    "sdi_level_instansi", "sdi_kategori_data", "sdi_jenis_statistik", "sdi_topik", "sdi_sektor",
    "sdi_kode_indikator", "sdi_kode_sds", "sdi_cara_pengumpulan", "sdi_pembina_data",
    "sdi_walidata_pendukung", "sdi_sumber", "sdi_status", "sdi_data_prioritas", "sdi_data_induk",
    "sdi_variabel", "sdi_harvest_source", "sdi_harvest_uri",
})

_TAG_BAD = re.compile(r"[^\w \-.]", re.UNICODE)
_TAG_SPLIT = re.compile(r"[,;]")
_NAME_BAD = re.compile(r"[^a-z0-9_-]+")

Flavour = Literal["plain", "scheming"]


def sanitize_tags(keywords: tuple[str, ...] | list[str], notes: list[str]) -> list[str]:
    """CKAN-valid tags for ``keywords`` (see the module docstring), in order, without duplicates."""
    out: list[str] = []
    for keyword in keywords:
        for part in _TAG_SPLIT.split(keyword or ""):
            tag = " ".join(_TAG_BAD.sub(" ", part).split())
            if len(tag) > 100:
                cut = tag[:101].rsplit(" ", 1)[0] if " " in tag[:101] else tag[:100]
                notes.append(f"tag shortened to 100 characters: {tag[:40]!r}...")
                tag = cut.strip()
            if len(tag) < 2:
                if part.strip():
                    notes.append(f"tag dropped (not a valid CKAN tag): {part.strip()!r}")
                continue
            if tag != part.strip():
                notes.append(f"tag {part.strip()!r} written as {tag!r}")
            if tag not in out:
                out.append(tag)
    return out


def package_name(dataset: Dataset) -> str:
    """A CKAN name (2-100 of ``a-z0-9-_``) from the identifier, else the title, else a hash."""
    for source in (dataset.identifier, dataset.title):
        text = unicodedata.normalize("NFKD", source or "").encode("ascii", "ignore").decode().lower()
        slug = _NAME_BAD.sub("-", text).strip("-_")
        slug = re.sub(r"-{2,}", "-", slug)[:100].strip("-_")
        if len(slug) >= 2:
            return slug
    return "dataset-" + hashlib.sha1(dataset.identifier.encode("utf-8")).hexdigest()[:12]


def _agent(agent: Optional[Agent], agent_type: Optional[str]) -> dict[str, Any]:
    if agent is None or not agent.name:
        return {}
    email = agent.email[7:] if agent.email and agent.email.lower().startswith("mailto:") else agent.email
    return compact({"uri": agent.uri, "name": agent.name, "email": email, "url": agent.url, "type": agent_type})


class CkanPackageProfile:
    """Canonical ``Dataset`` → CKAN package dict (``plain`` or ``scheming`` flavour)."""

    name = "ckan"

    def __init__(self, codelists: Any) -> None:
        self.codes = Codes(codelists)

    def render(self, dataset: Dataset, *, flavour: Flavour = "plain", owner_org: Optional[str] = None,
               name: Optional[str] = None) -> dict:
        """The package dict. ``name`` defaults to ``package_name(dataset)``; ``owner_org`` is left
        out when None (the target decides). Raises ValueError for an unknown flavour."""
        return self.render_with_notes(dataset, flavour=flavour, owner_org=owner_org, name=name)[0]

    def render_with_notes(self, dataset: Dataset, *, flavour: Flavour = "plain",
                          owner_org: Optional[str] = None, name: Optional[str] = None) -> tuple[dict, list[str]]:
        """``render`` plus human-readable notes on values that were changed or dropped."""
        if flavour not in ("plain", "scheming"):
            raise ValueError(f"unknown CKAN flavour {flavour!r}; use 'plain' or 'scheming'")
        ds, notes = dataset, []
        codes = self.codes
        tags = sanitize_tags(ds.keywords, notes)
        version = ds.version
        if version and len(version) > 100:
            notes.append("version longer than 100 characters left out")
            version = None
        license_id = codes.attr("lisensi", ds.license, "ckan_id") if ds.license else None
        if ds.license and not license_id:
            notes.append(f"licence {ds.license!r} has no CKAN licence id; it is kept on the resources")
        private = codes.attr("akses", ds.access_rights, "ckan_private")
        pkg = compact({
            "name": name or package_name(ds),
            "title": ds.title,
            "notes": ds.description,
            "url": ds.landing_page,
            "version": version,
            "license_id": license_id,
            "owner_org": owner_org,
        })
        if isinstance(private, bool):
            pkg["private"] = private
        dcat = self._dcat_fields(ds, notes)
        sdi = self._sdi_fields(ds, flavour)
        if flavour == "plain":
            if tags:
                pkg["tags"] = [{"name": t} for t in tags]
            extras = {**self._legacy_extras(ds, dcat), **sdi}
        else:
            if tags:
                pkg["tag_string"] = ",".join(tags)
            extras = {}
            for key, value in {**dcat, **sdi}.items():
                if key in SCHEMING_FIELDS:
                    pkg[key] = value
                else:
                    extras[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in ds.extras:  # unmapped source values: ours win, core keys are never extras
            if key in CORE_KEYS or key in SCHEMING_FIELDS or key in extras or key in pkg or not key:
                notes.append(f"source extra {key!r} not copied (reserved or already mapped)")
            elif value:
                extras[key] = str(value)
        if extras:
            pkg["extras"] = [{"key": k, "value": v} for k, v in extras.items()]
        resources = [self._resource(ds, dist, notes) for dist in ds.distributions]
        pkg["resources"] = resources
        return pkg, notes

    # ------------------------------------------------------------------ DCAT fields
    def _dcat_fields(self, ds: Dataset, notes: list[str]) -> dict[str, Any]:
        """DCAT values under the ckanext-dcat scheming names, as structures (lists, dicts)."""
        codes = self.codes
        pub_type = _adms_type(ds.publisher.type if ds.publisher else None) or codes.attr(
            "level_instansi", ds.level_instansi, "adms_uri")
        themes = [str(t) for t in (iri(t) for t in ds.themes) if t is not None]  # ckanext-dcat writes IRIs
        themes += [u for u in (codes.uri("urusan", c) for c in ds.bidang_urusan) if u]
        themes += [u for u in (codes.uri("topik", c) for c in ds.topik) if u]
        conforms = [c for c in ds.conforms_to if c]
        if ds.kode_sds and sds_uri(ds.kode_sds) not in conforms:
            conforms.append(sds_uri(ds.kode_sds))
        alt_ids = [a for a in ds.alternate_identifiers if a]
        if ds.kode_indikator and ds.kode_indikator not in alt_ids:
            alt_ids.append(ds.kode_indikator)
        spatial = []
        for loc in ds.spatial:
            spatial.append(compact({
                "uri": (codes.uri("wilayah", loc.code) if loc.code else None) or loc.uri,
                "text": loc.label or (codes.label("wilayah", loc.code) if loc.code else None),
                "geom": geojson_text(loc.geometry), "bbox": geojson_text(loc.bbox),
                "centroid": geojson_text(loc.centroid),
            }))
        return compact({
            "identifier": ds.identifier,
            "issued": _date(ds.issued, "issued", notes),
            "modified": _date(ds.modified, "modified", notes),
            "frequency": codes.uri("frekuensi", ds.accrual_periodicity),
            "access_rights": codes.uri("akses", ds.access_rights),
            "provenance": ds.provenance,
            "dcat_type": ds.dcat_type or codes.uri("kategori_data", ds.kategori_data),
            "language": [u for u in (codes.uri("bahasa", c) for c in ds.language) if u],
            "theme": list(dict.fromkeys(themes)),
            "conforms_to": conforms,
            "alternate_identifier": alt_ids,
            "documentation": [d for d in ds.documentation if d],
            "applicable_legislation": [a for a in ds.applicable_legislation if a],
            "is_referenced_by": [r for r in ds.is_referenced_by if r],
            "source": [s for s in ds.source if s],
            "contact": [c for c in (compact({"uri": cp.uri, "name": cp.name, "email": cp.email,
                                              "url": cp.url}) for cp in ds.contact_points) if c],
            "publisher": [a for a in [_agent(ds.publisher, pub_type)] if a],
            "creator": [a for a in [_agent(ds.creator, _adms_type(ds.creator.type if ds.creator else None))] if a],
            "temporal_coverage": [t for t in (compact({"start": _date(p.start, "temporal start", notes),
                                                        "end": _date(p.end, "temporal end", notes)})
                                              for p in ds.temporal) if t],
            "spatial_coverage": [s for s in spatial if s],
            "spatial_resolution_in_meters": (str(ds.spatial_resolution_m)
                                             if ds.spatial_resolution_m is not None else None),
        })

    def _legacy_extras(self, ds: Dataset, dcat: dict[str, Any]) -> dict[str, str]:
        """The plain flavour's extras for DCAT values (ckanext-dcat legacy names)."""
        out: dict[str, str] = {}
        if ds.uri:
            out["uri"] = _dataset_iri(ds)
        for key in ("identifier", "issued", "modified", "frequency", "access_rights", "provenance",
                    "dcat_type", "spatial_resolution_in_meters"):
            if key in dcat:
                out[key] = dcat[key]
        for key in ("language", "theme", "conforms_to", "alternate_identifier", "documentation",
                    "applicable_legislation", "is_referenced_by", "source"):
            if key in dcat:
                out[key] = json.dumps(dcat[key], ensure_ascii=False)
        for role in ("publisher", "creator"):
            for sub, value in (dcat.get(role) or [{}])[0].items():
                out[f"{role}_{sub}"] = value
        agent = ds.publisher
        if agent is not None and agent.identifier:
            out["publisher_identifier"] = agent.identifier
        if ds.creator is not None and ds.creator.identifier and ds.creator.name:
            out["creator_identifier"] = ds.creator.identifier
        contacts = dcat.get("contact") or []
        for sub, value in (contacts[0] if contacts else {}).items():
            out[f"contact_{sub}"] = value
        periods = dcat.get("temporal_coverage") or []
        if periods:
            for sub in ("start", "end"):
                if periods[0].get(sub):
                    out[f"temporal_{sub}"] = periods[0][sub]
        places = dcat.get("spatial_coverage") or []
        if places:
            first = places[0]
            for sub in ("uri", "text"):
                if first.get(sub):
                    out[f"spatial_{sub}"] = first[sub]
            geometry = first.get("geom") or first.get("bbox") or first.get("centroid")
            if geometry and geometry.startswith("{"):
                out["spatial"] = geometry
        # What the legacy names cannot hold: every period and place.
        if len(periods) > 1:
            out["temporal_coverage"] = json.dumps(periods, ensure_ascii=False)
        if len(places) > 1:
            out["spatial_coverage"] = json.dumps(places, ensure_ascii=False)
        return out

    # ------------------------------------------------------------------ SDI fields
    def _sdi_fields(self, ds: Dataset, flavour: Flavour) -> dict[str, str]:
        """``sdi_*`` values as strings; lists are JSON (plain) or comma-separated (scheming)."""

        def many(values: tuple[str, ...] | list[str]) -> Optional[str]:
            values = [v for v in values if v]
            if not values:
                return None
            return ",".join(values) if flavour == "scheming" else json.dumps(values, ensure_ascii=False)

        def flag(value: Optional[bool]) -> Optional[str]:
            return None if value is None else ("true" if value else "false")

        contacts = [c for c in (compact({"name": cp.name, "email": cp.email, "phone": cp.phone, "url": cp.url,
                                          "uri": cp.uri}) for cp in ds.contact_points) if c]
        variabel = [compact({"nama": v.nama, "konsep": v.konsep, "definisi": v.definisi,
                              "tipe_data": v.tipe_data, "satuan": v.satuan, "kode_sds": v.kode_sds})
                    for v in ds.variabel]
        return compact({
            "sdi_konsep": ds.konsep,
            "sdi_definisi": ds.definisi,
            "sdi_klasifikasi": ds.klasifikasi,
            "sdi_ukuran": ds.ukuran,
            "sdi_satuan": ds.satuan,
            "sdi_produsen_data": ds.creator.name if ds.creator else None,
            "sdi_walidata": ds.publisher.name if ds.publisher else None,
            "sdi_walidata_pendukung": ds.walidata_pendukung,
            "sdi_pembina_data": ds.pembina_data,
            "sdi_kode_pemda": ds.kode_pemda,
            "sdi_kode_pemda_bps": ds.kode_pemda_bps or (self.codes.attr("wilayah", ds.kode_pemda, "bps")
                                                        if ds.kode_pemda else None),
            "sdi_level_instansi": ds.level_instansi,
            # an alias the code list resolves is written as its code (the schema's select needs codes)
            "sdi_akses": self.codes.code("akses", ds.access_rights) or ds.access_rights,
            "sdi_frekuensi": self.codes.code("frekuensi", ds.accrual_periodicity) or ds.accrual_periodicity,
            "sdi_jadwal_rilis": many(ds.jadwal_rilis),
            "sdi_tingkat_penyajian": many(ds.tingkat_penyajian),
            "sdi_cakupan": many(ds.cakupan),
            "sdi_bidang_urusan": many(ds.bidang_urusan),
            "sdi_topik": many(ds.topik),
            "sdi_kategori_data": ds.kategori_data,
            "sdi_jenis_statistik": ds.jenis_statistik,
            "sdi_sektor": ds.sektor,
            "sdi_kode_indikator": ds.kode_indikator,
            "sdi_kode_sds": ds.kode_sds,
            "sdi_cara_pengumpulan": ds.cara_pengumpulan,
            "sdi_mskeg_id": ds.kegiatan_statistik,
            "sdi_rekomendasi_bps": ds.rekomendasi_bps,
            "sdi_sumber": ds.sumber_eksternal,
            "sdi_status": ds.status_data,
            "sdi_data_prioritas": flag(ds.data_prioritas),
            "sdi_data_induk": flag(ds.data_induk),
            "sdi_sdgs": many(ds.sdgs),
            "sdi_pn_rkp": many(ds.pn_rkp),
            "sdi_pp_rkp": many(ds.pp_rkp),
            "sdi_variabel": json.dumps(variabel, ensure_ascii=False) if variabel else None,
            # contact has no phone subfield and the legacy extras hold one contact: keep them all here
            "sdi_kontak": (json.dumps(contacts, ensure_ascii=False)
                           if len(contacts) > 1 or any("phone" in c for c in contacts) else None),
            "sdi_harvest_source": ds.source[0] if ds.source else None,
            "sdi_harvest_uri": _dataset_iri(ds) if ds.uri else None,
        })

    # ------------------------------------------------------------------ resources
    def _resource(self, ds: Dataset, dist: Distribution, notes: list[str]) -> dict[str, Any]:
        licence = dist.license or ds.license
        algorithm, digest = checksum_parts(dist.checksum)
        status = dist.status
        if status and not status.startswith("http"):
            status = ADMS_STATUS + status
        return compact({
            "url": dist.download_url or dist.access_url,
            "name": dist.title,
            "description": dist.description,
            "format": dist.format,
            "mimetype": dist.media_type,
            "size": dist.byte_size if dist.byte_size is not None and dist.byte_size >= 0 else None,
            "license": self.codes.uri("lisensi", licence) or licence,
            "access_url": dist.access_url,
            "download_url": dist.download_url,
            "issued": _date(dist.issued, "resource issued", notes),
            "modified": _date(dist.modified, "resource modified", notes),
            "rights": dist.rights,
            "hash": digest,
            "hash_algorithm": algorithm,
            "status": status,
            "uri": dist.uri,
        })


def _dataset_iri(ds: Dataset) -> str:
    """The dataset IRI exactly as the DCAT-AP profile writes it (unsafe characters percent-encoded)."""
    return str(iri(ds.uri) or ds.uri)


def _date(value: Optional[str], what: str, notes: list[str]) -> Optional[str]:
    """``value`` when it is an ISO 8601 date CKAN's dcat_date accepts, else None with a note."""
    if not value:
        return None
    if date_literal(value) is None:
        notes.append(f"{what} {value!r} is not an ISO 8601 date; left out")
        return None
    return value


def _adms_type(value: Optional[str]) -> Optional[str]:
    """ADMS publisher-type IRI for an ADMS code or IRI; other values (e.g. 'public_body') as given,
    as ckanext-dcat writes them."""
    return publisher_type_iri(value) or value or None
