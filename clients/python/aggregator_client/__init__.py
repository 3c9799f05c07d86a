"""A typed Python client for the aggregator gateway (`aggregator.v1.AggregatorService`).

    async with AggregatorClient("127.0.0.1:50051") as client:
        value = await client.get_holdings_value(mesh(Institution.INSTITUTION_ROBINHOOD, token))

A failed call raises `GatewayCallError` with the rich details unpacked (`reason`, `domain`,
`metadata`, `localized_message`, `retry_delay_seconds`, `field_violations`, `envelope`). The
messages are the generated `aggregator.v1` package, installed with this one.
"""

from aggregator_client._client import AggregatorClient, mesh, moneykit
from aggregator_client._errors import GatewayCallError

__all__ = ["AggregatorClient", "GatewayCallError", "mesh", "moneykit"]
