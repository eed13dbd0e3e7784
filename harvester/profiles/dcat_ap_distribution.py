"""Distribution triples for the DCAT-AP profile (a mixin of ``DatasetTriples``).

DCAT-AP requires ``dcat:accessURL``: the access URL, else the download URL, else the data-service
endpoint, else the dataset's landing page, else the dataset IRI is used. The licence is the
distribution's, else the dataset's (as ckanext-dcat's "inherit licence" option does); a licence the
``lisensi`` list knows becomes its EU IRI, ``notspecified`` is left out, anything else is kept as a
labelled ``dct:LicenseDocument``. A checksum needs an SPDX algorithm and a hex digest.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from rdflib.term import Literal, Node, URIRef

from harvester.model.dataset import Dataset, Distribution
from harvester.profiles.dcat_ap_terms import BNodes, date_literal, int_literal, iri, literal, uri
from harvester.profiles.dcat_ap_vocab import (
    A, P_ACCESS_URL, P_ALGORITHM, P_BYTES, P_CHECKSUM, P_CHECKSUM_VALUE, P_DESC, P_DIST, P_DOWNLOAD,
    P_ENDPOINT, P_FORMAT, P_IDENT, P_ISSUED, P_LABEL, P_LICENSE, P_MEDIA_TYPE, P_MODIFIED, P_PREF_LABEL,
    P_RIGHTS, P_SERVICE, P_STATUS, P_TITLE, T_CHECKSUM, T_CONCEPT, T_DIST, T_LICENSE, T_MEDIA,
    T_MEDIA_EXT, T_RIGHTS, T_SERVICE,
)
from harvester.profiles.dcat_ap_vocab import P_SDI_AKSES
from harvester.profiles.namespaces import ADMS_STATUS, IANA_MEDIA_TYPES, XSD

Triple = tuple[Node, Node, Node]

X_HEXBINARY = XSD.hexBinary
_CHECKSUM_ALGOS = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha224": "sha224", "sha256": "sha256",
                   "sha-256": "sha256", "sha384": "sha384", "sha512": "sha512", "sha-512": "sha512"}
_HEX = re.compile(r"[0-9A-Fa-f]+\Z")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*\Z")


def checksum_parts(value: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(SPDX algorithm IRI, lower-case hex digest) of an ``algorithm:hexdigest`` checksum.

    (None, None) when the algorithm is not one SPDX names or the digest is not hex.
    """
    if not value or ":" not in value:
        return None, None
    algo, _, digest = value.partition(":")
    name = _CHECKSUM_ALGOS.get(algo.strip().lower())
    digest = digest.strip()
    if name is None or not _HEX.match(digest) or len(digest) % 2:
        return None, None
    return f"http://spdx.org/rdf/terms#checksumAlgorithm_{name}", digest.lower()


class DistributionTriples:
    """Mixin: needs ``code_iri``, ``codes``, ``languages``, ``_labelled`` and ``_standards``."""

    def _distribution(self, ds: Dataset, ds_node: URIRef, dist: Distribution, bnode: BNodes,
                      text: Callable[[str], Literal], add: Callable[[Triple], None]) -> None:
        node = bnode.claim(iri(dist.uri))
        add((ds_node, P_DIST, node))
        add((node, A, T_DIST))
        access = (iri(dist.access_url) or iri(dist.download_url) or iri(dist.access_service)
                  or iri(ds.landing_page) or ds_node)
        add((node, P_ACCESS_URL, access))
        download = iri(dist.download_url)
        if download is not None:
            add((node, P_DOWNLOAD, download))
        if dist.identifier:
            add((node, P_IDENT, literal(dist.identifier)))
        if dist.title:
            add((node, P_TITLE, text(dist.title)))
        if dist.description:
            add((node, P_DESC, text(dist.description)))
        if dist.format:
            fmt = self.code_iri("format", dist.format)
            if fmt is not None:
                add((node, P_FORMAT, fmt))
                add((fmt, A, T_MEDIA_EXT))
            else:
                self._labelled(node, P_FORMAT, dist.format, T_MEDIA_EXT, bnode, add)
        if dist.media_type and _MEDIA_TYPE.match(dist.media_type.strip()):
            media = uri(IANA_MEDIA_TYPES + dist.media_type.strip().lower())
            add((node, P_MEDIA_TYPE, media))
            add((media, A, T_MEDIA))
        if dist.byte_size is not None and dist.byte_size >= 0:
            add((node, P_BYTES, int_literal(dist.byte_size)))
        for pred, value in ((P_ISSUED, dist.issued), (P_MODIFIED, dist.modified)):
            lit = date_literal(value)
            if lit is not None:
                add((node, pred, lit))
        licence = dist.license or ds.license
        if licence:
            lic = self.code_iri("lisensi", licence)
            if lic is not None:
                add((node, P_LICENSE, lic))
                add((lic, A, T_LICENSE))
            elif self.codes.attr("lisensi", licence, "is_licence") is not False:
                self._labelled(node, P_LICENSE, licence, T_LICENSE, bnode, add)
        if dist.rights:
            rights = bnode()
            add((node, P_RIGHTS, rights))
            add((rights, A, T_RIGHTS))
            add((rights, P_LABEL, text(dist.rights)))
        if dist.access_rights:
            add((node, P_SDI_AKSES, literal(dist.access_rights)))
        self._checksum(node, dist.checksum, bnode, add)
        if dist.status:
            status = uri(dist.status) if dist.status.startswith("http") else uri(ADMS_STATUS + dist.status)
            add((node, P_STATUS, status))
            add((status, A, T_CONCEPT))
            add((status, P_PREF_LABEL, literal(status.rsplit("/", 1)[-1], "en")))
        self.languages(node, dist.language, add)
        self._standards(node, dist.conforms_to, bnode, add)
        endpoint = iri(dist.access_service)
        if endpoint is not None:
            service = bnode()
            add((node, P_SERVICE, service))
            add((service, A, T_SERVICE))
            add((service, P_TITLE, text(dist.title or ds.title)))
            add((service, P_ENDPOINT, endpoint))

    def _checksum(self, subject: Node, value: Optional[str], bnode: BNodes, add: Callable[[Triple], None]) -> None:
        algorithm, digest = checksum_parts(value)
        if algorithm is None or digest is None:
            return
        node = bnode()
        add((subject, P_CHECKSUM, node))
        add((node, A, T_CHECKSUM))
        add((node, P_ALGORITHM, uri(algorithm)))
        add((node, P_CHECKSUM_VALUE, Literal(digest, datatype=X_HEXBINARY)))
