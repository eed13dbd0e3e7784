"""The dcat:Catalog node of a feed: ``CatalogInfo`` and its triples.

DCAT-AP 3 requires a catalogue title, description and exactly one publisher; the catalogue lists
its datasets with ``dcat:dataset``. The dataset IRIs are passed in (the feed streams datasets first
and writes the catalogue node last, so only the IRIs are kept in memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from rdflib.term import Node, URIRef

from harvester.model.dataset import Agent
from harvester.profiles.dcat_ap_dataset import DatasetTriples
from harvester.profiles.dcat_ap_terms import BNodes, date_literal, iri, literal
from harvester.profiles.dcat_ap_vocab import (
    A, P_DESC, P_LICENSE, P_MODIFIED, P_PUBLISHER, P_TITLE, T_DOCUMENT, T_LICENSE,
)
from harvester.profiles.namespaces import DCAT, FOAF

Triple = tuple[Node, Node, Node]

T_CATALOG, P_DATASET, P_THEME_TAXONOMY, P_HOMEPAGE = DCAT.Catalog, DCAT.dataset, DCAT.themeTaxonomy, FOAF.homepage


@dataclass(frozen=True)
class CatalogInfo:
    """Describes the catalogue a feed publishes (from config)."""

    uri: str
    title: str
    description: str
    publisher: Agent
    homepage: Optional[str] = None
    language: tuple[str, ...] = ("id",)
    license: Optional[str] = None
    modified: Optional[str] = None
    themes_taxonomy: tuple[str, ...] = ()


def catalog_triples(builder: DatasetTriples, catalog: CatalogInfo,
                    dataset_uris: Iterable[URIRef]) -> list[Triple]:
    """Triples of the catalogue node, its publisher and one ``dcat:dataset`` per dataset IRI.

    Raises ValueError when ``catalog.uri`` is not an absolute IRI (a configuration error).
    """
    node = iri(catalog.uri)
    if node is None:
        raise ValueError(f"catalogue uri {catalog.uri!r} is not an absolute IRI")
    out: list[Triple] = []
    add = out.append
    bnode = BNodes(str(node))
    lang = catalog.language[0] if len(catalog.language) == 1 else None
    add((node, A, T_CATALOG))
    add((node, P_TITLE, literal(catalog.title, lang)))
    add((node, P_DESC, literal(catalog.description, lang)))
    memo: dict[object, Node] = {}
    publisher = builder.agent_node(catalog.publisher, bnode, add, memo)
    add((node, P_PUBLISHER, publisher))
    homepage = iri(catalog.homepage)
    if homepage is not None:
        add((node, P_HOMEPAGE, homepage))
        add((homepage, A, T_DOCUMENT))
    builder.languages(node, catalog.language, add)
    if catalog.license:
        lic = builder.code_iri("lisensi", catalog.license) or iri(catalog.license)
        if lic is not None:
            add((node, P_LICENSE, lic))
            add((lic, A, T_LICENSE))
    modified = date_literal(catalog.modified)
    if modified is not None:
        add((node, P_MODIFIED, modified))
    for scheme in catalog.themes_taxonomy:
        scheme_node = iri(scheme)
        if scheme_node is not None:
            add((node, P_THEME_TAXONOMY, scheme_node))
    for ds_uri in dataset_uris:
        add((node, P_DATASET, ds_uri))
    return out

