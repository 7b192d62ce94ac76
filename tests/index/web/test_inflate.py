"""Bounded bodies and inflation: never more bytes than allowed, on the wire or inflated."""

from __future__ import annotations

import gzip
import zlib

import pytest

from index.web.inflate import InflateError, TooLargeError, inflate_limited, read_limited

TEXT = b"Harbour news from the quay. " * 200


def chunks(data: bytes, size: int = 100) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),  # zlib-wrapped, as the standard says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw, as some servers send
    ],
)
def test_read_limited_inflates_every_accepted_encoding(encoding, compress):
    assert read_limited(chunks(compress(TEXT)), encoding, len(TEXT)) == TEXT


def test_read_limited_passes_identity_bodies_through_and_caps_them_on_the_wire():
    assert read_limited(chunks(TEXT), "identity", len(TEXT)) == TEXT
    with pytest.raises(TooLargeError):
        read_limited(chunks(TEXT), "identity", len(TEXT) - 1)


def test_a_bomb_is_refused_once_the_inflated_output_passes_the_limit():
    bomb = gzip.compress(b"\0" * 10_000_000)
    assert len(bomb) < 20_000
    with pytest.raises(TooLargeError, match="after decompression"):
        read_limited(chunks(bomb, 1024), "gzip", 100_000)
    with pytest.raises(ValueError, match="larger than 100000 bytes after decompression"):
        inflate_limited(bomb, 100_000)


def test_unknown_encodings_and_corrupt_data_are_refused_with_the_reason():
    with pytest.raises(InflateError, match="unsupported Content-Encoding br"):
        read_limited([b"x"], "br", 100)
    with pytest.raises(InflateError, match="not valid compressed data"):
        read_limited([gzip.compress(TEXT)[:20] + b"garbage" * 10], "gzip", len(TEXT))
    with pytest.raises(ValueError, match="not valid compressed data"):
        inflate_limited(b"\x1f\x8b not gzip at all", 100)
