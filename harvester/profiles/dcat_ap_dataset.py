"""Canonical ``Dataset`` → DCAT-AP 3 triples (plus the ``sdi:`` properties of spec §4).

One ``DatasetTriples`` builder per profile; ``build(dataset)`` returns a fresh list of triples for
one dataset. Every blank node is minted from the dataset IRI (deterministic output) and is used only
inside that dataset's triples, so the list can be streamed on its own (see ``rdf_writer``).

Decisions (see also the module docstring of ``dcat_ap``):

* Text language: title, description, keywords and the other free-text fields carry a language tag
  when the record declares exactly one language (``language=('id',)`` → ``@id``), else the
  profile's ``default_language`` (None: no tag). Codes and identifiers are never tagged.
* Codes become IRIs from the code lists (``Code.uri``); an unknown code is left out where RDF needs
  an IRI (``dcat:theme``, ``dct:language`` ...) and kept as a plain literal on the ``sdi:`` property
  where the SDI shapes check the value (so the shape reports it instead of it vanishing).
* ``dct:description`` is mandatory in DCAT-AP: a dataset without one gets its title as description.
* ``dcat:accessURL`` is mandatory in DCAT-AP; when a distribution has no access URL the download URL,
  then the data-service endpoint, then the dataset's landing page, then the dataset IRI is used.
* Non-IRI values of IRI-valued properties that carry meaning as text (``dct:conformsTo "Standard 1"``,
  ``dct:isReferencedBy``, ``dct:source``, ``dct:type``, licences) become blank nodes with a label.
* Dates are typed by shape (``xsd:gYear`` / ``gYearMonth`` / ``date`` / ``dateTime``); invalid ones
  are left out (the SDI validator reports them); ``sdi:jadwalRilis`` keeps a bad date as a literal.
* Agents: ``foaf:Agent`` + ``foaf:Organization`` (IRI when the agent has one); the publisher's
  ``dct:type`` is the ADMS publisher type of ``agent.type`` or else of ``level_instansi``. Roles go in
  ``prov:qualifiedAttribution`` with ``sdi:Walidata`` / ``ProdusenData`` / ``PembinaData`` /
  ``WalidataPendukung``. Contact points are ``vcard:Kind`` + ``vcard:Organization`` with ``mailto:``
  and ``tel:`` IRIs (spaces, dots and brackets dropped from numbers).
* Places: a region code becomes the code list's wilayah IRI with its name as ``skos:prefLabel``;
  bbox / geometry / centroid become WKT literals (GeoJSON converted, see ``geometry``).
* ``kode_sds`` adds ``dct:conformsTo`` the minted SDS IRI (``namespaces.sds_uri``) and
  ``sdi:kodeSds``; ``kode_indikator`` adds an ``adms:Identifier`` and ``sdi:kodeIndikator``; a missing
  ``kode_pemda_bps`` is derived from the wilayah list; ``status_data`` also gives ``adms:status``.
* ``version`` is written as ``dcat:version`` (DCAT-AP 3) and ``owl:versionInfo`` (DCAT-AP 2 readers).
* StatDCAT-AP ``s1n:`` terms are not written (see ``dcat_ap``).
"""

from __future__ import annotations

import re
from typing import Callable, Optional
from urllib.parse import quote

from rdflib.term import Literal, Node, URIRef

from harvester.model.dataset import Agent, ContactPoint, Dataset, Location, Variable
from harvester.profiles.base import Codes
from harvester.profiles.dcat_ap_distribution import DistributionTriples, checksum_parts
from harvester.profiles.dcat_ap_terms import BNodes, bool_literal, date_literal, decimal_literal, iri, literal, uri
from harvester.profiles.dcat_ap_vocab import (
    P_SDI_JADWAL, P_SDI_NAMA, P_SDI_TINGKAT, P_SDI_VARIABEL,
    A, P_ACCESS_RIGHTS, P_ADMS_ID, P_AGENT, P_BBOX, P_CENTROID, P_CONFORMS, P_CONTACT, P_CREATOR,
    P_DERIVED, P_DESC, P_EMAIL, P_END, P_FN, P_GEOMETRY, P_HAD_ROLE, P_HOMEPAGE, P_IDENT, P_IN_SERIES,
    P_ISSUED, P_KEYWORD, P_LABEL, P_LANDING, P_LANG, P_LEGISLATION, P_MBOX, P_MODIFIED, P_NAME, P_NOTATION,
    P_PAGE, P_PERIODICITY, P_PREF_LABEL, P_PROVENANCE, P_PUBLISHER, P_QUALIFIED, P_REFERENCED, P_SOURCE,
    P_SPATIAL, P_SPATIAL_RES, P_START, P_STATUS, P_TEL, P_TEMPORAL, P_THEME, P_TITLE, P_TYPE, P_URL,
    P_VERSION, P_VERSION_INFO, ROLE_PEMBINA, ROLE_PENDUKUNG, ROLE_PRODUSEN, ROLE_WALIDATA, T_AGENT,
    T_ATTRIBUTION, T_CONCEPT, T_DATASET, T_DOCUMENT, T_FREQ, T_IDENT, T_KIND, T_LEGAL, T_LING, T_LOCATION,
    T_ORG, T_PERIOD, T_PROV_STMT, T_RIGHTS, T_ROLE, T_SERIES, T_STANDARD, T_VARIABEL, T_VORG,
)
from harvester.profiles.geometry import geometry_literal
from harvester.profiles.namespaces import ADMS_PUBLISHER_TYPE, SDI, sds_uri

__all__ = ["DatasetTriples", "checksum_parts", "dataset_node", "phone_iris", "publisher_type_iri", "uri_mailto"]

Triple = tuple[Node, Node, Node]

#: Plain-literal SDI text fields (tagged with the text language).
_SDI_TEXT = (("konsep", SDI.konsep), ("definisi", SDI.definisi), ("klasifikasi", SDI.klasifikasi),
             ("ukuran", SDI.ukuran), ("satuan", SDI.satuan))
#: SDI code fields emitted as plain literals (identifiers, not vocabulary terms).
_SDI_CODES = (("kode_pemda", SDI.kodePemda), ("kode_pemda_bps", SDI.kodePemdaBps),
              ("kode_indikator", SDI.kodeIndikator), ("kode_sds", SDI.kodeSds),
              ("kegiatan_statistik", SDI.kegiatanStatistik), ("rekomendasi_bps", SDI.rekomendasiBps),
              ("access_rights", SDI.akses), ("accrual_periodicity", SDI.frekuensi))
#: SDI code fields whose value is the code list IRI: (field, property, code list).
_SDI_CONCEPTS = (("level_instansi", SDI.levelInstansi, "level_instansi"),
                 ("kategori_data", SDI.kategoriData, "kategori_data"),
                 ("jenis_statistik", SDI.jenisStatistik, "jenis_statistik"),
                 ("cara_pengumpulan", SDI.caraPengumpulan, "cara_pengumpulan"),
                 ("sektor", SDI.sektor, "sektor_kegiatan"),
                 ("status_data", SDI.statusData, "status_data"))
_CODE_LIST_OF = {"access_rights": "akses", "accrual_periodicity": "frekuensi"}
_SDI_LISTS = (("sdgs", SDI.sdgs), ("pn_rkp", SDI.pnRkp), ("pp_rkp", SDI.ppRkp))
_VARIABLE_FIELDS = (("konsep", SDI.konsep), ("definisi", SDI.definisi), ("tipe_data", SDI.tipeData),
                    ("satuan", SDI.satuan), ("kode_sds", SDI.kodeSds))

_LANG_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*\Z")
_PHONE_SPLIT = re.compile(r"\s*(?:/|,|;|\bor\b|\batau\b)\s*", re.IGNORECASE)
_PHONE_JUNK = re.compile(r"[\s().]")
_PHONE_OK = re.compile(r"\+?[0-9][0-9-]{4,20}\Z")


def dataset_node(dataset: Dataset, base_uri: str) -> URIRef:
    """The dataset's IRI: ``dataset.uri`` or ``{base_uri}dataset/{quoted identifier}``."""
    node = iri(dataset.uri)
    if node is not None:
        return node
    return uri(base_uri + "dataset/" + quote(dataset.identifier, safe=""))


class DatasetTriples(DistributionTriples):
    """Builds the triples of one dataset. Stateless between calls apart from the code-list memo."""

    def __init__(self, codes: Codes, base_uri: str, default_language: Optional[str]) -> None:
        self.codes = codes
        self.base_uri = base_uri
        self.default_language = default_language
        self._code_iris: dict[tuple[str, str], Optional[URIRef]] = {}

    # ------------------------------------------------------------------ helpers
    def code_iri(self, list_name: str, value: Optional[str]) -> Optional[URIRef]:
        """IRI of a code (memoised URIRef), or None when the code is unknown or has no IRI."""
        if not value:
            return None
        key = (list_name, value)
        try:
            return self._code_iris[key]
        except KeyError:
            found = self.codes.uri(list_name, value)
            node = uri(found) if found else None
            if len(self._code_iris) > 20_000:
                self._code_iris.clear()
            self._code_iris[key] = node
            return node

    def _lang(self, dataset: Dataset) -> Optional[str]:
        if len(dataset.language) == 1 and _LANG_TAG.match(dataset.language[0]):
            return dataset.language[0]
        return self.default_language

    # ------------------------------------------------------------------ dataset
    def build(self, ds: Dataset) -> list[Triple]:
        node = dataset_node(ds, self.base_uri)
        out: list[Triple] = []
        add = out.append
        bnode = BNodes(str(node))
        lang = self._lang(ds)
        text = (lambda v: literal(v, lang)) if lang else literal

        add((node, A, T_SERIES if ds.type == "series" else T_DATASET))
        add((node, P_TITLE, text(ds.title)))
        # dct:description is mandatory in DCAT-AP 3 (sh:Violation): a record whose source left it empty
        # is described by its title, so one thin record does not make a consumer reject a whole page.
        add((node, P_DESC, text(ds.description if ds.description and ds.description.strip() else ds.title)))
        for kw in ds.keywords:
            if kw:
                add((node, P_KEYWORD, text(kw)))
        self._themes(ds, node, add)
        add((node, P_IDENT, literal(ds.identifier)))
        alt_ids = list(ds.alternate_identifiers)
        if ds.kode_indikator and ds.kode_indikator not in alt_ids:
            alt_ids.append(ds.kode_indikator)
        for value in alt_ids:
            ident = bnode()
            add((node, P_ADMS_ID, ident))
            add((ident, A, T_IDENT))
            add((ident, P_NOTATION, literal(value)))
        self._page(node, P_LANDING, ds.landing_page, add)
        for pred, value in ((P_ISSUED, ds.issued), (P_MODIFIED, ds.modified)):
            lit = date_literal(value)
            if lit is not None:
                add((node, pred, lit))
        self.languages(node, ds.language, add)
        self._agents(ds, node, bnode, add)
        for cp in ds.contact_points:
            self._contact(node, cp, bnode, add)
        self._coded(node, P_ACCESS_RIGHTS, T_RIGHTS, "akses", ds.access_rights, add)
        self._coded(node, P_PERIODICITY, T_FREQ, "frekuensi", ds.accrual_periodicity, add)
        for period in ds.temporal:
            self._period(node, period.start, period.end, bnode, add)
        for loc in ds.spatial:
            self._location(node, loc, bnode, text, add)
        if ds.spatial_resolution_m is not None:
            res = decimal_literal(ds.spatial_resolution_m)
            if res is not None:
                add((node, P_SPATIAL_RES, res))
        self._standards(node, ds.conforms_to, bnode, add)
        if ds.kode_sds:
            sds = uri(sds_uri(ds.kode_sds, self.base_uri))
            add((node, P_CONFORMS, sds))
            add((sds, A, T_STANDARD))
            add((sds, P_NOTATION, literal(ds.kode_sds)))
        if ds.provenance:
            stmt = bnode()
            add((node, P_PROVENANCE, stmt))
            add((stmt, A, T_PROV_STMT))
            add((stmt, P_LABEL, text(ds.provenance)))
        if ds.version:
            add((node, P_VERSION, literal(ds.version)))
            add((node, P_VERSION_INFO, literal(ds.version)))
        dcat_type = ds.dcat_type or None
        if dcat_type:
            # a bare IRI is not typed skos:Concept: DCAT-AP would then demand its skos:prefLabel
            type_node = self._labelled(node, P_TYPE, dcat_type, None, bnode, add, label_pred=P_PREF_LABEL)
            if not isinstance(type_node, URIRef):
                add((type_node, A, T_CONCEPT))
        else:
            kategori = self.code_iri("kategori_data", ds.kategori_data)
            if kategori is not None:
                add((node, P_TYPE, kategori))
                add((kategori, A, T_CONCEPT))
                add((kategori, P_PREF_LABEL, literal(self.codes.label("kategori_data", ds.kategori_data) or "")))
        for page in ds.documentation:
            self._page(node, P_PAGE, page, add)
        for law in ds.applicable_legislation:
            law_node = iri(law)
            if law_node is not None:
                add((node, P_LEGISLATION, law_node))
                add((law_node, A, T_LEGAL))
        for ref in ds.is_referenced_by:
            self._labelled(node, P_REFERENCED, ref, None, bnode, add)
        for src in ds.source:
            src_node = self._labelled(node, P_SOURCE, src, None, bnode, add)
            if isinstance(src_node, URIRef):
                add((node, P_DERIVED, src_node))
        if ds.sumber_eksternal and ds.sumber_eksternal not in ds.source:
            self._labelled(node, P_SOURCE, ds.sumber_eksternal, None, bnode, add)
        for series in ds.in_series:
            series_node = iri(series)
            if series_node is not None:
                add((node, P_IN_SERIES, series_node))
        for dist in ds.distributions:
            self._distribution(ds, node, dist, bnode, text, add)
        self._sdi(ds, node, bnode, text, add)
        return out

    def _themes(self, ds: Dataset, node: URIRef, add: Callable[[Triple], None]) -> None:
        """dcat:theme: the record's theme IRIs, then urusan, topik and sektor concepts.

        A theme whose label a code list knows is typed skos:Concept with that skos:prefLabel
        (DCAT-AP's range for dcat:theme); other theme IRIs are written bare.
        """
        seen: set[str] = set()
        found: list[tuple[Optional[URIRef], Optional[str]]] = []
        for theme in ds.themes:
            theme_node = iri(theme)
            found.append((theme_node, self.codes.label("eu_theme", theme) if theme_node is not None else None))
        for list_name, values in (("urusan", ds.bidang_urusan), ("topik", ds.topik),
                                  ("sektor_kegiatan", (ds.sektor,) if ds.sektor else ())):
            for value in values:
                found.append((self.code_iri(list_name, value), self.codes.label(list_name, value)))
        for theme_node, label in found:
            if theme_node is None or theme_node in seen:
                continue
            seen.add(theme_node)
            add((node, P_THEME, theme_node))
            if label:
                add((theme_node, A, T_CONCEPT))
                add((theme_node, P_PREF_LABEL, literal(label)))

    def _page(self, subject: Node, pred: URIRef, value: Optional[str], add: Callable[[Triple], None]) -> None:
        page = iri(value)
        if page is not None:
            add((subject, pred, page))
            add((page, A, T_DOCUMENT))

    def languages(self, subject: Node, codes: tuple[str, ...], add: Callable[[Triple], None]) -> None:
        for code in codes:
            lang = self.code_iri("bahasa", code)
            if lang is not None:
                add((subject, P_LANG, lang))
                add((lang, A, T_LING))

    def _coded(self, subject: Node, pred: URIRef, cls: URIRef, list_name: str, value: Optional[str],
               add: Callable[[Triple], None]) -> None:
        target = self.code_iri(list_name, value)
        if target is not None:
            add((subject, pred, target))
            add((target, A, cls))

    def _labelled(self, subject: Node, pred: URIRef, value: str, cls: Optional[URIRef], bnode: BNodes,
                  add: Callable[[Triple], None], label_pred: URIRef = P_LABEL) -> Optional[Node]:
        """``pred`` → the IRI ``value``, or a blank node labelled with it when it is not an IRI."""
        if not value:
            return None
        target: Node | None = iri(value) if ":" in value and " " not in value.strip() else None
        if target is None:
            target = bnode()
            add((target, label_pred, literal(value)))
        add((subject, pred, target))
        if cls is not None:
            add((target, A, cls))
        return target

    def _standards(self, subject: Node, values: tuple[str, ...], bnode: BNodes,
                   add: Callable[[Triple], None]) -> None:
        for value in values:
            self._labelled(subject, P_CONFORMS, value, T_STANDARD, bnode, add, label_pred=P_TITLE)

    def _period(self, subject: Node, start: Optional[str], end: Optional[str], bnode: BNodes,
                add: Callable[[Triple], None]) -> None:
        start_lit, end_lit = date_literal(start), date_literal(end)
        if start_lit is None and end_lit is None:
            return
        period = bnode()
        add((subject, P_TEMPORAL, period))
        add((period, A, T_PERIOD))
        if start_lit is not None:
            add((period, P_START, start_lit))
        if end_lit is not None:
            add((period, P_END, end_lit))

    def _location(self, subject: Node, loc: Location, bnode: BNodes, text: Callable[[str], Literal],
                  add: Callable[[Triple], None]) -> None:
        place: Node | None = None
        label = loc.label
        if loc.code:
            place = self.code_iri("wilayah", loc.code)
            label = label or self.codes.label("wilayah", loc.code)
        if place is None:
            place = iri(loc.uri)
        place = bnode.claim(place)
        add((subject, P_SPATIAL, place))
        add((place, A, T_LOCATION))
        if label:
            add((place, P_PREF_LABEL, literal(label)))
        if loc.code:
            add((place, P_IDENT, literal(loc.code)))
        for pred, value in ((P_BBOX, loc.bbox), (P_GEOMETRY, loc.geometry), (P_CENTROID, loc.centroid)):
            geo = geometry_literal(value)
            if geo is not None:
                add((place, pred, geo))

    # ------------------------------------------------------------------ agents
    def agent_node(self, agent: Agent, bnode: BNodes, add: Callable[[Triple], None],
                    memo: dict[object, Node], default_type: Optional[str] = None) -> Node:
        agent_iri = iri(agent.uri)
        key: object = str(agent_iri) if agent_iri is not None else agent  # one node per agent IRI
        known = memo.get(key)
        if known is not None:
            return known
        node = bnode.claim(agent_iri)
        memo[key] = node
        add((node, A, T_AGENT))
        add((node, A, T_ORG))
        add((node, P_NAME, literal(agent.name)))
        if agent.identifier:
            add((node, P_IDENT, literal(agent.identifier)))
        if agent.email:
            add((node, P_MBOX, uri_mailto(agent.email)))
        page = iri(agent.url)
        if page is not None:
            add((node, P_HOMEPAGE, page))
            add((page, A, T_DOCUMENT))
        kind = publisher_type_iri(agent.type) or default_type
        if kind:
            add((node, P_TYPE, uri(kind)))
            add((uri(kind), A, T_CONCEPT))
            add((uri(kind), P_PREF_LABEL, literal(kind.rsplit("/", 1)[-1], "en")))
        return node

    def _agents(self, ds: Dataset, node: URIRef, bnode: BNodes, add: Callable[[Triple], None]) -> None:
        memo: dict[object, Node] = {}
        level_type = self.codes.attr("level_instansi", ds.level_instansi, "adms_uri")
        roles: list[tuple[Node, URIRef]] = []
        if ds.publisher is not None and ds.publisher.name:
            pub = self.agent_node(ds.publisher, bnode, add, memo, level_type)
            add((node, P_PUBLISHER, pub))
            roles.append((pub, ROLE_WALIDATA))
        if ds.creator is not None and ds.creator.name:
            creator = self.agent_node(ds.creator, bnode, add, memo)
            add((node, P_CREATOR, creator))
            roles.append((creator, ROLE_PRODUSEN))
        for name, role in ((ds.pembina_data, ROLE_PEMBINA), (ds.walidata_pendukung, ROLE_PENDUKUNG)):
            if name:
                roles.append((self.agent_node(Agent(name=name), bnode, add, memo), role))
        for agent_node, role in roles:
            attribution = bnode()
            add((node, P_QUALIFIED, attribution))
            add((attribution, A, T_ATTRIBUTION))
            add((attribution, P_AGENT, agent_node))
            add((attribution, P_HAD_ROLE, role))
            add((role, A, T_ROLE))

    def _contact(self, subject: Node, cp: ContactPoint, bnode: BNodes, add: Callable[[Triple], None]) -> None:
        if not (cp.name or cp.email or cp.phone or cp.url or cp.uri):
            return
        node = bnode.claim(iri(cp.uri))
        add((subject, P_CONTACT, node))
        add((node, A, T_KIND))
        add((node, A, T_VORG))
        if cp.name:
            add((node, P_FN, literal(cp.name)))
        if cp.email:
            add((node, P_EMAIL, uri_mailto(cp.email)))
        for tel in phone_iris(cp.phone):
            add((node, P_TEL, tel))
        page = iri(cp.url)
        if page is not None:
            add((node, P_URL, page))

    # ------------------------------------------------------------------ SDI
    def _sdi(self, ds: Dataset, node: URIRef, bnode: BNodes, text: Callable[[str], Literal],
             add: Callable[[Triple], None]) -> None:
        for field_name, pred in _SDI_TEXT:
            value = getattr(ds, field_name)
            if value:
                add((node, pred, text(value)))
        for field_name, pred in _SDI_CODES:
            value = getattr(ds, field_name)
            if field_name == "kode_pemda_bps" and not value:  # derived from the wilayah list when absent
                value = self.codes.attr("wilayah", ds.kode_pemda, "bps") if ds.kode_pemda else None
            if value:
                list_name = _CODE_LIST_OF.get(field_name)
                if list_name is not None:  # an alias the lookup resolved is written as its code
                    value = self.codes.code(list_name, value) or value
                add((node, pred, literal(value)))
        for field_name, pred, list_name in _SDI_CONCEPTS:
            value = getattr(ds, field_name)
            if value:
                add((node, pred, self.code_iri(list_name, value) or literal(value)))
        for code in ds.tingkat_penyajian:
            add((node, P_SDI_TINGKAT, self.code_iri("tingkat_penyajian", code) or literal(code)))
        for value in ds.jadwal_rilis:
            lit = date_literal(value)
            add((node, P_SDI_JADWAL, lit if lit is not None else literal(value)))
        status = self.codes.attr("status_data", ds.status_data, "adms_uri")
        if status:
            add((node, P_STATUS, uri(status)))
            add((uri(status), A, T_CONCEPT))
            add((uri(status), P_PREF_LABEL, literal(status.rsplit("/", 1)[-1], "en")))
        for field_name, pred in (("data_prioritas", SDI.dataPrioritas), ("data_induk", SDI.dataInduk)):
            value = getattr(ds, field_name)
            if value is not None:
                add((node, pred, bool_literal(value)))
        for field_name, pred in _SDI_LISTS:
            for value in getattr(ds, field_name):
                add((node, pred, literal(value)))
        for var in ds.variabel:
            self._variable(node, var, bnode, text, add)

    def _variable(self, subject: Node, var: Variable, bnode: BNodes, text: Callable[[str], Literal],
                  add: Callable[[Triple], None]) -> None:
        node = bnode()
        add((subject, P_SDI_VARIABEL, node))
        add((node, A, T_VARIABEL))
        add((node, P_SDI_NAMA, literal(var.nama)))
        for field_name, pred in _VARIABLE_FIELDS:
            value = getattr(var, field_name)
            if value:
                add((node, pred, text(value) if field_name in ("konsep", "definisi") else literal(value)))


def uri_mailto(email: str) -> URIRef:
    """``mailto:`` IRI for an address (an existing ``mailto:`` prefix is kept, spaces removed)."""
    email = email.strip()
    if email.lower().startswith("mailto:"):
        email = email[7:]
    return uri("mailto:" + quote(email.replace(" ", ""), safe="@+.-_!~*'()&=,;"))


def phone_iris(phone: Optional[str]) -> list[URIRef]:
    """``tel:`` IRIs for a phone field; several numbers (``/``, ``,``, ``atau``) give several IRIs.

    Spaces, dots and parentheses are dropped (``(0342) 801144`` → ``tel:0342801144``); a part that
    is still not a plausible number is left out.
    """
    if not phone:
        return []
    out = []
    for part in _PHONE_SPLIT.split(phone.strip()):
        if part.lower().startswith("tel:"):
            part = part[4:]
        number = _PHONE_JUNK.sub("", part)
        if _PHONE_OK.match(number):
            out.append(uri("tel:" + number))
    return out


def publisher_type_iri(value: Optional[str]) -> Optional[str]:
    """ADMS publisher-type IRI for an ADMS code (``LocalAuthority``) or an IRI; None otherwise."""
    if not value:
        return None
    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    return ADMS_PUBLISHER_TYPE + value if re.fullmatch(r"[A-Za-z]+", value) else None
