"""RDF namespaces used by the output profiles, and the prefix table written at the top of Turtle.

The ``sdi:`` namespace is this project's own (spec §4: no official Indonesian namespace exists);
its IRI and the property names are shared with the SDI SHACL shapes in
``harvester/validate/shapes/sdi-shapes.ttl``. Everything minted by the project (urusan concepts,
wilayah places, datasets) lives under ``MINT_BASE``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping
from urllib.parse import quote

from rdflib import Namespace

__all__ = [
    "ADMS", "DCAT", "DCATAP", "DCT", "ELI", "FOAF", "GSP", "LOCN", "MINT_BASE", "ODRL", "OWL",
    "PREFIXES", "PROV", "RDF", "RDFS", "S1N", "SCHEMA", "SDI", "SKOS", "SPDX", "TIME", "VCARD",
    "XSD", "EU_AUTHORITY", "IANA_MEDIA_TYPES", "ADMS_PUBLISHER_TYPE", "ADMS_STATUS", "sds_uri",
]

# Plain Namespaces, also for rdf/rdfs/xsd: rdflib's DefinedNamespace versions warn on any unknown
# attribute (pytest's collection probes module attributes and trips over that).
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
DCT = Namespace("http://purl.org/dc/terms/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ODRL = Namespace("http://www.w3.org/ns/odrl/2/")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
PROV = Namespace("http://www.w3.org/ns/prov#")
S1N = Namespace("http://data.europa.eu/s1n/")
SCHEMA = Namespace("http://schema.org/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
TIME = Namespace("http://www.w3.org/2006/time#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

#: The project's own vocabulary (roles, SDI properties). Shared with sdi-shapes.ttl.
SDI = Namespace("https://w3id.org/satudata/sdi#")
#: Default base of minted IRIs: def/urusan/2.16, id/wilayah/35.72, dataset/<id>.
MINT_BASE = "https://w3id.org/satudata/"

#: EU Publications Office authority tables (file-type, frequency, access-right, language, licence).
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
#: IANA media types, as DCAT-AP recommends for dcat:mediaType.
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
ADMS_STATUS = "http://purl.org/adms/status/"

#: Prefixes declared in every Turtle document we write (order = output order).
PREFIXES: Mapping[str, str] = MappingProxyType(
    {
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "xsd": str(XSD),
        "dcat": str(DCAT),
        "dct": str(DCT),
        "dcatap": str(DCATAP),
        "adms": str(ADMS),
        "foaf": str(FOAF),
        "vcard": str(VCARD),
        "prov": str(PROV),
        "skos": str(SKOS),
        "locn": str(LOCN),
        "gsp": str(GSP),
        "spdx": str(SPDX),
        "owl": str(OWL),
        "eli": str(ELI),
        "s1n": str(S1N),
        "sdi": str(SDI),
    }
)


def sds_uri(kode_sds: str, base_uri: str = MINT_BASE) -> str:
    """IRI minted for a Standar Data Statistik code (spec §11.3: ``{base}def/sds/SP00125.01.00``).

    No code list of SDS codes exists in the project, so this is the one place the IRI is built.
    """
    return base_uri + "def/sds/" + quote(kode_sds.strip(), safe=".-_")
