"""Request values that make the sandbox upstreams answer a chosen failure.

Any other value gets the normal answer, so a test picks a failure by the data it sends, through
the gateway, without reaching into the sandbox.

Mesh: the body's `authToken` selects the answer. It is looked at only once the client
credentials, the body schema, the institution's support for the endpoint and the institution's
cancel requirements (`side` for coinbase, `symbolPair` for binanceUs, binanceInternational,
okx and bitFlyer) have passed, so use a supported institution such as `robinhood`.

| authToken | POST /api/v1/holdings/value | POST /api/v1/transactions/cancel |
|---|---|---|
| `sandbox-bad-request` | 400 envelope `badRequest`, errorType `invalidField`, with a displayMessage | 400 RFC 7807 problem details (`application/problem+json`) |
| `sandbox-unauthorized` | 401, empty body | 401, empty body |
| `sandbox-permission-denied` | 403, `Forbidden` as text/plain | 403, `Forbidden` as text/plain |
| `sandbox-not-found` | 400 envelope `notFound`, errorType `accountNotFound` | 404 RFC 7807 problem details |
| `sandbox-conflict` | 400 envelope `conflict`, errorType `requestConflict` | 400 envelope `conflict`, errorType `orderNotCancellable`, displayMessage "The order was already executed." |
| `sandbox-locked` | 400 envelope `locked`, errorType `accountLocked` | same |
| `sandbox-legal` | 400 envelope `unavailableForLegalReasons`, errorType `unavailableForLegalReasons` | same |
| `sandbox-rate-limited` | 429, `Retry-After: 30`, envelope `tooManyRequest`, errorType `tooManyRequests` | same |
| `sandbox-server-failure` | 500, envelope `serverFailure`, errorType `brokerError` | same |
| `sandbox-unavailable` | 503, empty body | same |
| `sandbox-envelope-failure` | 200, envelope `serverFailure`, errorType `brokerError`, `content: null` | 200, envelope `serverFailure`, errorType `brokerError` |
| `sandbox-malformed` | 200 `application/json`, truncated: `{"status": "ok", "content": {` | same |
| `sandbox-partial` | 200 `ok`, content holds only `totalValue` and `fiatValue` | normal success |

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

RETRY_AFTER_SECONDS = 30
