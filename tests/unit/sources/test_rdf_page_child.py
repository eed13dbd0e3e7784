"""Big pages read in a child process (``rdf_page_child``: parse and cut into records there) give
exactly what the in-process reading gives: the same refs in the same order, byte for byte, the same
issues and the same errors; a child that cannot start, fails or is killed, before or after it has
sent records, costs an in-process reading of the rest, never a record; a listing that stops early
stops the child."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harvester.errors import SourceProtocolError
from harvester.sources import dcat_rdf, rdf_page_child
from tests.unit.sources.test_dcat_rdf import EXPECTED, MEDIA, _hydra_page, ctx, make
from tests.unit.sources.test_dcat_rdf_tempfile import turtle_page

IN_PROCESS = 1 << 62  # threshold no body reaches
#: Datasets of a page whose records (~6.6 MB of frames) cannot all wait in the pipe (1 MB) and the
#: parent's read buffer (1 MB): its child is still writing when the first frame is read.
BIG = 3000


def listing(monkeypatch: pytest.MonkeyPatch, url: str, threshold: int, options: dict[str, Any] | None = None,
            **kw: Any) -> tuple[Any, ...]:
    """(refs as comparable tuples, issues, complete) of gathering ``url``, or the error's text."""
    monkeypatch.setattr(dcat_rdf, "PAGE_CHILD_MIN_BYTES", threshold)
    context = ctx(**kw)
    try:
        refs = list(make(url, **(options or {})).gather(context))
    except SourceProtocolError as exc:
        return (f"SourceProtocolError: {exc}",)
    rows = [(r.remote_id, r.payload, r.modified, r.url, r.media_type, r.meta, r.id_is_fallback, r.parsed)
            for r in refs]
    return rows, [(i.code, i.message) for i in context.issues], context.complete


def compare(monkeypatch: pytest.MonkeyPatch, children: list[subprocess.Popen], url: str, **kw: Any) -> tuple:
    here = listing(monkeypatch, url, IN_PROCESS, **kw)
    assert children == []
    there = listing(monkeypatch, url, 0, **kw)
    assert children and all(c.returncode is not None for c in children)  # reaped
    assert _stable(there) == _stable(here)
    return here


def _stable(outcome: tuple[Any, ...]) -> tuple[Any, ...]:
    """pyoxigraph names the first of several inconsistent JSON-LD terms it meets, in an order that
    changes from one process to the next (a hash map's): that name is not compared."""
    if isinstance(outcome[0], str):
        return (re.sub(r"Inconsistent expansion of \S+ between \S+ and \S+", "Inconsistent expansion", outcome[0]),)
    return outcome


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_sample_gives_the_same_listing_from_a_child(name: str, http_server, shared_data: Path,
                                                          monkeypatch, children) -> None:
    path = shared_data / "dcat_rdf" / name
    http_server.add_file("/catalog" + path.suffix, path, MEDIA[path.suffix])
    here = compare(monkeypatch, children, http_server.url("/catalog" + path.suffix))
    expected = EXPECTED[name]
    if isinstance(expected, str):
        assert expected in here[0] and children[0].returncode == rdf_page_child.EXIT_DOCUMENT
    else:
        assert len(here[0]) == expected and children[0].returncode == 0


def test_big_paged_catalogue_with_inheritance_gives_the_same_listing(http_server, monkeypatch, children) -> None:
    # page 1 names the publisher; pages 2 and 3 inherit it (the child is given page 1's defaults)
    http_server.add("/catalog", _hydra_page(http_server, 1, 2, [f"a{i}" for i in range(40)], publisher=True),
                    query={"page": "1"}, content_type="text/turtle")
    http_server.add("/catalog", _hydra_page(http_server, 2, 3, [f"b{i}" for i in range(40)]), query={"page": "2"},
                    content_type="text/turtle")
    http_server.add("/catalog", _hydra_page(http_server, 3, None, ["c"]), query={"page": "3"},
                    content_type="text/turtle")
    rows, issues, complete = compare(monkeypatch, children, http_server.url("/catalog?page=1"))
    assert len(rows) == 81 and complete and not issues and len(children) == 3
    assert all(b"org/kominfo" in payload for _, payload, *_ in rows)


def test_duplicate_and_truncated_records_give_the_same_issues(http_server, monkeypatch, children) -> None:
    keywords = ", ".join(f'"kata {i}"' for i in range(150))
    body = turtle_page(30).decode() + f"""
[] a dcat:Dataset ; dct:identifier "X" ; dct:title "one" .
[] a dcat:Dataset ; dct:identifier "X" ; dct:title "two" .
<http://example.go.id/ds/big> a dcat:Dataset ; dct:title "big" ; dcat:keyword {keywords} .
"""
    http_server.add("/catalog", body.encode(), content_type="text/turtle")
    rows, issues, complete = compare(monkeypatch, children, http_server.url("/catalog"),
                                     options={"max_triples_per_dataset": 100})
    assert len(rows) == 32 and complete
    assert sorted(code for code, _ in issues) == ["GATHER-DUPLICATE-ID", "RDF-SUBGRAPH-TRUNCATED"]


def test_limit_stops_the_child_and_lists_no_more(http_server, monkeypatch, children) -> None:
    http_server.add("/catalog", turtle_page(500), content_type="text/turtle")
    rows, _, complete = compare(monkeypatch, children, http_server.url("/catalog"), max_items=3)
    assert len(rows) == 3 and not complete
    assert children[0].returncode in (0, -signal.SIGKILL)  # done already, or stopped


@pytest.mark.parametrize("when", ["before the header", "after some records"])
def test_child_killed_midway_costs_an_in_process_reading_of_the_rest(when: str, http_server, monkeypatch, children,
                                                                    caplog) -> None:
    http_server.add("/catalog", turtle_page(BIG), content_type="text/turtle")
    here = listing(monkeypatch, http_server.url("/catalog"), IN_PROCESS)
    killed: list[int] = []
    original = rdf_page_child._read_frame

    def read_frame(child: Any) -> tuple[Any, Any]:
        frame = original(child)
        if not killed and (when == "before the header" or frame[0] == "records"):
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            killed.append(child.pid)
            if when == "before the header":
                return None, None  # as if it died before writing the header
        return frame

    monkeypatch.setattr(rdf_page_child, "_read_frame", read_frame)
    with caplog.at_level(logging.WARNING, logger=rdf_page_child.__name__):
        there = listing(monkeypatch, http_server.url("/catalog"), 0)
    assert there == here and killed and len(here[0]) == BIG
    assert "killed by signal 9" in caplog.text and "reading the page in-process" in caplog.text


@pytest.mark.parametrize("breakage", ["no interpreter", "no module"])
def test_child_that_cannot_run_costs_an_in_process_reading(breakage: str, http_server, monkeypatch, children,
                                                           caplog) -> None:
    http_server.add("/catalog", turtle_page(50), content_type="text/turtle")
    here = listing(monkeypatch, http_server.url("/catalog"), IN_PROCESS)
    if breakage == "no interpreter":
        monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    else:
        monkeypatch.setattr(rdf_page_child, "MODULE", "harvester.sources.no_such_module")
    with caplog.at_level(logging.WARNING, logger=rdf_page_child.__name__):
        assert listing(monkeypatch, http_server.url("/catalog"), 0) == here
    assert "reading the page in-process" in caplog.text
    if breakage == "no module":
        assert children[0].returncode == 1 and "No module named" in caplog.text


def test_only_pages_over_the_threshold_go_to_a_child(http_server, monkeypatch, children) -> None:
    assert dcat_rdf.PAGE_CHILD_MIN_BYTES >= 1 << 20  # small pages stay in-process
    data = turtle_page(10)
    http_server.add("/catalog", data, content_type="text/turtle")
    listing(monkeypatch, http_server.url("/catalog"), len(data))
    assert children == []
    listing(monkeypatch, http_server.url("/catalog"), len(data) - 1)
    assert len(children) == 1


def test_child_protocol_frames_and_document_error(tmp_path: Path) -> None:
    """The child on its own: a job file and a body give page, records and end frames; a broken body one
    error frame and EXIT_DOCUMENT; a job it cannot read EXIT_FAILED."""
    import pickle

    def run(body: bytes, job_bytes: bytes | None = None) -> tuple[int, list[tuple[str, Any]]]:
        job = tmp_path / "job"
        job.write_bytes(job_bytes or pickle.dumps(rdf_page_child.PageJob("turtle", "http://example.go.id/", None,
                                                                         "http://example.go.id/", True, 50_000)))
        (tmp_path / "body").write_bytes(body)
        with open(job, "rb") as job_fh, open(tmp_path / "body", "rb") as body_fh:
            proc = subprocess.run([sys.executable, "-m", rdf_page_child.MODULE, str(job_fh.fileno())],
                                  stdin=body_fh, capture_output=True, pass_fds=(job_fh.fileno(),), timeout=60)
        frames, data = [], proc.stdout
        while data:
            size = int.from_bytes(data[:8], "big")
            frames.append(pickle.loads(data[8:8 + size]))
            data = data[8 + size:]
        return proc.returncode, frames

    code, frames = run(turtle_page(40))
    assert code == 0 and [f[0] for f in frames] == ["page"] + ["records"] * 3 + ["end"]
    assert frames[0][1].datasets == 40 and frames[-1][1] == 40
    assert [len(f[1]) for f in frames[1:-1]] == [16, 16, 8]
    code, frames = run(b"<http://example.go.id/x> <http://example.go.id/p> .\n")
    assert code == rdf_page_child.EXIT_DOCUMENT and frames[0][0] == "error" and "line" in frames[0][1]
    code, frames = run(turtle_page(2), job_bytes=b"not a pickle")
    assert code == rdf_page_child.EXIT_FAILED and frames == []


def test_page_that_fails_here_after_the_child_died_is_a_page_error(http_server, monkeypatch, children) -> None:
    """The in-process reading of the rest cannot fail where the child's did not, short of a parser that
    changes its mind; if it does, it is the page's error (the listing is not complete), not a crash."""
    http_server.add("/catalog", turtle_page(BIG), content_type="text/turtle")
    original = rdf_page_child._read_frame

    def read_frame(child: Any) -> tuple[Any, Any]:
        frame = original(child)
        if frame[0] == "records" and child.returncode is None:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        return frame

    def refuse(job: Any, body: Any) -> Any:
        raise rdf_page_child.RdfError("Parser error at line 7: changed its mind")

    monkeypatch.setattr(rdf_page_child, "_read_frame", read_frame)
    monkeypatch.setattr(rdf_page_child.PageJob, "splitter", refuse)
    outcome = listing(monkeypatch, http_server.url("/catalog"), 0)
    assert outcome == ("SourceProtocolError: source 'prov': cannot read turtle page: Parser error at line 7: "
                       f"changed its mind ({http_server.url('/catalog')})",)
