"""Request values that make the simulated SnapTrade answer a chosen failure, data set or delay.

Any other value gets the normal answer, so a test picks a failure by the data it sends, through
the gateway, without reaching into the sandbox. Held requests are described in
`service.sandbox`.

SnapTrade: the `userId` query parameter selects the answer of every endpoint, once the
`clientId`, the `timestamp` and the `Signature` have passed (a wrong signature gets SnapTrade's
401 `{"default_detail": "Unable to verify signature sent", "default_code": 1076}`) and the
request fits the document (a UUID account id, the required parameters, the documented body).

| userId | answer |
|---|---|
| `snaptrade-sandbox-bad-request` | 400 `{default_detail, default_code: 1076}` |
| `snaptrade-sandbox-signature-rejected` | 401 `{default_detail: "Unable to verify signature sent", default_code: 1076}`, as for a wrong signature |
| `snaptrade-sandbox-invalid-user` | 401 `{detail: "Invalid userID or userSecret provided", status_code: 401, code: "1083"}` |
| `snaptrade-sandbox-disabled` | 402 `{detail, code: 3003}`: the connection is disabled |
| `snaptrade-sandbox-forbidden` | 403 `{detail, default_code: 1141}`: the feature is not enabled |
| `snaptrade-sandbox-not-found` | 404 `{default_detail, default_code: 1011}` |
| `snaptrade-sandbox-rate-limited` | 429 `{detail, status_code: 429, code: "0000"}`, `X-RateLimit-Limit: 250`, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset: 30` |
| `snaptrade-sandbox-server-failure` | 500 `{detail, status_code: 500, code: 1000}` |
| `snaptrade-sandbox-unavailable` | 503 `{detail, status_code: 503, code: 3002}`: the brokerage is busy syncing |
| `snaptrade-sandbox-malformed` | 200 `application/json`, truncated: `{"results": [{` |
| `snaptrade-sandbox-real-time` | normal answers, but `POST /authorizations/{id}/refresh` is 403 `{detail, default_code: 1141}`: refresh is disabled on real-time plans |
| `snaptrade-sandbox-held` | held until released (see `service.sandbox`), then the normal answer |

Every account id gets the brokerage data set under its own id, except one:

| accountId | data set |
|---|---|
| `917c8734-8470-4a3e-a18f-57c3f2ee6631` | the brokerage: AAPL (stock), VTI (ETF), VFIAX (mutual fund), SPAXX (a money market fund counted as cash), BTC (`0.12345678`), and an AAPL call (multiplier 100); every position in USD with a cost basis |
| `5c6f2a8e-3b1d-4c8e-9a7f-1d2e3f4a5b6c` | a Questrade account in CAD and USD: SHOP (CAD), AAPL (USD) and one position without `cost_basis`; balances in both currencies |

Orders (the same for every account) select what cancelling and reading them does; cancels are
remembered until `reset()`:

| brokerage order id | placed | cancel, and the order read after it |
|---|---|---|
| `sandbox-order-open` | 2 days ago, through SnapTrade, `PENDING` | 200; then `CANCELED` |
| `sandbox-order-slow-cancel` | 1 day ago, through SnapTrade, `ACCEPTED` | 200; then `CANCEL_PENDING` on the first read, `CANCELED` from the second |
| `sandbox-order-stuck` | 3 days ago, through SnapTrade, `PENDING` | 200; then `CANCEL_PENDING` on every read |
| `sandbox-order-external` | 2 hours ago, outside SnapTrade, `PENDING` | 200; the detail answers 404, the recent orders `CANCELED` |
| `sandbox-order-filled` | 10 days ago, through SnapTrade, `EXECUTED` | 400 `{default_detail: "The order cannot be cancelled: it was executed."}` |
| `sandbox-order-lost-answer` | 1 hour ago, through SnapTrade, `PENDING` | 500, yet the order is cancelled: `CANCELED` |
| `sandbox-order-failed-cancel` | 5 hours ago, through SnapTrade, `PENDING` | 500, and the order stays `PENDING` |
| `sandbox-order-rejected` | 40 days ago, through SnapTrade, `REJECTED` | 400, as for a filled order |
| `sandbox-order-old` | 80 days ago, through SnapTrade, `EXECUTED` | 400, as for a filled order |
| `sandbox-order-unknown` | - | 404 `{default_detail, default_code: 1011}`; the detail answers 404 too, and no list has it |
| any other id | 1 day ago, through SnapTrade, `PENDING` (listed nowhere) | 200; then `CANCELED`, as `sandbox-order-open` |
"""  # noqa: E501 (the tables are pasted into the README as they are)

SNAPTRADE_BAD_REQUEST = "snaptrade-sandbox-bad-request"
SNAPTRADE_SIGNATURE_REJECTED = "snaptrade-sandbox-signature-rejected"
SNAPTRADE_INVALID_USER = "snaptrade-sandbox-invalid-user"
SNAPTRADE_DISABLED = "snaptrade-sandbox-disabled"
SNAPTRADE_FORBIDDEN = "snaptrade-sandbox-forbidden"
SNAPTRADE_NOT_FOUND = "snaptrade-sandbox-not-found"
SNAPTRADE_RATE_LIMITED = "snaptrade-sandbox-rate-limited"
SNAPTRADE_SERVER_FAILURE = "snaptrade-sandbox-server-failure"
SNAPTRADE_UNAVAILABLE = "snaptrade-sandbox-unavailable"
SNAPTRADE_MALFORMED = "snaptrade-sandbox-malformed"
SNAPTRADE_REAL_TIME = "snaptrade-sandbox-real-time"
SNAPTRADE_HELD = "snaptrade-sandbox-held"

SNAPTRADE_BROKERAGE_ACCOUNT = "917c8734-8470-4a3e-a18f-57c3f2ee6631"
SNAPTRADE_TWO_CURRENCY_ACCOUNT = "5c6f2a8e-3b1d-4c8e-9a7f-1d2e3f4a5b6c"

ORDER_OPEN = "sandbox-order-open"
ORDER_SLOW_CANCEL = "sandbox-order-slow-cancel"
ORDER_STUCK = "sandbox-order-stuck"
ORDER_EXTERNAL = "sandbox-order-external"
ORDER_FILLED = "sandbox-order-filled"
ORDER_LOST_ANSWER = "sandbox-order-lost-answer"
ORDER_FAILED_CANCEL = "sandbox-order-failed-cancel"
ORDER_REJECTED = "sandbox-order-rejected"
ORDER_OLD = "sandbox-order-old"
ORDER_UNKNOWN = "sandbox-order-unknown"

RATE_LIMIT_RESET_SECONDS = 30
