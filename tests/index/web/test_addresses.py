"""The address policy: which addresses may be connected to, and that the connection goes
to the address that was checked."""

from __future__ import annotations

from typing import Any

import httpcore
import pytest

from index.web.addresses import AddressNotAllowedError, PublicAddressBackend, address_problem


class RecordingBackend(httpcore.NetworkBackend):
    """Records where a connection was asked for, and makes none."""

    def __init__(self) -> None:
        self.connects: list[str] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> Any:
        self.connects.append(host)
        raise httpcore.ConnectError("recorded, not connected")


def test_connection_goes_to_the_address_that_was_checked():
    """DNS rebinding: a second, different answer is never used for a checked connection."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return next(answers)

    inner = RecordingBackend()
    backend = PublicAddressBackend(resolver=rebinding, inner=inner)

    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("news.test", 80)
    assert inner.connects == ["93.184.216.34"] and lookups == ["news.test"]
    with pytest.raises(AddressNotAllowedError):
        backend.connect_tcp("news.test", 80)
    assert inner.connects == ["93.184.216.34"]


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("10.0.0.5", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),
        ("100.64.0.1", "non-public"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:5::1", "private"),  # 6to4 around 10.0.0.5
        ("64:ff9b::a00:5", "private"),  # NAT64 around 10.0.0.5
    ],
)
def test_address_classification(address: str, problem: str | None):
    assert address_problem(address) == problem


@pytest.mark.parametrize(
    ("kind", "phrase"),
    [("unspecified", "an unspecified"), ("loopback", "a loopback"), ("private", "a private")],
)
def test_refusal_names_the_kind_of_address_with_the_right_article(kind: str, phrase: str):
    error = AddressNotAllowedError("news.test", "0.0.0.0", kind)
    assert str(error) == f"news.test resolves to {phrase} address 0.0.0.0"
