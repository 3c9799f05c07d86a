"""MoneyKit `GET /links/{id}`: the link, with when each of its products was last refreshed."""

from __future__ import annotations

from aggregator.v1.connection_pb2 import MoneyKitLink
from service.providers.moneykit import models
from service.providers.moneykit.connection import link_path
from service.providers.moneykit.responses import read_body
from service.providers.operation import UpstreamRequest
from service.providers.upstream import UpstreamCall, UpstreamResponse

CALL = UpstreamCall(provider="moneykit", operation="get_link")
INVESTMENTS = "investments"
"""The product whose refreshes bring new holdings and investment transactions."""


def build(link: MoneyKitLink) -> UpstreamRequest:
    return UpstreamRequest("GET", link_path(link.link_id, ""))


def read(response: UpstreamResponse) -> models.Link:
    return read_body(response, models.Link, CALL)


def investments(link: models.Link) -> models.Product:
    """The link's investments product; an empty one when MoneyKit reports none yet."""
    return link.products.get(INVESTMENTS) or models.Product()
