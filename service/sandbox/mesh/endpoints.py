"""The Mesh endpoints the sandbox serves."""

HOLDINGS_VALUE_PATH = "/api/v1/holdings/value"
HOLDINGS_GET_PATH = "/api/v1/holdings/get"
CANCEL_PATH = "/api/v1/transactions/cancel"
BALANCE_PATH = "/api/v1/balance/get"
DETAILS_PATH = "/api/v1/transactions/details"
LIST_PATH = "/api/v1/transactions/list"
