"""Request values that make the sandbox upstreams answer a chosen failure, data set or delay.

Any other value gets the normal answer, so a test picks a failure by the data it sends, through
the gateway, without reaching into the sandbox.

Mesh: the body's `authToken` selects the answer. It is looked at only once the client
credentials, the body schema, the institution's support for the endpoint and the institution's
cancel requirements (`side` for coinbase, `symbolPair` for binanceUs, binanceInternational,
okx and bitFlyer) have passed, so use a supported institution such as `robinhood` (holdings get
supports 37 institutions, mostly crypto: not interactiveBrokers, eTrade or the other brokers).

| authToken | POST /api/v1/holdings/value | POST /api/v1/holdings/get | POST /api/v1/transactions/cancel |
|---|---|---|---|
| `sandbox-bad-request` | 400 envelope `badRequest`, errorType `invalidField`, with a displayMessage | same as holdings value | 400 RFC 7807 problem details (`application/problem+json`) |
| `sandbox-unauthorized` | 401, empty body | 401, empty body | 401, empty body |
| `sandbox-permission-denied` | 403, `Forbidden` as text/plain | 403, `Forbidden` as text/plain | 403, `Forbidden` as text/plain |
| `sandbox-not-found` | 400 envelope `notFound`, errorType `accountNotFound` | same as holdings value | 404 RFC 7807 problem details |
| `sandbox-conflict` | 400 envelope `conflict`, errorType `requestConflict` | same as holdings value | 400 envelope `conflict`, errorType `orderNotCancellable`, displayMessage "The order was already executed." |
| `sandbox-locked` | 400 envelope `locked`, errorType `accountLocked` | same | same |
| `sandbox-legal` | 400 envelope `unavailableForLegalReasons`, errorType `unavailableForLegalReasons` | same | same |
| `sandbox-rate-limited` | 429, `Retry-After: 30`, envelope `tooManyRequest`, errorType `tooManyRequests` | same | same |
| `sandbox-server-failure` | 500, envelope `serverFailure`, errorType `brokerError` | same | same |
| `sandbox-unavailable` | 503, empty body | same | same |
| `sandbox-envelope-failure` | 200, envelope `serverFailure`, errorType `brokerError`, `content: null` | same as holdings value | 200, envelope `serverFailure`, errorType `brokerError` |
| `sandbox-malformed` | 200 `application/json`, truncated: `{"status": "ok", "content": {` | same | same |
| `sandbox-partial` | 200 `ok`, content holds only `totalValue` and `fiatValue` | 200 `ok`, content holds only `status`, `equityPositions` and `cryptocurrencyPositions`, each position only `symbol` and `amount` | normal success |
| `sandbox-holdings-failed` | normal success | 200 `ok`, `content.status` `failed`, with errorMessage and displayMessage, every position list empty, `accountId` null | normal success |
| `sandbox-holdings-not-authorized` | normal success | 200 `ok`, `content.status` `notAuthorized`, otherwise as `sandbox-holdings-failed` | normal success |
| `sandbox-held` | held until released (see below), then normal success | same | same |

Normal holdings get answers, by institution (every position has `marketValue` and `lastPrice`,
whatever `includeMarketValue` says):

| type | content |
|---|---|
| `robinhood` | the document's "Trading platform example": AAPL, F, DOGE, BTC and one not supported equity (`CUSIP38259P508`) |
| `coinbase` | crypto only: BTC, ETH (`8.123456789012345678`), SOL, USDC, and one not supported crypto (XYO) |
| `deFiWallet` | the document's "Self-custody cryptocurrency wallet example": DOGE and BTC with their `distribution` over networks and addresses |
| `openSea` | one NFT (`nftPositions`), nothing else |
| any other supported institution | the robinhood data under its own `type` and `institutionName` |

MoneyKit: the link id of `GET /links/{id}/investments/holdings` selects the answer, once the
`moneykit-version` header and the bearer token have passed.

| link id | answer |
|---|---|
| `mk_sandbox_rate_limited` | 429 `api_error.rate_limit_exceeded`, `Retry-After: 30` |
| `mk_sandbox_server_failure` | 500 `api_error.internal_server_error` |
| `mk_sandbox_unavailable` | 503, empty body |
| `mk_sandbox_bad_request` | 400 `api_error.request.validation_failed`, with `validation_errors` |
| `mk_sandbox_unauthorized_link` | 401 `link_error.unauthorized_access` |
| `mk_sandbox_forbidden` | 403 `link_error.forbidden_action` |
| `mk_sandbox_not_found` | 404 `link_error.not_found` |
| `mk_sandbox_deleted` | 410 `link_error.deleted` |
| `mk_sandbox_expired` | 422 `link_error.bad_state`, `"link_error_code": "auth_expired"` |
| `mk_sandbox_malformed` | 200 `application/json`, truncated: `{"holdings": [{` |
| `mk_sandbox_seed_example` | 200, exactly the example body of the documentation (JSON numbers) |
| `mk_sandbox_held` | held until released (see below), then the brokerage data |

Each data set link answers its own holdings; `account_ids` filters them like any other link's.

| link id | data set |
|---|---|
| `mk_sandbox_brokerage` | Fidelity, a brokerage and a checking account: equities, an ETF, a fund, ETH (`1.234567890123456789`), cash and a bond; one cost basis null; amounts as strings and as numbers. Any link id that selects nothing else gets this data under its own id. |
| `mk_sandbox_retirement` | Vanguard, a 401(k) and a rollover IRA: funds, ETFs, a Treasury note and money market cash, every holding with its cost basis |
| `mk_sandbox_crypto` | Coinbase, a trading account and a vault: BTC, and ETH, LINK and UNI quantities with 18 decimals; ETH held in both accounts; one holding (UNI) without `cost_basis` |

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
"""  # noqa: E501 (the tables are pasted into the README as they are)

MESH_BAD_REQUEST = "sandbox-bad-request"
MESH_UNAUTHORIZED = "sandbox-unauthorized"
MESH_PERMISSION_DENIED = "sandbox-permission-denied"
MESH_NOT_FOUND = "sandbox-not-found"
MESH_CONFLICT = "sandbox-conflict"
MESH_LOCKED = "sandbox-locked"
MESH_LEGAL = "sandbox-legal"
MESH_RATE_LIMITED = "sandbox-rate-limited"
MESH_SERVER_FAILURE = "sandbox-server-failure"
MESH_UNAVAILABLE = "sandbox-unavailable"
MESH_ENVELOPE_FAILURE = "sandbox-envelope-failure"
MESH_MALFORMED = "sandbox-malformed"
MESH_PARTIAL = "sandbox-partial"
MESH_HOLDINGS_FAILED = "sandbox-holdings-failed"
MESH_HOLDINGS_NOT_AUTHORIZED = "sandbox-holdings-not-authorized"
MESH_HELD = "sandbox-held"

MONEYKIT_RATE_LIMITED = "mk_sandbox_rate_limited"
MONEYKIT_SERVER_FAILURE = "mk_sandbox_server_failure"
MONEYKIT_UNAVAILABLE = "mk_sandbox_unavailable"
MONEYKIT_BAD_REQUEST = "mk_sandbox_bad_request"
MONEYKIT_UNAUTHORIZED_LINK = "mk_sandbox_unauthorized_link"
MONEYKIT_FORBIDDEN = "mk_sandbox_forbidden"
MONEYKIT_NOT_FOUND = "mk_sandbox_not_found"
MONEYKIT_DELETED = "mk_sandbox_deleted"
MONEYKIT_EXPIRED = "mk_sandbox_expired"
MONEYKIT_MALFORMED = "mk_sandbox_malformed"
MONEYKIT_SEED_EXAMPLE = "mk_sandbox_seed_example"
MONEYKIT_HELD = "mk_sandbox_held"

MONEYKIT_BROKERAGE = "mk_sandbox_brokerage"
MONEYKIT_RETIREMENT = "mk_sandbox_retirement"
MONEYKIT_CRYPTO = "mk_sandbox_crypto"

RETRY_AFTER_SECONDS = 30
