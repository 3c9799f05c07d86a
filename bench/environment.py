"""What every scenario is given: the run's record, the standing servers and the request bodies.

A scenario is a function `(Environment) -> None` that measures with `env.bench.load(...)` (or
`h2load` directly) and records figures in `env.bench.results` and `env.bench.notes`; it may
start servers of its own (`bench.servers`), which it stops before it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.v1.aggregator_service_pb2 import (
    CancelOrderRequest,
    GetHoldingsRequest,
    GetHoldingsValueRequest,
)
from aggregator.v1.connection_pb2 import Connection, MeshConnection, MoneyKitLink
from aggregator.v1.institution_pb2 import Institution
from bench.harness import Bench, Server, grpc_frame

MESH_CONNECTION = Connection(
    mesh=MeshConnection(institution=Institution.INSTITUTION_ROBINHOOD, auth_token="bench-user")
)
VALUE_BODY = grpc_frame(GetHoldingsValueRequest(connection=MESH_CONNECTION).SerializeToString())
CANCEL_BODY = grpc_frame(
    CancelOrderRequest(connection=MESH_CONNECTION, order_id="order-1").SerializeToString()
)
SEED_HOLDINGS_BODY = grpc_frame(
    GetHoldingsRequest(
        connection=Connection(moneykit=MoneyKitLink(link_id="mk_sandbox_seed_example"))
    ).SerializeToString()
)
DIRECT_VALUE_BODY = b'{"authToken":"bench-user","type":"robinhood"}'
"""The JSON the gateway posts to Mesh for VALUE_BODY, for calling the upstream directly."""


@dataclass
class Environment:
    bench: Bench
    fast: str
    """Base URL of the fast upstream (Mesh and MoneyKit endpoints, no delay)."""
    slow: str
    """Base URL of the slow upstream (100 ms per answer)."""
    ceiling_a: Server
    ceiling_b: Server
    gateway: Server
    """The gateway with its default settings, both providers on the fast upstream."""
    tuned: Server
    """The gateway with the bench's tuned settings, MoneyKit on the slow upstream."""
    scratch: Path
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    """The settings of each gateway run, by the label its results carry."""

    @property
    def smoke(self) -> bool:
        return self.bench.smoke


Scenario = Callable[[Environment], None]
