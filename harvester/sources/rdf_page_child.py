"""A big RDF page read in a child process: parsed, cut into dataset records and streamed back.

Why: after a big catalogue page is parsed, cutting it into records (``rdf_split``: each dataset's
subgraph, blank nodes labelled by content hash, canonical N-Triples; ~80 µs per dataset) and mapping
those records (~150 µs each) take turns on one core of the job's process. In a child, the cut runs
on another core while the job maps the records already cut: on a 2-CPU machine a 10,000-dataset
Turtle dump is gathered, read and mapped in about 0.8 of the time (``bench/bench_dcat_parse.py``).
The parse itself is unchanged: inside the child, ``rdf_parse`` still overlaps pyoxigraph (in its own
``rdf_pipe`` child) with the building of the index.

Child (``python -P -m harvester.sources.rdf_page_child JOB_FD``): reads the body on stdin and the job
(a pickled ``PageJob``) from file descriptor ``JOB_FD``; writes pickled frames on stdout:
``("page", PageHeader)`` once the document is parsed, then ``("records", [record tuple, ...])``
batches in the splitter's order, then ``("end", count)``, and exits 0 (each frame is its length in
8 bytes, then the pickle). A document that cannot be
used gives ``("error", message)`` (the ``RdfError`` text the job would have raised itself) and exit
``EXIT_DOCUMENT``; anything else exits ``EXIT_FAILED`` with a traceback on stderr.

Parent (``ChildPage.start``): starts the child on the spooled body, waits for the header and then
yields ``DatasetRecord``s as they come. The child is always reaped (killed when the consumer stops
early, fails or is interrupted). Nothing is lost when the child fails: before the header the caller
parses in-process (``start`` returns None, logged as a warning); after it, the page is parsed
in-process from the spool (which the ``ChildPage`` keeps open for that) and the records the child
had not delivered follow from there, in the same order (the cut is deterministic).
"""

from __future__ import annotations

import logging
import pickle
import struct
import sys
from dataclasses import dataclass, field
from typing import IO, Any, Iterator, Optional

from harvester.sources.rdf_parse import RdfError, parse_document
from harvester.sources.rdf_pipe import (CHUNK, EXIT_DOCUMENT, EXIT_FAILED, child_env, exit_cause, stderr_text,
                                        widen_pipe)
from harvester.sources.rdf_split import WATCH, CatalogDefaults, DatasetRecord, Splitter

logger = logging.getLogger(__name__)

MODULE = "harvester.sources.rdf_page_child"
#: Records per frame: ~200 KB of rich DCAT records, so the job gets its first records early.
BATCH = 16
#: A frame on the child's stdout: its length (8 bytes, big-endian), then the pickled ``(kind, value)``.
_LENGTH = struct.Struct(">Q")


@dataclass(frozen=True)
class PageJob:
    """What the child needs to read one page the way ``DcatRdfSource`` would in-process."""

    fmt: str
    base_iri: str
    charset: Optional[str]
    source_url: str  # the base of blank-node datasets' skolem IRIs
    include_series: bool
    max_triples: int
    fallback: CatalogDefaults = field(default_factory=CatalogDefaults)  # an earlier page's defaults

    def splitter(self, body: IO[bytes]) -> Splitter:
        """This page's Splitter, in this process. Raises RdfError."""
        graph = parse_document(body, self.fmt, base_iri=self.base_iri, charset=self.charset, watch=WATCH)
        return Splitter(graph, base=self.source_url, include_series=self.include_series,
                        max_triples=self.max_triples)


@dataclass(frozen=True)
class PageHeader:
    """The document-level facts of a page, sent before its records."""

    next_links: list[str]
    defaults: CatalogDefaults  # the page's own catalogue defaults
    datasets: int


# -- child ------------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    """The child's work (see module docstring)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the child ends
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if len(argv) != 1 or not argv[0].isdigit():
        sys.stderr.write(f"usage: python -m {MODULE} JOB_FD < document > frames\n")
        return 64
    try:
        return _serve(int(argv[0]))
    except Exception:  # noqa: BLE001 - incl. a parent that stopped reading (BrokenPipeError)
        import traceback

        traceback.print_exc()
        return EXIT_FAILED


def _serve(job_fd: int) -> int:
    with open(job_fd, "rb") as fh:
        job: PageJob = pickle.load(fh)
    with open(sys.stdout.fileno(), "wb", buffering=CHUNK, closefd=False) as out:
        widen_pipe(out.fileno())
        with open(sys.stdin.fileno(), "rb", closefd=False) as body:
            try:
                splitter = job.splitter(body)
            except RdfError as exc:
                _frame(out, ("error", str(exc)))
                return EXIT_DOCUMENT
        _frame(out, ("page", PageHeader(splitter.next_links(), splitter.catalog_defaults(),
                                        len(splitter.datasets))))
        batch: list[tuple[Any, ...]] = []
        count = 0
        for record in splitter.records(job.fallback):
            batch.append(_pack(record))
            count += 1
            if len(batch) == BATCH:
                _frame(out, ("records", batch))
                batch = []
        if batch:
            _frame(out, ("records", batch))
        _frame(out, ("end", count))
    return 0


def _frame(out: IO[bytes], frame: tuple[str, Any]) -> None:
    data = pickle.dumps(frame, pickle.HIGHEST_PROTOCOL)
    out.write(_LENGTH.pack(len(data)))
    out.write(data)
    out.flush()  # a frame is sent whole and at once: the job may be waiting for it


def _pack(record: DatasetRecord) -> tuple[Any, ...]:
    return (record.remote_id, record.focus, record.payload, record.modified, record.id_is_fallback,
            record.triples, record.truncated, record.terms)


def _unpack(values: tuple[Any, ...]) -> DatasetRecord:
    remote_id, focus, payload, modified, fallback, triples, truncated, terms = values
    return DatasetRecord(remote_id=remote_id, focus=focus, payload=payload, modified=modified,
                         id_is_fallback=fallback, triples=triples, truncated=truncated, terms=terms)


# -- parent -----------------------------------------------------------------------------------------------

class ChildPage:
    """A page read by a child process; for the source it stands in for a ``Splitter``."""

    def __init__(self, child: Any, errors: IO[bytes], spool: IO[bytes], job: PageJob, header: PageHeader) -> None:
        self._child, self._errors, self._spool = child, errors, spool
        self.job = job
        self.header = header
        self.datasets = header.datasets  # a count (a list in Splitter): what the source asks is "any?"

    def next_links(self) -> list[str]:
        """As ``Splitter.next_links``."""
        return self.header.next_links

    def catalog_defaults(self) -> CatalogDefaults:
        """As ``Splitter.catalog_defaults()`` (the page's own defaults)."""
        return self.header.defaults

    @classmethod
    def start(cls, spool: IO[bytes], job: PageJob) -> Optional["ChildPage"]:
        """Start the child on ``spool`` (a real file; this call takes it over and closes it unless it
        returns None) and wait until the page is parsed. None: no child (it could not start or failed
        before the header; logged): parse in-process. Raises RdfError for an unusable document."""
        import subprocess
        import tempfile

        errors = None
        try:
            errors = tempfile.TemporaryFile(prefix="harvester-rdf-page-")  # stderr: never fills up and blocks it
            with tempfile.TemporaryFile(prefix="harvester-rdf-job-") as job_file:
                pickle.dump(job, job_file, pickle.HIGHEST_PROTOCOL)
                job_file.seek(0)
                spool.seek(0)  # the child reads from the shared offset
                child = subprocess.Popen([sys.executable, "-P", "-m", MODULE, str(job_file.fileno())],
                                         stdin=spool, stdout=subprocess.PIPE, stderr=errors, bufsize=CHUNK,
                                         pass_fds=(job_file.fileno(),), env=child_env())
        except (OSError, ValueError, subprocess.SubprocessError, pickle.PicklingError) as exc:
            if errors is not None:
                errors.close()
            logger.warning("%s: cannot start the RDF page process (%s); reading the page in-process",
                           job.base_iri, exc)
            return None
        page = None
        try:
            kind, value = _read_frame(child)
            if kind == "error":
                _reap(child, finishing=True)  # it exits right after its error frame
                raise RdfError(value)
            if kind == "page":
                page = cls(child, errors, spool, job, value)
                return page
            _failed(child, errors, job, f"unexpected {kind!r} frame" if kind else None)
            return None
        finally:
            if page is None:
                _reap(child)
                errors.close()

    def records(self, fallback: Optional[CatalogDefaults] = None) -> Iterator[DatasetRecord]:
        """The page's records in the splitter's order. ``fallback`` must be the job's ``fallback`` (the
        child has used it already). If the child fails, the rest come from an in-process reading."""
        delivered = 0
        try:
            while True:
                kind, value = _read_frame(self._child)
                if kind == "records":
                    for values in value:
                        delivered += 1
                        yield _unpack(values)
                    continue
                if kind == "end" and value == delivered and self._child.wait() == 0:
                    _relay(self._errors, self.job)
                    return
                break
            _failed(self._child, self._errors, self.job, None if kind is None else f"{kind!r} after "
                    f"{delivered} of {self.datasets} records")
            yield from self._rest(delivered)
        finally:
            self.close()

    def _rest(self, delivered: int) -> Iterator[DatasetRecord]:
        """The records after the first ``delivered``, from a reading of the page here. Raises RdfError
        if that reading fails (the child's did not: it would take a parser that changes its mind)."""
        splitter = self.job.splitter(self._spool)  # the child read the same bytes without error
        records = splitter.records(self.job.fallback)
        for _ in range(delivered):
            next(records, None)
        yield from records

    def close(self) -> None:
        """Stop and reap the child and drop the spool (idempotent)."""
        _reap(self._child)
        self._errors.close()
        self._spool.close()


def _read_frame(child: Any) -> tuple[Optional[str], Any]:
    """The next frame; (None, None) when the child's output ended or broke off."""
    try:
        # One read of the whole frame, then ``loads``: ``pickle.load`` on the pipe reads piecemeal
        # and took twice as long.
        head = child.stdout.read(_LENGTH.size)
        if len(head) < _LENGTH.size:
            return None, None
        (size,) = _LENGTH.unpack(head)
        data = child.stdout.read(size)
        if len(data) < size:
            return None, None
        kind, value = pickle.loads(data)
    except (OSError, pickle.UnpicklingError, ValueError, TypeError, EOFError):
        return None, None
    return kind, value


def _reap(child: Any, *, finishing: bool = False) -> None:
    """Make sure the child has ended and is waited for (``finishing``: it is about to exit by itself)."""
    if finishing:
        try:
            child.wait(timeout=5)
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: killed below
            pass
    if child.returncode is None and child.poll() is None:
        child.kill()
        child.wait()
    if not child.stdout.closed:
        child.stdout.close()


def _failed(child: Any, errors: IO[bytes], job: PageJob, what: Optional[str]) -> None:
    """Log why the child did not finish the page (what went wrong, its exit status, its last stderr line)."""
    _reap(child)
    text = stderr_text(errors)
    last = f": {text.splitlines()[-1]}" if text else ""
    logger.warning("%s: the RDF page process failed (%s%s%s); reading the page in-process", job.base_iri,
                   f"{what}; " if what else "", exit_cause(child.returncode), last)


def _relay(errors: IO[bytes], job: PageJob) -> None:
    """Pass on what the child logged (e.g. its own parser process falling back) to this job's log."""
    for line in stderr_text(errors).splitlines():
        logger.warning("%s: RDF page process: %s", job.base_iri, line)


if __name__ == "__main__":
    # Run the module's importable copy: what it pickles must name ``rdf_page_child``, not ``__main__``.
    from harvester.sources import rdf_page_child

    sys.exit(rdf_page_child.main(sys.argv[1:]))
