"""The Mesh endpoints the sandbox serves."""

HOLDINGS_VALUE_PATH = "/api/v1/holdings/value"
CANCEL_PATH = "/api/v1/transactions/cancel"
