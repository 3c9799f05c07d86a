"""`python -m service` (or `aggregator-gateway`): start the gateway from the environment's
settings; `--workers N` runs N processes on the same port under a supervisor."""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvloop
from pydantic import ValidationError

from service.config import Settings
from service.observability.logs import configure_logging
from service.process.server import serve
from service.process.workers import is_worker, supervise, worker_count


def settings_problems(error: ValidationError) -> str:
    """Each problem by setting and message only: pydantic's own text quotes the values, which
    may be secrets."""
    problems = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        names = ".".join(str(part) for part in problem["loc"]).upper()
        problems.append(f"{names}: {message}" if names else message)
    return "; ".join(problems)


def main() -> None:
    parser = argparse.ArgumentParser(prog="aggregator-gateway", description=__doc__)
    parser.add_argument(
        "--workers",
        type=int,
        help="processes sharing the port (default: AGGREGATOR_WORKERS, else one per core)",
    )
    arguments = parser.parse_args()
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.exit(f"aggregator-gateway: invalid settings: {settings_problems(exc)}")
    if arguments.workers is not None:
        settings = settings.model_copy(update={"aggregator_workers": arguments.workers})
    configure_logging(settings.aggregator_log_level, settings.log_format)
    workers = worker_count(settings)
    if workers > 1 and not is_worker():
        sys.exit(supervise(settings, workers))
    if settings.aggregator_event_loop == "uvloop":
        uvloop.run(serve(settings))
    else:
        asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
