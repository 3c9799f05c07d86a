"""The aiohttp failure map is total, and only a failure to connect means "never sent"."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from service.providers.aiohttp_transport import aiohttp_failure
from service.providers.upstream import TransportFailure, UpstreamCall, transport_error

CANCEL = UpstreamCall(provider="mesh", operation="cancel_order", has_side_effects=True)
KEY = ConnectionKey("mesh.test", 443, True, True, None, None, None)
REFUSED = ConnectionRefusedError(111, "Connection refused")
REQUEST_INFO = aiohttp.RequestInfo(
    URL("https://mesh.test/api/v1/transactions/cancel"), "POST", CIMultiDictProxy(CIMultiDict())
)


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def aiohttp_failures() -> list[type[BaseException]]:
    """Every aiohttp client exception class, exported or not, and the timeouts."""
    found = {cls for cls in subclasses(aiohttp.ClientError) if cls.__module__.startswith("aiohttp")}
    return sorted({aiohttp.ClientError, TimeoutError, *found}, key=lambda cls: cls.__name__)


def built(cls: type[BaseException]) -> BaseException:
    """An instance of exactly `cls`, made with the arguments aiohttp itself passes."""
    if issubclass(cls, aiohttp.ClientConnectorCertificateError):
        return cls(KEY, ssl.SSLCertVerificationError(1, "certificate verify failed"))
    if issubclass(cls, aiohttp.client_exceptions.UnixClientConnectorError):
        return cls("/run/mesh.sock", KEY, REFUSED)
    if issubclass(cls, aiohttp.ClientConnectorError):
        return cls(KEY, REFUSED)
    if issubclass(cls, aiohttp.ClientOSError):
        return cls(104, "Connection reset by peer")
    if issubclass(cls, aiohttp.ServerFingerprintMismatch):
        return cls(b"expected", b"got", "mesh.test", 443)
    if issubclass(cls, aiohttp.ClientResponseError):
        return cls(REQUEST_INFO, (), status=502, message="Bad Gateway")
    if issubclass(cls, aiohttp.InvalidURL):
        return cls("mesh.test:notaport/api", "invalid port")
    if issubclass(cls, aiohttp.ServerDisconnectedError):
        return cls("Server disconnected")
    return cls("failed")


def test_the_walk_finds_every_exported_client_exception_and_the_connection_failures() -> None:
    found = set(aiohttp_failures())
    exported = {
        value
        for value in vars(aiohttp).values()
        if isinstance(value, type) and issubclass(value, aiohttp.ClientError)
    }

    assert found >= exported
    assert found >= {
        aiohttp.ClientConnectorError,
        aiohttp.ClientConnectorDNSError,
        aiohttp.ClientConnectorSSLError,
        aiohttp.ClientConnectorCertificateError,
        aiohttp.ClientProxyConnectionError,
        aiohttp.ConnectionTimeoutError,
        aiohttp.ServerDisconnectedError,
        aiohttp.ClientPayloadError,
        TimeoutError,
    }


def sent_for_certain_not(cls: type[BaseException]) -> bool:
    """Whether the failure can only happen while the connection is being established."""
    return issubclass(cls, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


@pytest.mark.parametrize("cls", aiohttp_failures(), ids=lambda cls: cls.__name__)
def test_every_aiohttp_failure_maps_to_a_transport_failure_that_says_whether_it_was_sent(
    cls: type[aiohttp.ClientError | TimeoutError],
) -> None:
    failure = built(cls)
    assert type(failure) is cls

    mapped = aiohttp_failure(failure)  # type: ignore[arg-type]

    assert isinstance(mapped, TransportFailure)
    assert mapped.sent != sent_for_certain_not(cls)
    assert mapped.timed_out == isinstance(failure, TimeoutError)


@pytest.mark.parametrize("cls", aiohttp_failures(), ids=lambda cls: cls.__name__)
def test_a_cancel_failing_after_the_connection_was_made_has_an_unknown_outcome(
    cls: type[aiohttp.ClientError | TimeoutError],
) -> None:
    error = transport_error(aiohttp_failure(built(cls)), CANCEL)  # type: ignore[arg-type]

    expected = "UPSTREAM_UNAVAILABLE" if sent_for_certain_not(cls) else "UPSTREAM_OUTCOME_UNKNOWN"
    assert error.reason == expected
    assert error.retryable == sent_for_certain_not(cls)
