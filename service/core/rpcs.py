"""The gateway's RPCs by name, and the capability each needs of a provider.

A refusal names the capability in its reason (`ORDER_CANCEL_NOT_SUPPORTED`), so callers can tell
a missing capability from other invalid input.
"""

from __future__ import annotations

from enum import StrEnum


class Rpc(StrEnum):
    GET_HOLDINGS_VALUE = "GetHoldingsValue"
    CANCEL_ORDER = "CancelOrder"
    GET_HOLDINGS = "GetHoldings"
    GET_PORTFOLIO = "GetPortfolio"
    STREAM_PORTFOLIO = "StreamPortfolio"
    GET_ORDER = "GetOrder"
    LIST_ORDERS = "ListOrders"
    REFRESH_CONNECTION = "RefreshConnection"
    GET_BALANCES = "GetBalances"
    LIST_INVESTMENT_TRANSACTIONS = "ListInvestmentTransactions"


CAPABILITY_NAMES = {
    Rpc.GET_HOLDINGS_VALUE: "HOLDINGS_VALUE",
    Rpc.CANCEL_ORDER: "ORDER_CANCEL",
    Rpc.GET_HOLDINGS: "HOLDINGS",
    Rpc.GET_PORTFOLIO: "PORTFOLIO",
    Rpc.STREAM_PORTFOLIO: "PORTFOLIO",
    Rpc.GET_ORDER: "ORDER_STATUS",
    Rpc.LIST_ORDERS: "ORDER_HISTORY",
    Rpc.REFRESH_CONNECTION: "REFRESH",
    Rpc.GET_BALANCES: "BALANCES",
    Rpc.LIST_INVESTMENT_TRANSACTIONS: "INVESTMENT_TRANSACTIONS",
}

PORTFOLIO_RPCS = frozenset({Rpc.GET_PORTFOLIO, Rpc.STREAM_PORTFOLIO})
"""A connection serves a portfolio when it serves holdings or holdings value."""
