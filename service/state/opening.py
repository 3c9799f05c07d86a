"""Which backend the settings choose, opened for the gateway's life."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from service.config import Settings
from service.observability.redaction import register_secret
from service.state.backend import StateBackend
from service.state.memory import InProcessState
from service.state.redis_backend import RedisState

logger = logging.getLogger(__name__)


@asynccontextmanager
async def open_state(settings: Settings) -> AsyncIterator[StateBackend]:
    """Redis when `AGGREGATOR_REDIS_URL` is set, else this process's memory.

    An unreachable Redis does not stop the start: it is logged, and the gateway degrades as it
    would if Redis went away later.
    """
    if settings.aggregator_redis_url is None:
        yield InProcessState()
        return
    url = settings.aggregator_redis_url.get_secret_value()
    register_secret(url)
    register_secret(urlsplit(url).password or "")
    if settings.aggregator_redis_password is not None:
        register_secret(settings.aggregator_redis_password.get_secret_value())
    backend = RedisState(redis_client(settings))
    try:
        location = urlsplit(url)
        # Host and port only: the URL's user and password stay out of the log.
        where = f"{location.scheme}://{location.hostname}:{location.port or 6379}"
        if await backend.ping():
            logger.info("shared state in redis at %s", where)
        yield backend
    finally:
        await backend.aclose()


def redis_client(settings: Settings) -> redis.asyncio.Redis:
    """A client of the Redis the settings name, failing fast: one timeout per command and no
    retries, since every caller of the backend has an answer for an unreachable Redis."""
    assert settings.aggregator_redis_url is not None
    timeout = settings.aggregator_redis_timeout_seconds
    options: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    if settings.aggregator_redis_password is not None:
        options["password"] = settings.aggregator_redis_password.get_secret_value()
    if settings.aggregator_redis_ca_file is not None:
        options["ssl_ca_certs"] = str(settings.aggregator_redis_ca_file)
    return redis.asyncio.Redis.from_url(settings.aggregator_redis_url.get_secret_value(), **options)
