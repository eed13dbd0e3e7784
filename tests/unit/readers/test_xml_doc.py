"""XmlReader: XPath with declared namespaces over ISO 19139, csw:Record and OAI-PMH records."""

from __future__ import annotations

import pytest

from harvester.errors import ConfigError, RecordInvalid
from harvester.model.record import SourceRecord
from harvester.readers.xml_doc import XmlReader


def read(path, options=None):
    return XmlReader().read(SourceRecord("s", "r", "application/xml", path.read_bytes()), options or {})


def test_iso19139_paths_and_gmx_anchor_keywords(shared_data):
    doc = read(shared_data / "csw_iso19139" / "owslib_marine-ie_keywords_anchor_iso19139.xml")
    assert doc.select("gmd:fileIdentifier") == ["ie.marine.data:dataset.1135"]
    assert doc.select("gmd:identificationInfo/*/gmd:citation/*/gmd:title") == ["CE0911 Climate Change Survey"]
    keywords = doc.select("gmd:identificationInfo/*/gmd:descriptiveKeywords/*/gmd:keyword/*")
    assert "Atmospheric pressure" in keywords  # a gmx:Anchor's text
    assert doc.select("count(gmd:distributionInfo//gmd:CI_OnlineResource)") == [5]
    online = doc.each("gmd:distributionInfo/*/gmd:transferOptions/*/gmd:onLine/gmd:CI_OnlineResource")
    assert len(online) == 5 and online[2].select("gmd:linkage/gmd:URL") == ["http://www.marine.ie"]


def test_declared_namespaces_and_root_option(shared_data):
    doc = read(shared_data / "oai_pmh" / "sickle_GetRecord.xml", {"root": ["descendant-or-self::oai:record[1]"]})
    assert doc.select("oai:header/oai:identifier") == ["oai:test.example.com:1996652"]
    assert doc.select("oai:metadata/oai_dc:dc/dc:title") == ["Sample Title"]
    custom = read(shared_data / "oai_pmh" / "sickle_GetRecord.xml",
                  {"namespaces": {"o": "http://www.openarchives.org/OAI/2.0/"}, "root": ["//o:record"]})
    assert custom.select("o:header/o:identifier") == ["oai:test.example.com:1996652"]


def test_latin1_csw_record(shared_data):
    doc = read(shared_data / "csw_iso19139" / "owslib_citizenscience-ca_allspecies_csw-record_dc_latin1.xml")
    assert doc.select("dc:title") == ["ALLSPECIES"]


@pytest.mark.parametrize("name", ["ckanext-spatial_gemini_error_bad_xml.xml",
                                  "datagov-harvester_decode_error_invalid_utf8.xml"])
def test_bad_bytes_raise_record_invalid(shared_data, name):
    raw = (shared_data / "csw_iso19139" / name).read_bytes()
    with pytest.raises(RecordInvalid) as info:
        XmlReader().read(SourceRecord("src-x", "rec-bad", "application/xml", raw), {})
    message = str(info.value)
    assert "rec-bad" in message and "src-x" in message and "line" in message


def test_entities_are_refused_not_expanded():
    evil = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><r>&x;</r>'
    with pytest.raises(RecordInvalid):
        XmlReader().read(SourceRecord("s", "r", "application/xml", evil), {})


def test_bad_xpath_and_unknown_prefix_are_config_errors():
    with pytest.raises(ConfigError, match="Undefined namespace prefix"):
        XmlReader.check_path("foo:bar", {})
    with pytest.raises(ConfigError, match="bad XPath"):
        XmlReader.check_path("gmd:title[", {})
    XmlReader.check_path("foo:bar", {"namespaces": {"foo": "urn:foo"}})
