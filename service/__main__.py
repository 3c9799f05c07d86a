"""`python -m service`: start the gateway from the environment's settings."""

from __future__ import annotations

import asyncio

import uvloop

from service.config import Settings
from service.logs import configure_logging
from service.server import serve


def main() -> None:
    settings = Settings()
    configure_logging(settings.aggregator_log_level, settings.log_format)
    if settings.aggregator_event_loop == "uvloop":
        uvloop.run(serve(settings))
    else:
        asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
