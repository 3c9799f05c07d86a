"""Where upstream failures become gateway errors.

Every adapter sends its HTTP requests through `UpstreamHttp.send`, which maps transport
failures (`transport_error`), and builds its error replies with `upstream_error`, which
applies the one rule that depends on side effects: a failure after a side-effecting request
may have reached the upstream is reported as an unknown outcome, never as retryable.

`UpstreamHttp` sends through a `Transport`: `Http1Transport` in production (the gateway's own
HTTP/1.1 client), `AiohttpTransport` (`AGGREGATOR_HTTP_TRANSPORT=aiohttp`), `HttpxTransport`
(tests' `MockTransport`, and `AGGREGATOR_HTTP_TRANSPORT=httpx`). Each turns its library's
failures into one `TransportFailure`, which says whether any byte of the request may have
left; `transport_error` is the one map from that to a gateway error.

What an upstream says is untrusted: it may repeat the caller's token or MFA code, or the
gateway's own credentials. `upstream_error` and `restated` scrub every text they are given,
so no error carries a secret into a status, a portfolio entry or a log line.
"""

from __future__ import annotations

import dataclasses
import email.utils
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from google.protobuf.message import Message

from service.core import rpc_context
from service.core.envelope import Envelope, EnvelopeStatus
from service.core.errors import (
    CircuitOpen,
    DeadlineExceeded,
    UpstreamBadResponse,
    UpstreamContext,
    UpstreamError,
    UpstreamFailedPrecondition,
    UpstreamNotFound,
    UpstreamOutcomeUnknown,
    UpstreamPermissionDenied,
    UpstreamRateLimited,
    UpstreamRejectedRequest,
    UpstreamUnavailable,
)
from service.core.rpc_context import within_deadline
from service.observability import metrics
from service.observability.redaction import scrub, scrub_json

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpstreamCall:
    """One upstream operation, as errors and logs name it."""

    provider: str
    operation: str
    has_side_effects: bool = False
    check_before_retrying: str = "check the order's status"
    """What a caller should look at when a side effect may have happened, for messages."""


@dataclass(slots=True)
class HttpRequest:
    """One HTTP request as it will be sent: built once per attempt, never re-parsed."""

    method: str
    origin: str
    """Scheme, host and port: `https://api.example.com`."""
    target: str
    """The path and query, already percent-encoded, exactly as they go on the request line."""
    headers: dict[str, str]
    body: bytes | None = None

    @property
    def url(self) -> str:
        return self.origin + self.target

    @classmethod
    def to(
        cls, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> HttpRequest:
        """A request to `url`, which is already encoded (not for the hot path: it parses)."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        return cls(method, f"{parts.scheme}://{parts.netloc}", target, headers, body)


Headers = Mapping[str, str]
"""Response headers, looked up case-insensitively."""


@dataclass(frozen=True)
class UpstreamResponse:
    """An upstream's answer, read whole."""

    status_code: int
    headers: Headers
    body: bytes


class TransportFailure(Exception):
    """An exchange that failed below HTTP, and whether any byte of the request may have left.

    `sent` is False only when the failure can only happen before the request is written
    (establishing the connection, waiting for a pooled one): then even a cancel may be sent
    again. The cause is the library's own exception.
    """

    def __init__(self, *, sent: bool, timed_out: bool) -> None:
        super().__init__("sent" if sent else "never sent")
        self.sent = sent
        self.timed_out = timed_out


class ResponseTooLarge(Exception):
    """The body went past the cap; reading stopped there."""

    def __init__(self, status_code: int) -> None:
        super().__init__(status_code)
        self.status_code = status_code


class Transport(Protocol):
    """One HTTP exchange: no redirects followed, the body read up to `max_body_bytes`
    (`ResponseTooLarge` past it), failures raised as `TransportFailure`."""

    async def exchange(
        self, request: HttpRequest, max_body_bytes: int
    ) -> tuple[int, Headers, bytes]: ...

    async def aclose(self) -> None: ...


_RETRYABLE_HTTP_STATUSES = frozenset({502, 503, 504})


def transport_error(failure: TransportFailure, call: UpstreamCall) -> UpstreamError:
    """Map a transport failure to a gateway error."""
    if not failure.sent:
        return UpstreamUnavailable(
            f"Could not connect to {call.provider}; the request was not sent.",
            UpstreamContext(call.provider, call.operation),
            retryable=True,
        )
    if failure.timed_out:
        description = f"{call.provider} did not answer in time"
    else:
        description = f"the connection to {call.provider} failed"
    return upstream_error(UpstreamUnavailable, f"{description.capitalize()}.", call)


def upstream_error(
    kind: type[UpstreamError],
    message: str,
    call: UpstreamCall,
    *,
    http_status: int | None = None,
    envelope: Envelope | None = None,
    retry_after_seconds: float | None = None,
    upstream_request_id: str = "",
) -> UpstreamError:
    """Build the error of a failed upstream call that may have reached the upstream.

    Reads are retryable after a connection failure, 502, 503, 504 or `serverFailure`; a
    side effect that may have reached the upstream never is, and its outcome is unknown.
    `message` and `envelope` may quote the upstream: both are scrubbed of secrets.
    """
    message = scrub(message)
    envelope = scrubbed_envelope(envelope or Envelope())
    context = UpstreamContext(
        call.provider,
        call.operation,
        http_status,
        envelope,
        upstream_request_id=scrub(upstream_request_id),
    )
    if kind is UpstreamUnavailable and call.has_side_effects:
        return UpstreamOutcomeUnknown(
            f"{message} The request may have reached {call.provider}, so its outcome is not "
            f"known: {call.check_before_retrying} before trying again.",
            context,
        )
    if kind is UpstreamBadResponse and call.has_side_effects:
        message += (
            f" The request reached {call.provider}, so {call.check_before_retrying} before "
            "trying again."
        )
    if kind is UpstreamRateLimited:
        return UpstreamRateLimited(message, context, retry_after_seconds)
    retryable = kind is UpstreamUnavailable and (
        http_status is None
        or http_status in _RETRYABLE_HTTP_STATUSES
        or envelope.status is EnvelopeStatus.SERVER_FAILURE
    )
    return kind(message, context, retryable=retryable)


def restated(error: UpstreamError, message: str) -> UpstreamError:
    """`error` with `message` instead: the same kind and context, and not retryable.

    Errors are immutable, so this is how an error is given more context on its way up (such
    as a token endpoint failure that is remembered for a back-off). A rate limit keeps its
    `Retry-After`, which the retry policy honours whatever `retryable` says.
    """
    message = scrub(message)
    if isinstance(error, CircuitOpen):
        return CircuitOpen(message, error.context, error.retry_after_seconds)
    if isinstance(error, UpstreamRateLimited):
        return UpstreamRateLimited(message, error.context, error.retry_after_seconds)
    return type(error)(message, error.context, retryable=False)


def with_attachments(error: UpstreamError, *details: Message) -> UpstreamError:
    """`error` with `details` added to what its status carries, otherwise the same."""
    context = dataclasses.replace(error.context, attachments=(*error.context.attachments, *details))
    if isinstance(error, CircuitOpen):
        return CircuitOpen(error.message, context, error.retry_after_seconds)
    if isinstance(error, UpstreamRateLimited):
        return UpstreamRateLimited(error.message, context, error.retry_after_seconds)
    return type(error)(error.message, context, retryable=error.retryable)


def scrubbed_envelope(envelope: Envelope) -> Envelope:
    """`envelope` without the secrets an upstream may have repeated in it (`envelope` itself
    when it had none: every successful answer is scrubbed)."""
    message = scrub(envelope.message)
    display_message = scrub(envelope.display_message)
    error_type = scrub(envelope.error_type)
    error_hash = scrub(envelope.error_hash)
    error_data = scrub_json(envelope.error_data)
    if (
        message is envelope.message
        and display_message is envelope.display_message
        and error_type is envelope.error_type
        and error_hash is envelope.error_hash
        and error_data is envelope.error_data
    ):
        return envelope
    return dataclasses.replace(
        envelope,
        message=message,
        display_message=display_message,
        error_type=error_type,
        error_hash=error_hash,
        error_data=error_data,
    )


def error_kind_for_http_status(status_code: int) -> type[UpstreamError]:
    """The error an HTTP status means when the body says nothing more precise.

    401 is left to each adapter: whose credentials it rejects depends on the provider
    and the operation.
    """
    if status_code == 400:
        return UpstreamRejectedRequest
    if status_code == 403:
        return UpstreamPermissionDenied
    if status_code in (404, 410):
        return UpstreamNotFound
    if status_code in (409, 412, 422, 423, 451):
        return UpstreamFailedPrecondition
    if status_code == 429:
        return UpstreamRateLimited
    if status_code >= 500:
        return UpstreamUnavailable
    return UpstreamBadResponse


def retry_after_seconds(headers: Headers) -> float | None:
    """The delay a `Retry-After` header asks for (seconds or an HTTP date), if any."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class UpstreamHttp:
    """The shared HTTP client of every adapter.

    No redirects are followed, bodies are read up to a cap, every exchange ends at the RPC's
    deadline (the request is then aborted), and transport failures become gateway errors.
    """

    def __init__(self, transport: Transport, max_response_bytes: int) -> None:
        self._transport = transport
        self._max_response_bytes = max_response_bytes

    async def send(self, request: HttpRequest, call: UpstreamCall) -> UpstreamResponse:
        rpc = rpc_context.current()
        reached_before = False
        if rpc is not None:
            rpc.attempts += 1
            request.headers["X-Request-Id"] = rpc.request_id
            reached_before = rpc.side_effect_may_have_reached
            rpc.side_effect_may_have_reached = reached_before or call.has_side_effects
        started = time.perf_counter()
        try:
            async with within_deadline(lambda: _deadline_error(call)):
                status, headers, body = await self._transport.exchange(
                    request, self._max_response_bytes
                )
        except TransportFailure as failure:
            if rpc is not None and not failure.sent:
                rpc.side_effect_may_have_reached = reached_before
            _measure(call, "error", started)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "upstream %s %s failed: %s",
                    call.provider,
                    call.operation,
                    type(failure.__cause__).__name__,
                )
            raise transport_error(failure, call) from failure.__cause__
        except ResponseTooLarge as too_large:
            raise upstream_error(
                UpstreamBadResponse,
                f"{call.provider} answered with a body over the "
                f"{self._max_response_bytes}-byte limit; reading stopped there.",
                call,
                http_status=too_large.status_code,
            ) from None
        _measure(call, str(status), started)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "upstream %s %s answered %d in %.1f ms",
                call.provider,
                call.operation,
                status,
                (time.perf_counter() - started) * 1000,
            )
        return UpstreamResponse(status, headers, body)

    async def aclose(self) -> None:
        await self._transport.aclose()


def _measure(call: UpstreamCall, http_status: str, started: float) -> None:
    requests, seconds = metrics.upstream_exchange(call.provider, call.operation, http_status)
    requests.inc()
    seconds.observe(time.perf_counter() - started)


def _deadline_error(call: UpstreamCall) -> DeadlineExceeded:
    message = f"The deadline ran out while waiting for {call.provider}; the request was aborted."
    if call.has_side_effects:
        message += (
            f" It may have reached {call.provider}: {call.check_before_retrying} before trying "
            "again."
        )
    return DeadlineExceeded(message)
