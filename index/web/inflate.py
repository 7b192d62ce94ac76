"""Bounded bodies and gzip/deflate inflation: never more bytes than allowed, so a gzip
bomb is refused after the limit instead of filling memory.

Used by the fetcher for response bodies (``read_limited``: capped on the wire and, for
``Content-Encoding: gzip``/``deflate``, after inflation, a bounded amount at a time as
the body streams in) and for gzipped (.xml.gz) sitemaps (``inflate_limited``).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable


class TooLargeError(Exception):
    """More bytes than allowed; the message is what to add to the reason (may be "")."""


class InflateError(ValueError):
    """The data is not valid compressed data, or its encoding is not supported."""


class Inflater:
    """Incremental gzip/deflate decoding that never produces more than asked for."""

    def __init__(self, encoding: str) -> None:
        if encoding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped; raw deflate is tried on error
        else:
            raise InflateError(f"unsupported Content-Encoding {encoding}")
        self._decompressor = zlib.decompressobj(self._wbits)
        self._started = False

    def inflate(self, data: bytes, limit: int) -> bytes:
        """The output of ``data``; TooLargeError if it would exceed ``limit`` bytes."""
        try:
            output = self._decompressor.decompress(data, limit + 1)
        except zlib.error:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise InflateError("response body is not valid compressed data") from None
            self._wbits = -zlib.MAX_WBITS
            self._decompressor = zlib.decompressobj(self._wbits)
            return self.inflate(data, limit)
        self._started = True
        if len(output) > limit:
            raise TooLargeError(" after decompression")
        return output

    def finish(self, limit: int) -> bytes:
        output = self._decompressor.flush()
        if len(output) > limit:
            raise TooLargeError(" after decompression")
        return output


def read_limited(chunks: Iterable[bytes], encoding: str, max_bytes: int) -> bytes:
    """A body streamed as ``chunks`` with Content-Encoding ``encoding`` ("identity" for
    none), decoded; TooLargeError beyond ``max_bytes`` on the wire or decoded."""
    inflater = None if encoding in ("", "identity") else Inflater(encoding)
    body = bytearray()
    on_wire = 0
    for chunk in chunks:
        on_wire += len(chunk)
        if on_wire > max_bytes:
            raise TooLargeError("")
        if inflater is None:
            body += chunk
        else:
            body += inflater.inflate(chunk, max_bytes - len(body))
    if inflater is not None:
        body += inflater.finish(max_bytes - len(body))
    return bytes(body)


def inflate_limited(data: bytes, max_bytes: int) -> bytes:
    """``data`` gunzipped (for .xml.gz sitemaps), refusing output beyond ``max_bytes``.

    Raises ValueError with the reason.
    """
    inflater = Inflater("gzip")
    try:
        return inflater.inflate(data, max_bytes) + inflater.finish(max_bytes)
    except TooLargeError:
        raise ValueError(f"larger than {max_bytes} bytes after decompression") from None
    except InflateError as error:
        raise ValueError(str(error)) from None
