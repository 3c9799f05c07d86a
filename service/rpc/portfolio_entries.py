"""A portfolio connection's outcome as its entry: its data, or its error as a status with the
same rich details a single call's error carries."""

from __future__ import annotations

from google.rpc import status_pb2

from aggregator.v1.aggregator_service_pb2 import EntryError, PortfolioEntry
from service.core.converters import to_result_envelope
from service.core.errors import UpstreamError
from service.portfolio.orchestration import Outcome
from service.rpc.status import internal_rpc_status, to_rpc_status


def entry_of(outcome: Outcome) -> PortfolioEntry:
    entry = PortfolioEntry(
        connection_index=outcome.index, provider=outcome.adapter.declaration.enum
    )
    outcome.adapter.declaration.name_entry(outcome.connection, entry)
    if outcome.data is not None:
        entry.data.CopyFrom(outcome.data)
    elif outcome.error is not None:
        entry.error.CopyFrom(_entry_error(to_rpc_status(outcome.error)))
        if isinstance(outcome.error, UpstreamError):
            entry.envelope.CopyFrom(to_result_envelope(outcome.error.context.envelope))
    else:
        entry.error.CopyFrom(_entry_error(internal_rpc_status()))
    return entry


def _entry_error(status: status_pb2.Status) -> EntryError:
    # EntryError has google.rpc.Status's fields and numbers, so the bytes carry over as they are.
    return EntryError.FromString(status.SerializeToString())
