"""harvester.sources.safe_xml: entity attacks refused, syntax errors located, serialisation standalone."""

from __future__ import annotations

import time

import pytest
from lxml import etree

from harvester.sources.safe_xml import (UnsafeXml, XmlError, XmlSyntaxError, local_name, looks_like_html,
                                        parse_html, parse_xml, to_standalone)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd">&xxe;</gmd:MD_Metadata>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<r/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE, PARAMETER_ENTITY], ids=["billion-laughs", "xxe", "param-entity"])
def test_entity_declarations_are_refused_quickly(data: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeXml) as info:
        parse_xml(data, what="test document")
    assert time.monotonic() - started < 1.0
    assert "test document" in str(info.value)
    assert "entities" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_utf16_entity_declaration_is_refused() -> None:
    data = XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")
    with pytest.raises(UnsafeXml):
        parse_xml(data, what="utf16")


def test_doctype_without_entities_is_accepted_and_dtd_not_loaded(shared_data) -> None:
    # FGDC record with <!DOCTYPE metadata SYSTEM "...dtd">: harmless, must parse offline.
    root = parse_xml((shared_data / "csw_iso19139/datagov-harvester_usgs_fgdc_csdgm_not_iso.xml").read_bytes(),
                     what="fgdc")
    assert root.tag == "metadata"


def test_syntax_error_carries_line_and_column(shared_data) -> None:
    with pytest.raises(XmlSyntaxError) as info:
        parse_xml((shared_data / "csw_iso19139/ckanext-spatial_gemini_error_bad_xml.xml").read_bytes(), what="bad")
    assert info.value.line is not None and info.value.line > 1
    assert info.value.column is not None
    assert f"line {info.value.line}" in str(info.value)


def test_invalid_utf8_is_a_syntax_error_not_a_crash(shared_data) -> None:
    with pytest.raises(XmlSyntaxError) as info:
        parse_xml((shared_data / "csw_iso19139/datagov-harvester_decode_error_invalid_utf8.xml").read_bytes(),
                  what="utf8")
    assert info.value.line == 4


@pytest.mark.parametrize("data", [b"", b"   ", b"broken xml", b"<a><b></a>", b'{"json": true}'])
def test_not_xml(data: bytes) -> None:
    with pytest.raises(XmlError):
        parse_xml(data, what="x")


def test_parse_takes_bytes_only() -> None:
    with pytest.raises(TypeError):
        parse_xml("<a/>", what="x")  # type: ignore[arg-type]


def test_latin1_declared_encoding_is_honoured(shared_data) -> None:
    root = parse_xml((shared_data / "csw_iso19139/owslib_citizenscience-ca_allspecies_csw-record_dc_latin1.xml")
                     .read_bytes(), what="latin1")
    assert local_name(root) == "Record"


def test_to_standalone_keeps_inherited_namespaces_and_drops_tail() -> None:
    root = parse_xml(b'<w xmlns:gmd="urn:gmd" xmlns:gco="urn:gco" xmlns:xsi="urn:xsi">'
                     b'<gmd:MD_Metadata xsi:type="gco:Thing"><gco:x>1</gco:x></gmd:MD_Metadata>tail</w>', what="w")
    data = to_standalone(root[0])
    assert data.startswith(b"<?xml")
    assert b"tail" not in data
    again = etree.fromstring(data)
    assert again.tag == "{urn:gmd}MD_Metadata"
    assert again.nsmap["gco"] == "urn:gco"  # needed to resolve the xsi:type value
    assert again[0].text == "1"


def test_local_name() -> None:
    root = parse_xml(b'<a:b xmlns:a="urn:a"><!-- c --><d/></a:b>', what="x")
    assert local_name(root) == "b"
    assert local_name(root[0]) == ""
    assert local_name(root[1]) == "d"


@pytest.mark.parametrize("data,expected", [
    (b"<!DOCTYPE html><html><body/></html>", True),
    (b"\xef\xbb\xbf  <html lang='id'>", True),
    (b"<!-- saved --><HTML>", True),
    (b"<table><tr><td>1</td></tr></table>", True),
    (b'<?xml version="1.0"?><gmd:MD_Metadata/>', False),
    (b"id;judul\n1;x", False),
])
def test_looks_like_html(data: bytes, expected: bool) -> None:
    assert looks_like_html(data) is expected


def test_parse_html_finds_links() -> None:
    doc = parse_html(b"<html><body><a href='a.xml'>a</a><a href='b/'>b</a></body></html>", what="waf")
    assert doc.xpath("//a/@href") == ["a.xml", "b/"]


@pytest.mark.parametrize("data,charset", [
    ("<html><body><p>Kecamatan Sukorejo – Blitar</p></body></html>".encode("utf-8"), None),  # no declaration
    ('<html><head><meta charset="windows-1252"></head><body><p>Kecamatan Sukorejo – Blitar</p></body></html>'
     .encode("cp1252"), None),
    ("<html><body><p>Kecamatan Sukorejo – Blitar</p></body></html>".encode("cp1252"), "windows-1252"),
])
def test_parse_html_decodes_text(data: bytes, charset: str | None) -> None:
    doc = parse_html(data, what="page", charset=charset)
    assert doc.xpath("string(//p)") == "Kecamatan Sukorejo – Blitar"


def test_parse_html_unknown_charset() -> None:
    with pytest.raises(XmlSyntaxError, match="unknown charset"):
        parse_html(b"<html></html>", what="page", charset="no-such-charset")
