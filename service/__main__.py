"""`python -m service`: start the gateway from the environment's settings."""

from __future__ import annotations

import asyncio

from service.config import Settings
from service.logs import configure_logging
from service.server import serve


def main() -> None:
    settings = Settings()
    configure_logging(settings.aggregator_log_level, settings.log_format)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
