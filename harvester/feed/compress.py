"""gzip content coding for feed responses (RFC 9110 §8.4.1.3).

Pages are cached gzip-compressed (a Turtle page of 100 datasets shrinks about ten times), so a client
that accepts gzip gets the cached bytes as they are and one that does not gets them inflated on the
fly, chunk by chunk. Streams (full dumps) are compressed as they are produced, with a sync flush
every ``FLUSH_EVERY`` input bytes so the client sees progress and memory stays flat.

Failure behaviour: ``gunzip_chunks`` raises ``zlib.error`` on corrupt input (only our own cache feeds
it, so that would be a bug); the generators close the stream they wrap when they are closed.
"""

from __future__ import annotations

import zlib
from typing import Iterable, Iterator, Optional

#: Bodies smaller than this are sent uncompressed (gzip would save little and cost a header).
MIN_SIZE = 512
#: zlib level for cached pages (compressed once, served many times) and for streams.
PAGE_LEVEL = 6
STREAM_LEVEL = 4
FLUSH_EVERY = 256 * 1024
CHUNK = 64 * 1024
_GZIP_WBITS = 31  # 16 + MAX_WBITS: gzip header and trailer


def accepts_gzip(header: Optional[str]) -> bool:
    """True when an ``Accept-Encoding`` value allows gzip (``gzip``, ``x-gzip`` or ``*`` with q > 0)."""
    if not header:
        return False
    star: Optional[bool] = None
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        name = name.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            star = q > 0
    return bool(star)


def gzip_bytes(data: bytes, level: int = PAGE_LEVEL) -> bytes:
    """One gzip member holding ``data``."""
    comp = zlib.compressobj(level, zlib.DEFLATED, _GZIP_WBITS)
    return comp.compress(data) + comp.flush()


def gunzip_chunks(data: bytes, chunk: int = CHUNK) -> Iterator[bytes]:
    """Inflate gzip ``data`` in pieces of at most ``chunk`` input bytes."""
    inflater = zlib.decompressobj(_GZIP_WBITS)
    for start in range(0, len(data), chunk):
        out = inflater.decompress(data[start:start + chunk])
        if out:
            yield out
    tail = inflater.flush()
    if tail:
        yield tail


def gzip_stream(chunks: Iterable[bytes], level: int = STREAM_LEVEL) -> Iterator[bytes]:
    """Compress a stream of chunks into one gzip member, yielding compressed pieces as they fill.

    Closing the generator closes ``chunks`` (so a database cursor behind it is released when the
    client goes away).
    """
    comp = zlib.compressobj(level, zlib.DEFLATED, _GZIP_WBITS)
    pending = 0
    source = iter(chunks)
    try:
        for piece in source:
            out = comp.compress(piece)
            pending += len(piece)
            if pending >= FLUSH_EVERY:
                out += comp.flush(zlib.Z_SYNC_FLUSH)
                pending = 0
            if out:
                yield out
        yield comp.flush()
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
