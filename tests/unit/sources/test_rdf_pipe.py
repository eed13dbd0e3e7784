"""Big line-format pages parsed in a child process (``rdf_pipe``) give exactly what the in-process
parse gives: the same index and watched triples, the same error text, the same rdflib fallback; a
child that cannot start, fails or is killed costs an in-process parse, never data."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Union

import pyoxigraph as ox
import pytest

from harvester.sources import rdf_parse, rdf_pipe
from harvester.sources.rdf_parse import ParsedGraph, RdfError, parse_document
from harvester.sources.rdf_split import WATCH
from tests.unit.sources.test_dcat_rdf import FIXTURES, ctx, make
from tests.unit.sources.test_dcat_rdf_tempfile import rdfxml_page, turtle_page

FORMAT_OF = {".ttl": "turtle", ".nt": "nt", ".rdf": "xml"}
BASE = "http://example.go.id/catalog"
IN_PROCESS = 1 << 62  # threshold no body reaches
DEFAULT_THRESHOLD = rdf_parse.CHILD_PARSE_MIN_BYTES
Outcome = tuple[list[tuple[str, list[str]]], list[str]]


def canonical(graph: ParsedGraph) -> Outcome:
    """The graph with blank nodes numbered by first use: pyoxigraph labels ``[ ]`` nodes at random
    on every parse. Index order is kept, so this is stricter than comparing the dicts."""
    labels: dict[str, str] = {}

    def term(t: str) -> str:
        return labels.setdefault(t, f"_:b{len(labels)}") if t.startswith("_:") else t

    index = [(term(s), [term(t) for t in pos]) for s, pos in graph.index.items()]
    return index, [term(t) for t in graph.watched]


def isomorphic(graph: ParsedGraph) -> set[str]:
    """The graph (index, and watched triples as a named graph) with canonical blank-node labels:
    for documents read by rdflib, whose triple order and labels change from one parse to the next."""
    text = "".join(f"{s} {p} {o} .\n" for s, pos in graph.index.items() for p, o in zip(pos[::2], pos[1::2]))
    text += "".join(f"{s} {p} {o} <urn:watched> .\n"
                    for s, p, o in zip(graph.watched[::3], graph.watched[1::3], graph.watched[2::3]))
    dataset = ox.Dataset(ox.parse(text.encode("utf-8"), ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}


def outcome(monkeypatch: pytest.MonkeyPatch, threshold: int, body: Callable[[], Any], fmt: str,
            base: str = BASE) -> Union[ParsedGraph, str]:
    """The graph, or the RdfError's message, of parsing ``body()`` with ``threshold``."""
    monkeypatch.setattr(rdf_parse, "CHILD_PARSE_MIN_BYTES", threshold)
    try:
        return parse_document(body(), fmt, base_iri=base, watch=WATCH)
    except RdfError as exc:
        return f"RdfError: {exc}"


def same(a: Union[ParsedGraph, str], b: Union[ParsedGraph, str], *, exact: bool = True) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return canonical(a) == canonical(b) if exact else isomorphic(a) == isomorphic(b)


def as_spool(data: bytes) -> Callable[[], Any]:
    """A body like the source's: an anonymous temporary file, left positioned at its end."""
    def make_spool() -> Any:
        spool = tempfile.TemporaryFile(prefix="test-rdf-pipe-")
        spool.write(data)
        return spool
    return make_spool


BODIES: dict[str, Callable[[bytes], Callable[[], Any]]] = {
    "bytes": lambda data: lambda: data,
    "spool": as_spool,
    "bytesio": lambda data: lambda: io.BytesIO(data),  # no file descriptor: fed through a thread
}


def compare(monkeypatch: pytest.MonkeyPatch, children: list[subprocess.Popen], data: bytes, fmt: str, *,
            kind: str = "spool", base: str = BASE) -> Union[ParsedGraph, str]:
    """Parse in-process, then in a child; both outcomes must be equal (exactly, unless rdflib read
    the document). Returns the in-process outcome."""
    here = outcome(monkeypatch, IN_PROCESS, BODIES[kind](data), fmt, base)
    assert children == []
    there = outcome(monkeypatch, 0, BODIES[kind](data), fmt, base)
    assert len(children) == 1 and children[0].returncode in (0, rdf_pipe.EXIT_DOCUMENT)
    assert same(there, here, exact=children[0].returncode == 0)
    return here


def ntriples(data: bytes, fmt: str) -> bytes:
    return ox.serialize(ox.parse(data, rdf_parse.FORMATS[fmt], base_iri=BASE), format=ox.RdfFormat.N_TRIPLES)


# -- same result both ways ------------------------------------------------------------------------------------

SAMPLES = sorted(p.name for p in (Path(__file__).resolve().parents[4] / "shared" / "data" / "dcat_rdf").glob("*")
                 if p.suffix in FORMAT_OF)


@pytest.mark.parametrize("name", SAMPLES)
def test_shared_sample_gives_the_same_outcome_in_a_child(name: str, shared_data: Path, monkeypatch, children) -> None:
    path = shared_data / "dcat_rdf" / name
    compare(monkeypatch, children, path.read_bytes(), FORMAT_OF[path.suffix])


@pytest.mark.parametrize("kind", sorted(BODIES))
@pytest.mark.parametrize("fmt", ["turtle", "nt", "xml"])
def test_big_page_gives_the_same_graph_in_a_child(fmt: str, kind: str, monkeypatch, children) -> None:
    data = rdfxml_page(4000) if fmt == "xml" else turtle_page(2000, view=BASE, next_url=BASE + "?page=2")
    if fmt == "nt":
        data = ntriples(data, "turtle")
    graph = compare(monkeypatch, children, data, fmt, kind=kind)
    assert isinstance(graph, ParsedGraph) and len(graph.index) > 2000 and graph.watched
    assert len(ntriples(data, fmt)) > 2 * rdf_pipe.CHUNK


def test_only_bodies_over_the_threshold_go_to_a_child(monkeypatch, children) -> None:
    data = turtle_page(10)
    assert same(outcome(monkeypatch, len(data), lambda: data, "turtle"),
                outcome(monkeypatch, len(data) - 1, as_spool(data), "turtle"))
    assert len(children) == 1
    outcome(monkeypatch, 0, lambda: json.dumps({"@id": BASE}).encode(), "json-ld")  # not a line format
    assert len(children) == 1
    assert DEFAULT_THRESHOLD >= 1 << 20  # small pages stay in-process


# -- errors: the same text both ways ---------------------------------------------------------------------------

BROKEN = {
    "turtle-early": (FIXTURES / "broken.ttl").read_bytes(),
    "turtle-late": turtle_page(1500) + b'<http://example.go.id/x> <http://example.go.id/p> "open .\n',
    "nt": ntriples(turtle_page(1500), "turtle") + b"<http://example.go.id/x> <http://example.go.id/p> .\n",
    "xml": rdfxml_page(2000).replace(b"</dcat:Catalog>", b"<dcat:dataset><oops></dcat:Catalog>"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_syntax_error_gives_the_same_message_in_a_child(name: str, monkeypatch, children) -> None:
    fmt = {"turtle-early": "turtle", "turtle-late": "turtle"}.get(name, name)
    message = compare(monkeypatch, children, BROKEN[name], fmt)
    assert isinstance(message, str) and message.startswith("RdfError: ")
    assert children[0].returncode == rdf_pipe.EXIT_DOCUMENT
    if fmt != "xml":  # pyoxigraph's RDF/XML messages carry no position
        assert "line" in message


@pytest.mark.parametrize("base", ["not an iri", "http://example.go.id/a b"])
def test_bad_base_iri_gives_the_same_message_in_a_child(base: str, monkeypatch, children) -> None:
    message = compare(monkeypatch, children, turtle_page(5), "turtle", base=base)
    assert message == f"RdfError: Invalid base IRI '{base}', Invalid IRI code point ' '"


def test_base_iri_the_child_cannot_be_given_is_parsed_in_process(monkeypatch, children, caplog) -> None:
    base = "http://example.go.id/\x00"  # no process argument can hold a NUL
    here = outcome(monkeypatch, IN_PROCESS, lambda: turtle_page(5), "turtle", base)
    with caplog.at_level(logging.WARNING, logger=rdf_pipe.__name__):
        assert outcome(monkeypatch, 0, lambda: turtle_page(5), "turtle", base) == here  # error text
    assert str(here).startswith("RdfError: Invalid base IRI") and children == []
    assert "cannot start the RDF parser process" in caplog.text


def test_rdflib_fallback_happens_after_the_child_refuses(shared_data: Path, monkeypatch, children, caplog) -> None:
    """Mirror of test_dcat_rdf's GeoNetwork test: pyoxigraph refuses IRIs with spaces, rdflib reads them."""
    data = (shared_data / "dcat_rdf" / "udata_geonetwork-sig-oreme_records.rdf").read_bytes()
    with caplog.at_level(logging.INFO, logger=rdf_parse.__name__):
        graph = compare(monkeypatch, children, data, "xml")
    assert children[0].returncode == rdf_pipe.EXIT_DOCUMENT
    assert caplog.text.count("read by the tolerant parser") == 2  # in-process, then through the child
    assert isinstance(graph, ParsedGraph) and any("%20https" in s for s in graph.index)


def test_rdflib_fallback_through_the_source(http_server, shared_data: Path, monkeypatch, children) -> None:
    monkeypatch.setattr(rdf_parse, "CHILD_PARSE_MIN_BYTES", 0)
    http_server.add_file("/catalog", shared_data / "dcat_rdf" / "udata_geonetwork-sig-oreme_records.rdf",
                         "application/rdf+xml")
    [ref] = list(make(http_server).gather(ctx()))
    assert " " not in ref.remote_id and "%20https" in ref.remote_id
    assert [c.returncode for c in children] == [rdf_pipe.EXIT_DOCUMENT]


# -- a child that cannot do the work costs an in-process parse ----------------------------------------------

@pytest.fixture
def big_page() -> bytes:
    data = turtle_page(4000)
    assert len(ntriples(data, "turtle")) > 4 * rdf_pipe.CHUNK  # more than the pipe and the child's buffer
    return data


def test_child_killed_midway_gives_the_in_process_result(big_page: bytes, monkeypatch, children, caplog) -> None:
    here = outcome(monkeypatch, IN_PROCESS, as_spool(big_page), "turtle")
    chunks: list[int] = []

    class Killing(rdf_parse._Indexer):
        def write(self, chunk: bytes) -> int:
            if not chunks and children:  # the child's first chunk: kill it while it still has work
                os.kill(children[0].pid, signal.SIGKILL)
            chunks.append(len(chunk))
            return super().write(chunk)

    monkeypatch.setattr(rdf_parse, "_Indexer", Killing)
    with caplog.at_level(logging.WARNING, logger=rdf_pipe.__name__):
        assert same(outcome(monkeypatch, 0, as_spool(big_page), "turtle"), here)
    assert children[0].returncode == -signal.SIGKILL and chunks
    assert "killed by signal 9" in caplog.text and "parsing in-process" in caplog.text


@pytest.mark.parametrize("breakage", ["no interpreter", "no module"])
def test_child_that_cannot_run_gives_the_in_process_result(breakage: str, monkeypatch, children, caplog) -> None:
    data = turtle_page(200)
    here = outcome(monkeypatch, IN_PROCESS, as_spool(data), "turtle")
    if breakage == "no interpreter":
        monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    else:
        monkeypatch.setattr(rdf_pipe, "MODULE", "harvester.sources.no_such_module")
    with caplog.at_level(logging.WARNING, logger=rdf_pipe.__name__):
        assert same(outcome(monkeypatch, 0, as_spool(data), "turtle"), here)
    assert "parsing in-process" in caplog.text
    if breakage == "no module":
        assert children[0].returncode == 1 and "No module named" in caplog.text


def test_files_in_the_working_directory_do_not_shadow_the_child_s_modules(tmp_path: Path, monkeypatch,
                                                                         children) -> None:
    for name in ("pyoxigraph", "json", "harvester"):
        (tmp_path / f"{name}.py").write_text("raise ImportError('shadowed')\n")
    monkeypatch.chdir(tmp_path)
    compare(monkeypatch, children, turtle_page(20), "turtle")
    assert children[0].returncode == 0


def test_interrupt_while_indexing_kills_and_reaps_the_child(big_page: bytes, monkeypatch, children) -> None:
    class Interrupted(rdf_parse._Indexer):
        def write(self, chunk: bytes) -> int:
            raise KeyboardInterrupt

    monkeypatch.setattr(rdf_parse, "_Indexer", Interrupted)
    monkeypatch.setattr(rdf_parse, "CHILD_PARSE_MIN_BYTES", 0)
    with pytest.raises(KeyboardInterrupt):
        parse_document(big_page, "turtle", base_iri=BASE)  # bytes: the feeding thread must end too
    [child] = children
    assert child.returncode == -signal.SIGKILL  # killed (it had work left) and reaped
    assert not any(t.name == "rdf-pipe-feed" for t in threading.enumerate())


# -- the child on its own ------------------------------------------------------------------------------------

def run_child(*args: str, data: bytes = b"", python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *python_flags, "-m", rdf_pipe.MODULE, *args], input=data,
                          capture_output=True, timeout=60)


def numbered_blanks(lines: bytes) -> list[str]:
    labels: dict[str, str] = {}
    return [re.sub(r"_:\w+", lambda m: labels.setdefault(m.group(0), f"_:b{len(labels)}"), line)
            for line in lines.decode("utf-8").splitlines()]


def test_child_writes_n_triples_and_reports_errors_as_one_json_line() -> None:
    data = turtle_page(50)
    done = run_child("text/turtle", BASE, data=data)
    assert done.returncode == 0 and done.stderr == b""
    assert numbered_blanks(done.stdout) == numbered_blanks(ntriples(data, "turtle"))
    assert len(done.stdout.splitlines()) > 50 * 5

    bad = run_child("text/turtle", BASE, data=BROKEN["turtle-early"])
    assert bad.returncode == rdf_pipe.EXIT_DOCUMENT
    [line] = bad.stderr.decode().splitlines()
    try:
        list(ox.parse(BROKEN["turtle-early"], ox.RdfFormat.TURTLE, base_iri=BASE))
        pytest.fail("the fixture should be refused")
    except SyntaxError as exc:
        assert json.loads(line) == {"error": "SyntaxError", "args": json.loads(json.dumps(exc.args))}

    assert run_child("text/turtle", data=data).returncode == rdf_pipe.EXIT_USAGE
    assert run_child("application/x-unknown", BASE, data=data).returncode == rdf_pipe.EXIT_USAGE


def test_child_imports_only_pyoxigraph_and_the_standard_library() -> None:
    def imported(*args: str) -> set[str]:
        done = subprocess.run([sys.executable, "-X", "importtime", *args], input=b"", capture_output=True,
                              timeout=60)
        lines = [line for line in done.stderr.decode().splitlines() if line.startswith("import time:")]
        return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}

    extra = imported("-m", rdf_pipe.MODULE, "text/turtle", BASE) - imported("-c", "pass")
    assert "pyoxigraph" in extra
    ours = {name for name in extra if name.split(".")[0] == "harvester"}
    assert ours <= {"harvester", "harvester.sources", rdf_pipe.MODULE}
    others = {name.split(".")[0] for name in extra - ours}
    assert others - set(sys.stdlib_module_names) == {"pyoxigraph"}
    assert not others & {"subprocess", "threading", "tempfile", "logging"}  # the parent's half only


@pytest.mark.parametrize(("data", "base"), [(BROKEN["turtle-early"], BASE), (BROKEN["turtle-late"], BASE),
                                            (turtle_page(3), "not an iri")])
def test_parse_in_child_raises_pyoxigraph_s_own_exception(data: bytes, base: str) -> None:
    with pytest.raises((SyntaxError, ValueError)) as here:
        list(ox.parse(data, ox.RdfFormat.TURTLE, base_iri=base))
    chunks: list[bytes] = []
    with pytest.raises((SyntaxError, ValueError)) as there:
        rdf_pipe.parse_in_child(data, ox.RdfFormat.TURTLE, base, chunks.append)
    assert type(there.value) is type(here.value) and str(there.value) == str(here.value)
    if isinstance(here.value, SyntaxError):  # message and position (line, column, end line, end column)
        assert there.value.args == here.value.args


class FailingBody(io.BytesIO):
    """A body whose reads fail past its first MB (a disk error under the spool, say)."""

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= 1 << 20:
            raise OSError("read error past 1 MB")
        return super().read(size if size is not None and 0 <= size <= 1 << 16 else 1 << 16)


def test_body_that_cannot_be_read_fails_as_in_process_and_the_child_output_is_not_used(
        big_page: bytes, monkeypatch, children, caplog) -> None:
    monkeypatch.setattr(rdf_parse, "CHILD_PARSE_MIN_BYTES", IN_PROCESS)
    with pytest.raises(OSError, match="read error past 1 MB"):
        parse_document(FailingBody(big_page), "turtle", base_iri=BASE)
    monkeypatch.setattr(rdf_parse, "CHILD_PARSE_MIN_BYTES", 0)
    with caplog.at_level(logging.WARNING, logger=rdf_pipe.__name__):
        with pytest.raises(OSError, match="read error past 1 MB"):  # from the in-process parse that follows
            parse_document(FailingBody(big_page), "turtle", base_iri=BASE)
    assert "cannot read the body for the RDF parser process" in caplog.text
    [child] = children
    assert child.returncode == -signal.SIGKILL  # it had a document cut at 1 MB: killed, output unused
