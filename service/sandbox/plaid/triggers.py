"""Request values that make the simulated Plaid answer a chosen failure, data set or delay.

Plaid: the body's `access_token` selects the answer, on every endpoint, once the client id and
secret (headers `PLAID-CLIENT-ID` and `PLAID-SECRET`, or `client_id` and `secret` in the body),
the `Plaid-Version` header and the body's schema have passed. The triggers are named as Plaid's
own sandbox names its tokens (`access-sandbox-...`), the error triggers
`access-sandbox-error_<ERROR_CODE>` after the error they answer; any other token gets the
brokerage Item, under its own id.

| access_token | answer |
|---|---|
| `access-sandbox-error_INVALID_ACCESS_TOKEN` | 400 `INVALID_INPUT` / `INVALID_ACCESS_TOKEN` |
| `access-sandbox-error_ITEM_LOGIN_REQUIRED` | 400 `ITEM_ERROR` / `ITEM_LOGIN_REQUIRED`, with a `display_message` |
| `access-sandbox-error_ITEM_NOT_FOUND` | 400 `ITEM_ERROR` / `ITEM_NOT_FOUND` |
| `access-sandbox-error_PRODUCT_NOT_READY` | 400 `ITEM_ERROR` / `PRODUCT_NOT_READY` |
| `access-sandbox-error_INVALID_FIELD` | 400 `INVALID_REQUEST` / `INVALID_FIELD` |
| `access-sandbox-error_RATE_LIMIT_EXCEEDED` | 429 `RATE_LIMIT_EXCEEDED`, the endpoint's code (`INVESTMENT_HOLDINGS_GET_LIMIT`, `ACCOUNTS_LIMIT`, ...) |
| `access-sandbox-error_INSTITUTION_DOWN` | 400 `INSTITUTION_ERROR` / `INSTITUTION_DOWN`, with a `display_message` |
| `access-sandbox-error_INTERNAL_SERVER_ERROR` | 500 `API_ERROR` / `INTERNAL_SERVER_ERROR` |
| `access-sandbox-malformed` | 200 `application/json`, truncated: `{"accounts": [{` |
| `access-sandbox-held` | held until released (see `service.sandbox`), then the brokerage Item |
| `access-sandbox-refresh-stalls` | the brokerage Item, whose `/investments/refresh` is accepted but never completes: `/item/get` keeps its `last_successful_update` |
| `access-sandbox-refresh-fails` | the brokerage Item, whose refresh fails: `/item/get` moves `last_failed_update` instead |

Every error answer carries `error_type`, `error_code`, `error_message`, `display_message`,
`request_id`, `documentation_url` and `suggested_action`; wrong client credentials are 400
`INVALID_INPUT` / `INVALID_API_KEYS`, a missing or other `Plaid-Version` 400 `INVALID_REQUEST` /
`INCOMPATIBLE_API_VERSION`, a body that does not fit its schema 400 `INVALID_REQUEST` /
`MISSING_FIELDS`, `UNKNOWN_FIELDS` or `INVALID_FIELD`.

A refresh completes on the second `/item/get` after it: `status.investments.last_successful_update`
then moves to the time of that read.

| access_token | Item |
|---|---|
| `access-sandbox-brokerage` | a brokerage account and an IRA at "Plaid Sandbox Brokerage": equities, an ETF, a mutual fund, a Treasury bond, BTC (`0.123456789012345678`) priced in USD, money-market cash; one holding without `cost_basis`; 7 investment transactions in 2024. Any token that selects nothing else gets this Item under its own id. |
| `access-sandbox-retirement` | a 401(k) with two mutual funds and cash, every holding with its cost basis; 3 investment transactions |
"""  # noqa: E501 (the tables are pasted into the README as they are)

PLAID_INVALID_ACCESS_TOKEN = "access-sandbox-error_INVALID_ACCESS_TOKEN"  # noqa: S105
PLAID_ITEM_LOGIN_REQUIRED = "access-sandbox-error_ITEM_LOGIN_REQUIRED"
PLAID_ITEM_NOT_FOUND = "access-sandbox-error_ITEM_NOT_FOUND"
PLAID_PRODUCT_NOT_READY = "access-sandbox-error_PRODUCT_NOT_READY"
PLAID_INVALID_FIELD = "access-sandbox-error_INVALID_FIELD"
PLAID_RATE_LIMIT_EXCEEDED = "access-sandbox-error_RATE_LIMIT_EXCEEDED"
PLAID_INSTITUTION_DOWN = "access-sandbox-error_INSTITUTION_DOWN"
PLAID_INTERNAL_SERVER_ERROR = "access-sandbox-error_INTERNAL_SERVER_ERROR"
PLAID_MALFORMED = "access-sandbox-malformed"
PLAID_HELD = "access-sandbox-held"
PLAID_REFRESH_STALLS = "access-sandbox-refresh-stalls"
PLAID_REFRESH_FAILS = "access-sandbox-refresh-fails"
PLAID_BROKERAGE = "access-sandbox-brokerage"
PLAID_RETIREMENT = "access-sandbox-retirement"

REFRESH_COMPLETES_AFTER_READS = 2
