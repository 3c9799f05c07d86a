"""Embedded sandbox upstreams: each provider simulated on a local HTTP server.

They speak the upstreams' protocols as the upstreams' own documents describe them, and know
nothing of the gateway (nothing here imports the adapters), so the gateway is tested against the
contract, not against itself. A provider's simulator is the package `service.sandbox.<provider>`;
failures, data sets and held answers are chosen by request values listed in its `triggers`
module.

Held requests: a request with a `held` trigger waits, once it has passed every check, until the
test calls `release_held()` on the `SandboxUpstreams`; from then on none is held until
`reset()`. `mesh.held_count` and `moneykit.held_count` say how many are waiting, so a test can
wait for a request to be under way without sleeping. `stop()` answers held requests too, and none
waits longer than 60 seconds.

Demo user: five connections across both providers, one of them failing. Mesh `robinhood` with
authToken `alice-robinhood`, Mesh `coinbase` with `alice-coinbase`, MoneyKit link
`mk_sandbox_brokerage`, MoneyKit link `mk_sandbox_crypto`, and Mesh `kraken` with
`sandbox-server-failure` (500, the one that fails). The tokens are only examples: any authToken
that is not a trigger gets the normal answer.
"""

from service.sandbox._http import RecordedRequest
from service.sandbox._upstreams import SandboxUpstreams

__all__ = ["RecordedRequest", "SandboxUpstreams"]
