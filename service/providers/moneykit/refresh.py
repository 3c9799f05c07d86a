"""MoneyKit `POST /links/{id}/products`: ask for the link's investments to be refreshed.

MoneyKit answers 202 with the link at once and refreshes asynchronously. The request has a side
effect of sorts: MoneyKit rate-limits refreshes per link, so a resent request could spend the
link's allowance or be refused where the first was accepted. It is declared with side effects,
so it is never retried once it may have reached MoneyKit, and a failure after that point is an
unknown outcome (`UNKNOWN`), which a waiting caller resolves by reading the link.
"""

from __future__ import annotations

import json

from aggregator.v1.connection_pb2 import MoneyKitLink
from service.providers.moneykit import models
from service.providers.moneykit.connection import link_path
from service.providers.moneykit.link import INVESTMENTS
from service.providers.moneykit.responses import read_body
from service.providers.operation import UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(
    provider="moneykit",
    operation="refresh_products",
    has_side_effects=True,
    # Not an order: a repeat would spend the link's refresh allowance, so see first whether
    # the data moved.
    check_before_retrying="check the link's data (the `source.as_of` of GetHoldings)",
)
PATH = "/products"


def build(link: MoneyKitLink) -> UpstreamRequest:
    body = json.dumps({"products": [INVESTMENTS]}, separators=(",", ":")).encode()
    return UpstreamRequest("POST", link_path(link.link_id, PATH), json_body=body)


def read(response: UpstreamResponse) -> models.Link:
    return read_body(response, models.Link, CALL)
