"""Request values that make the simulated MoneyKit answer a chosen failure, data set or delay.

Any other value gets the normal answer, so a test picks a failure by the data it sends, through
the gateway, without reaching into the sandbox. Held requests are described in
`service.sandbox`.

MoneyKit: the link id selects the answer of every `/links/{id}` endpoint (the link, its
refresh, its holdings, its accounts and its investment transactions), once the
`moneykit-version` header and the bearer token have passed; every endpoint answers each trigger
below the same way.

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

Each data set link answers its own holdings and accounts; `account_ids` filters them like any
other link's. The accounts endpoint sends every balance amount as a JSON number, as the SDK's
models type them.

| link id | data set |
|---|---|
| `mk_sandbox_brokerage` | Fidelity, a brokerage and a checking account: equities, an ETF, a fund, ETH (`1.234567890123456789`), cash and a bond; one cost basis null; amounts as strings and as numbers. Any link id that selects nothing else gets this data under its own id. |
| `mk_sandbox_retirement` | Vanguard, a 401(k) and a rollover IRA: funds, ETFs, a Treasury note and money market cash, every holding with its cost basis |
| `mk_sandbox_crypto` | Coinbase, a trading account and a vault: BTC, and ETH, LINK and UNI quantities with 18 decimals; ETH held in both accounts; one holding (UNI) without `cost_basis` |
| `mk_sandbox_balances` | Chase, four accounts and no holdings, for balances: USD savings with 18-decimal amounts (`2455.123456789012345678`), a credit card with a `limit` of 5000, an ETH wallet with a 38-digit balance (`98765432109876543210.123456789012345678`), and a EUR account whose amounts JSON writes in exponent form (`1E-18`, `1E+3`) with no `balance_date` |

Refreshes (`POST /links/{id}/products`, answered 202 with the link): a link's investments
product keeps its data set's `refreshed_at` (2024-03-14 for the brokerage data: older than any
`max_age`) until a refresh of `investments` completes, which for any link but these is at once;
from then on `GET /links/{id}`, the holdings and the investment transactions report the new
`refreshed_at`.

| link id | refresh |
|---|---|
| `mk_sandbox_refresh_slow` | completes 1 s after the request |
| `mk_sandbox_refresh_never` | accepted, never completes |
| `mk_sandbox_refresh_rate_limit` | fails: the product reports `error_code: rate_limit` |
| `mk_sandbox_refresh_auth_expired` | fails: the product reports `error_code: auth_expired` |
| `mk_sandbox_refresh_not_supported` | fails: the product reports `error_code: not_supported` |
| `mk_sandbox_fresh` | `refreshed_at` one minute before the link is first read; refreshes complete at once |

Investment transactions (`GET /links/{id}/investments/transactions`): every link that selects no
failure has the brokerage data set's 11 transactions, 2024-01-03 to 2024-03-14 (buys, sells,
dividends, a reinvestment, interest, fees and transfers, with dotted subtypes; 9 in the brokerage
account, 2 in the checking account), newest first, filtered by `start_date`, `end_date` and
`account_ids` and paged by `page` and `size`.
"""  # noqa: E501 (the tables are pasted into the README as they are)

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
MONEYKIT_BALANCES = "mk_sandbox_balances"
MONEYKIT_REFRESH_SLOW = "mk_sandbox_refresh_slow"
MONEYKIT_REFRESH_NEVER = "mk_sandbox_refresh_never"
MONEYKIT_REFRESH_RATE_LIMIT = "mk_sandbox_refresh_rate_limit"
MONEYKIT_REFRESH_AUTH_EXPIRED = "mk_sandbox_refresh_auth_expired"
MONEYKIT_REFRESH_NOT_SUPPORTED = "mk_sandbox_refresh_not_supported"
MONEYKIT_FRESH = "mk_sandbox_fresh"

RETRY_AFTER_SECONDS = 30
REFRESH_SLOW_SECONDS = 1.0
FRESH_AGE_SECONDS = 60
