"""Request values that make the simulated Mesh answer a chosen failure, data set or delay.

Any other value gets the normal answer, so a test picks a failure by the data it sends, through
the gateway, without reaching into the sandbox. Held requests are described in
`service.sandbox`.

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

`POST /api/v1/balance/get` (34 institutions, robinhood and coinbase among them) answers every
trigger from `sandbox-bad-request` to `sandbox-malformed`, and `sandbox-held`, as holdings value
does; `sandbox-partial` gives each currency only `currencyCode` and `cash`, and no totals; the
holdings triggers get the normal answer. Normal answers, by institution:

| type | content |
|---|---|
| `coinbase` | USD with 18-decimal cash and buying power (`1520.123456789012345678`) and a 38-digit crypto buying power (`98765432109876543210.123456789012345678`); EUR with cash `1E-18` as JSON writes it, buying power `0` and crypto buying power null |
| any other supported institution | the document's example: USD cash `158.5`, buying power `258.5`, crypto buying power `158.5`; EUR cash and buying power `10`; totals `169.35` cash and `269.35` buying power in USD |

Orders (`transactions/details` and `/list`, 22 institutions: not eTrade, Interactive Brokers or
the other brokers but Robinhood). Every user has the same nine orders, one per status but
`unknown` (the document's list example among them), listed newest first; any other order id
reads as a pending (`inProgress`) limit order until it is cancelled. A list page holds `count`
orders (100 by default, 250 at most); the last page answers the cursor it was sent, as the
document's example answers a cursor with its last page. The triggers of the first table answer
on details as on cancel (`sandbox-not-found`: 404 problem details, "Transaction is not found")
and on the list as on holdings value. These make the orders behave:

| authToken | POST /api/v1/transactions/cancel | POST /api/v1/transactions/details (and the list) |
|---|---|---|
| any other | 200 `ok`; a pending order is `cancelled` from then on | the order as it stands |
| `sandbox-cancel-lost` | records the cancel, then closes the connection without answering | the order `inProgress` for 1 s after the cancel, then `cancelled` |
| `sandbox-cancel-lost-in-progress` | closes the connection without answering | the order stays `inProgress` |
| `sandbox-order-in-progress` | 200 `ok` | the order stays `inProgress` |
| `sandbox-bare-order` | 200 `ok` | details: the order itself, without the envelope, as the document's example shows it (that very example for its id) |
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
MESH_CANCEL_LOST = "sandbox-cancel-lost"
MESH_CANCEL_LOST_IN_PROGRESS = "sandbox-cancel-lost-in-progress"
MESH_ORDER_IN_PROGRESS = "sandbox-order-in-progress"
MESH_BARE_ORDER = "sandbox-bare-order"

RETRY_AFTER_SECONDS = 30
CANCEL_SETTLE_SECONDS = 1.0
"""How long an order stays `inProgress` after a `sandbox-cancel-lost` cancel."""
