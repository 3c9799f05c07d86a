"""Conversions shared by every adapter: amounts, timestamps and the result envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from google.protobuf import json_format, struct_pb2, timestamp_pb2
from google.protobuf.message import Message

from aggregator.v1.result_pb2 import ResultEnvelope, ResultStatus
from aggregator.v1.source_pb2 import DataSource, Provider
from service.core.decimals import decimal_text
from service.core.envelope import Envelope, EnvelopeStatus, JsonValue

_RESULT_STATUS = {
    EnvelopeStatus.OK: ResultStatus.RESULT_STATUS_OK,
    EnvelopeStatus.SERVER_FAILURE: ResultStatus.RESULT_STATUS_SERVER_FAILURE,
    EnvelopeStatus.PERMISSION_DENIED: ResultStatus.RESULT_STATUS_PERMISSION_DENIED,
    EnvelopeStatus.BAD_REQUEST: ResultStatus.RESULT_STATUS_BAD_REQUEST,
    EnvelopeStatus.NOT_FOUND: ResultStatus.RESULT_STATUS_NOT_FOUND,
    EnvelopeStatus.CONFLICT: ResultStatus.RESULT_STATUS_CONFLICT,
    EnvelopeStatus.TOO_MANY_REQUEST: ResultStatus.RESULT_STATUS_TOO_MANY_REQUEST,
    EnvelopeStatus.LOCKED: ResultStatus.RESULT_STATUS_LOCKED,
    EnvelopeStatus.UNAVAILABLE_FOR_LEGAL_REASONS: (
        ResultStatus.RESULT_STATUS_UNAVAILABLE_FOR_LEGAL_REASONS
    ),
}


def to_result_envelope(envelope: Envelope) -> ResultEnvelope:
    result = ResultEnvelope(
        status=(
            _RESULT_STATUS[envelope.status]
            if envelope.status is not None
            else ResultStatus.RESULT_STATUS_UNSPECIFIED
        ),
        message=envelope.message,
        display_message=envelope.display_message,
        error_type=envelope.error_type,
        error_hash=envelope.error_hash,
    )
    if envelope.error_data is not None:
        result.error_data.CopyFrom(to_value(envelope.error_data))
    return result


def to_value(data: JsonValue) -> struct_pb2.Value:
    """A JSON value as `google.protobuf.Value`; numbers go as their exact decimal text."""
    value = struct_pb2.Value()
    json_format.ParseDict(_exact_numbers_as_text(data), value)
    return value


def _exact_numbers_as_text(data: JsonValue) -> JsonValue:
    # Value's number is a double; an upstream number in error data is kept exact as text.
    if isinstance(data, Decimal):
        return decimal_text(data)
    if isinstance(data, dict):
        return {str(key): _exact_numbers_as_text(item) for key, item in data.items()}
    if isinstance(data, list):
        return [_exact_numbers_as_text(item) for item in data]
    return data


def data_source(
    provider: Provider.ValueType, *, computed: bool, as_of: datetime, from_provider: bool
) -> DataSource:
    """Where a response's figures came from, and as of when."""
    return DataSource(
        provider=provider,
        computed_by_gateway=computed,
        as_of=to_timestamp(as_of),
        as_of_from_provider=from_provider,
    )


def decimal_field(message: Message, name: str, value: Decimal | None) -> None:
    """Set an optional decimal-string field; an absent upstream value stays unset."""
    if value is not None:
        setattr(message, name, decimal_text(value))


def to_timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """A protobuf timestamp; a time without a zone is UTC, as the upstreams document.

    Whole seconds and microseconds from `timedelta` arithmetic, exact like
    `Timestamp.FromDatetime` and several times cheaper (a holdings answer has thousands)."""
    if value is None:
        return None
    since_epoch = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)) - _EPOCH
    return timestamp_pb2.Timestamp(
        seconds=since_epoch.days * 86400 + since_epoch.seconds,
        nanos=since_epoch.microseconds * 1000,
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
