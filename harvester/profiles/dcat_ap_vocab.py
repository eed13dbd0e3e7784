"""The RDF terms the DCAT-AP profile writes, resolved once.

``Namespace.attr`` builds a new URIRef on every access (and ``DCT.format`` is ``str.format``!), so
every class (``T_*``), property (``P_*``) and SDI role (``ROLE_*``) is a module constant here.
"""

from __future__ import annotations

from harvester.profiles.namespaces import (
    ADMS, DCAT, DCATAP, DCT, ELI, FOAF, LOCN, OWL, PROV, RDF, RDFS, SDI, SKOS, SPDX, VCARD,
)

# Namespace attribute access builds a new URIRef each time; resolve every term once.
A = RDF.type
T_DATASET, T_SERIES, T_DIST, T_SERVICE = DCAT.Dataset, DCAT.DatasetSeries, DCAT.Distribution, DCAT.DataService
T_AGENT, T_ORG, T_ATTRIBUTION, T_ROLE = FOAF.Agent, FOAF.Organization, PROV.Attribution, DCAT.Role
T_KIND, T_VORG, T_DOCUMENT, T_IDENT = VCARD.Kind, VCARD.Organization, FOAF.Document, ADMS.Identifier
T_PERIOD, T_LOCATION, T_STANDARD, T_PROV_STMT = DCT.PeriodOfTime, DCT.Location, DCT.Standard, DCT.ProvenanceStatement
T_RIGHTS, T_LICENSE, T_FREQ, T_LING = DCT.RightsStatement, DCT.LicenseDocument, DCT.Frequency, DCT.LinguisticSystem
T_MEDIA_EXT, T_MEDIA, T_LEGAL, T_CHECKSUM = DCT.MediaTypeOrExtent, DCT.MediaType, ELI.LegalResource, SPDX.Checksum
T_CONCEPT, T_VARIABEL = SKOS.Concept, SDI.Variabel

P_TITLE, P_DESC, P_IDENT, P_ISSUED, P_MODIFIED = DCT.title, DCT.description, DCT.identifier, DCT.issued, DCT.modified
P_LANG, P_PUBLISHER, P_CREATOR, P_ACCESS_RIGHTS = DCT.language, DCT.publisher, DCT.creator, DCT.accessRights
P_PERIODICITY, P_TEMPORAL, P_SPATIAL, P_CONFORMS = DCT.accrualPeriodicity, DCT.temporal, DCT.spatial, DCT.conformsTo
P_PROVENANCE, P_TYPE, P_REFERENCED, P_SOURCE = DCT.provenance, DCT.type, DCT.isReferencedBy, DCT.source
P_LICENSE, P_RIGHTS, P_FORMAT = DCT.license, DCT.rights, DCT["format"]
P_KEYWORD, P_THEME, P_LANDING, P_CONTACT, P_DIST = DCAT.keyword, DCAT.theme, DCAT.landingPage, DCAT.contactPoint, DCAT.distribution
P_START, P_END, P_BBOX, P_CENTROID = DCAT.startDate, DCAT.endDate, DCAT.bbox, DCAT.centroid
P_VERSION, P_IN_SERIES, P_ACCESS_URL, P_DOWNLOAD = DCAT.version, DCAT.inSeries, DCAT.accessURL, DCAT.downloadURL
P_MEDIA_TYPE, P_BYTES, P_SERVICE, P_ENDPOINT = DCAT.mediaType, DCAT.byteSize, DCAT.accessService, DCAT.endpointURL
P_HAD_ROLE, P_SPATIAL_RES = DCAT.hadRole, DCAT.spatialResolutionInMeters
P_ADMS_ID, P_STATUS, P_NOTATION, P_PREF_LABEL = ADMS.identifier, ADMS.status, SKOS.notation, SKOS.prefLabel
P_NAME, P_MBOX, P_HOMEPAGE, P_PAGE = FOAF.name, FOAF.mbox, FOAF.homepage, FOAF.page
P_FN, P_EMAIL, P_TEL, P_URL = VCARD.fn, VCARD.hasEmail, VCARD.hasTelephone, VCARD.hasURL
P_QUALIFIED, P_AGENT, P_DERIVED = PROV.qualifiedAttribution, PROV.agent, PROV.wasDerivedFrom
P_LEGISLATION, P_GEOMETRY, P_VERSION_INFO, P_LABEL = DCATAP.applicableLegislation, LOCN.geometry, OWL.versionInfo, RDFS.label
P_CHECKSUM, P_ALGORITHM, P_CHECKSUM_VALUE = SPDX.checksum, SPDX.algorithm, SPDX.checksumValue

ROLE_PRODUSEN, ROLE_WALIDATA = SDI.ProdusenData, SDI.Walidata
ROLE_PEMBINA, ROLE_PENDUKUNG = SDI.PembinaData, SDI.WalidataPendukung

# sdi: properties
P_SDI_AKSES, P_SDI_TINGKAT, P_SDI_JADWAL = SDI.akses, SDI.tingkatPenyajian, SDI.jadwalRilis
P_SDI_VARIABEL, P_SDI_NAMA = SDI.variabel, SDI.nama
