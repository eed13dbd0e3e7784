"""pyoxigraph's parse of a big RDF document in a child process, streamed back as N-Triples.

Why: for the line formats (Turtle, N-Triples, RDF/XML) ``rdf_parse`` has pyoxigraph parse the body
and re-serialise it as N-Triples, and builds its subject index from those lines in Python. Both
halves cost about the same (~1.3 s and ~1.2 s for a 49 MB Turtle dump) and pyoxigraph holds the
GIL while it works, so in one process they run one after the other. Run in a child, the parse and
the indexing overlap on a multi-core machine.

Child (``python -m harvester.sources.rdf_pipe MEDIA_TYPE BASE_IRI``): reads the document on stdin,
writes N-Triples on stdout in 1 MB writes and exits 0 when the whole document was written. A
document pyoxigraph refuses (syntax error, bad base IRI) exits ``EXIT_DOCUMENT`` with one JSON line
on stderr: the exception's class and its arguments, message and position verbatim. Any other
failure exits ``EXIT_FAILED``. The child ignores SIGINT: its parent decides when it ends. It imports
only pyoxigraph and the standard library, so that it starts in ~30 ms.

Parent (``parse_in_child``): starts the child, gives it the body (a file as its stdin, bytes
through a feeding thread) and hands stdout to a sink in large chunks while the child works. The
child is always reaped (killed when the parent fails or is interrupted). A document error comes
back as the same SyntaxError / ValueError text pyoxigraph raises in-process; when the child
cannot start, or dies or fails in any other way, the call says so (``False``) and the caller
parses in-process: the child never loses data.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import IO, TYPE_CHECKING, Callable, Optional, Union

import pyoxigraph as ox

if TYPE_CHECKING:
    import subprocess

# The parent half also needs subprocess, threading, tempfile and logging; they are imported in
# ``parse_in_child`` so that the child's start-up does not pay for them (~10 ms).

MODULE = "harvester.sources.rdf_pipe"
#: Size of the child's writes, of the parent's reads and (where the OS allows) of the pipe.
CHUNK = 1 << 20
EXIT_DOCUMENT = 65  # the document is unusable: error JSON on stderr (65: EX_DATAERR)
EXIT_FAILED = 70  # anything else (70: EX_SOFTWARE); the parent parses in-process
EXIT_USAGE = 64  # EX_USAGE
_STDERR_KEPT = 64 * 1024  # of the child's stderr, for the parent's log / error


# -- child ------------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    """The child's work: stdin (``argv[0]`` syntax, base ``argv[1]``) to N-Triples on stdout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if len(argv) != 2 or ox.RdfFormat.from_media_type(argv[0]) is None:
        _report("usage", [f"usage: python -m {MODULE} MEDIA_TYPE BASE_IRI < document > n-triples"])
        return EXIT_USAGE
    fmt = ox.RdfFormat.from_media_type(argv[0])
    try:
        with open(sys.stdin.fileno(), "rb", buffering=CHUNK, closefd=False) as source, \
                open(sys.stdout.fileno(), "wb", buffering=CHUNK, closefd=False) as out:
            ox.serialize(ox.parse(source, fmt, base_iri=argv[1] or None), out, ox.RdfFormat.N_TRIPLES)
    except SyntaxError as exc:
        _report("SyntaxError", list(exc.args))
        return EXIT_DOCUMENT
    except ValueError as exc:  # bad base IRI; str() because e.g. UnicodeDecodeError's args hold bytes
        _report("ValueError", [str(exc)])
        return EXIT_DOCUMENT
    except Exception as exc:  # noqa: BLE001 - incl. a parent that stopped reading (BrokenPipeError)
        _report(type(exc).__name__, [str(exc)])
        return EXIT_FAILED
    return 0


def _report(kind: str, args: list[object]) -> None:
    sys.stderr.write(json.dumps({"error": kind, "args": args}, default=str) + "\n")
    sys.stderr.flush()


# -- parent -----------------------------------------------------------------------------------------------

def parse_in_child(body: Union[bytes, IO[bytes]], fmt: ox.RdfFormat, base_iri: str,
                   sink: Callable[[bytes], object]) -> bool:
    """Parse ``body`` in a child process, giving ``sink`` the N-Triples as they come.

    ``body``: bytes, or a seekable binary file (read from its start; a real file is the child's
    stdin, anything else is copied into a pipe by a thread). True: the child wrote the whole
    document. False: it could not start, died or failed other than on the document (logged as a
    warning): ``sink`` may have had part of the output, discard it and parse in-process. Raises
    SyntaxError / ValueError with pyoxigraph's own text when the document (or base IRI) is bad,
    and whatever ``sink`` raises (the child is killed first).
    """
    import logging
    import subprocess
    import tempfile
    import threading

    logger = logging.getLogger(__name__)
    stdin = _file_number(body)
    try:
        errors = tempfile.TemporaryFile(prefix="harvester-rdf-pipe-")  # stderr: never fills up and blocks it
    except OSError as exc:
        logger.warning("%s: cannot start the RDF parser process (%s); parsing in-process", base_iri, exc)
        return False
    with errors:
        try:
            if stdin is not None:
                body.seek(0)  # type: ignore[union-attr]  # the child reads from the shared offset
            child = subprocess.Popen([sys.executable, "-P", "-m", MODULE, fmt.media_type, base_iri],
                                     stdin=subprocess.PIPE if stdin is None else stdin,
                                     stdout=subprocess.PIPE, stderr=errors, bufsize=0, env=child_env())
        except (OSError, ValueError, subprocess.SubprocessError) as exc:  # ValueError: NUL in the base IRI
            logger.warning("%s: cannot start the RDF parser process (%s); parsing in-process", base_iri, exc)
            return False
        feeder = None
        try:
            if stdin is None:
                feeding = _Feeder(child, body)
                threading.Thread(target=feeding.run, name="rdf-pipe-feed", daemon=True).start()
                feeder = feeding  # only once it runs: ``finally`` waits for it
            widen_pipe(child.stdout.fileno())  # type: ignore[union-attr]
            read = child.stdout.read  # type: ignore[union-attr]
            while chunk := read(CHUNK):
                sink(chunk)
            code = child.wait()
        finally:
            if child.returncode is None:  # the sink failed or we were interrupted
                child.kill()
                child.wait()
            child.stdout.close()  # type: ignore[union-attr]
            if feeder is not None:
                feeder.done.wait()  # at once: the child has ended, so its stdin has no reader
        if feeder is not None and feeder.error is not None:  # the child may have seen a cut document
            logger.warning("%s: cannot read the body for the RDF parser process (%r); parsing in-process",
                           base_iri, feeder.error)
            return False
        if code == 0:
            return True
        text = stderr_text(errors)
    error = _document_error(text) if code == EXIT_DOCUMENT else None
    if error is not None:
        raise error
    logger.warning("%s: the RDF parser process failed (%s%s); parsing in-process", base_iri, exit_cause(code),
                   f": {text.splitlines()[-1]}" if text else "")
    return False


def stderr_text(errors: IO[bytes]) -> str:
    """What a child wrote to its stderr file (the first 64 KB), as text."""
    errors.seek(0)
    return errors.read(_STDERR_KEPT).decode("utf-8", "replace").strip()


def exit_cause(code: int) -> str:
    """A child's exit status in words (a negative status is the signal that killed it)."""
    return f"killed by signal {-code}" if code < 0 else f"exit status {code}"


def child_env() -> dict[str, str]:
    """This process's environment, with the directory this ``harvester`` package was imported from
    first on PYTHONPATH: the child runs the same code even when the package is not installed
    (e.g. started from a checkout). ``-P`` keeps the working directory off its path, so that no file
    there can shadow a module it imports."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + os.pathsep + path if path else root}


def _file_number(body: Union[bytes, IO[bytes]]) -> Optional[int]:
    """The OS file descriptor of a real file body, else None."""
    if isinstance(body, bytes):
        return None
    try:
        return body.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError and ValueError
        return None


class _Feeder:
    """Copies the body into the child's stdin, then closes it (``run`` in a thread: the GIL is free
    while it waits on the pipe). A broken pipe means the child ended early, which the parent sees in
    its exit status; any other failure is kept in ``error`` and kills the child, whose output (of a
    document cut short) must not be used."""

    def __init__(self, child: "subprocess.Popen[bytes]", body: Union[bytes, IO[bytes]]) -> None:
        import threading

        self.child, self.body = child, body
        self.error: Optional[BaseException] = None
        self.done = threading.Event()

    def run(self) -> None:
        pipe = self.child.stdin
        assert pipe is not None
        try:
            if isinstance(self.body, bytes):
                self._write(pipe, self.body)
            else:
                self.body.seek(0)
                while block := self.body.read(CHUNK):
                    self._write(pipe, block)
        except BrokenPipeError:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported by the parent
            self.error = exc
            self.child.kill()
        finally:
            try:
                pipe.close()
            except OSError:
                pass
            self.done.set()

    @staticmethod
    def _write(pipe: IO[bytes], data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[pipe.write(view):]


def widen_pipe(fd: int) -> None:
    """Let the child run up to CHUNK ahead of the reader (default pipes hold 64 KB); best effort."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, CHUNK)
    except (ImportError, AttributeError, OSError):
        pass


def _document_error(text: str) -> Optional[Exception]:
    """The SyntaxError / ValueError the child reported, rebuilt with the same arguments (None when
    its report cannot be read: the caller then parses in-process, which raises the real error)."""
    try:
        report = json.loads(text.splitlines()[-1])
        kind, args = report["error"], list(report["args"])
    except (ValueError, IndexError, KeyError, TypeError):
        return None
    if kind not in ("SyntaxError", "ValueError"):
        return None
    if kind == "SyntaxError":
        if len(args) == 2 and isinstance(args[1], list):
            args[1] = tuple(args[1])  # (filename, line, column, text, end line, end column)
        return SyntaxError(*args)
    return ValueError(*args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
