# Aggregator gateway image. Build from the repository root:
#
#   docker build -t aggregator-gateway:0.1.0 .
#
# Two stages on the same pinned base. The builder makes a virtual environment in /opt/venv
# from the runtime lock (binary wheels only: nothing is compiled, so the base needs no
# compiler) plus the project itself, then removes pip and setuptools from it. The final stage
# gets that virtual environment (which holds the app), a health check script and a non-root
# user; no build tools, no source tree, no secrets. Settings come from the environment at run
# time (deploy/README.md); credentials, the callers file and TLS files are never baked in.
#
# The base is pinned to a patch release; pin its digest too in your registry
# (python:3.11.14-slim-bookworm@sha256:...) for byte-for-byte rebuilds.

FROM python:3.11.14-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

WORKDIR /src

RUN python -m venv /opt/venv

# Dependencies first, so that code changes do not invalidate this layer.
COPY deploy/requirements-runtime.lock ./
RUN /opt/venv/bin/pip install --no-deps --only-binary=:all: -r requirements-runtime.lock

# The project (service/ and the generated aggregator/ package), installed as a regular wheel.
# Building it needs setuptools, which pip fetches into a throwaway build environment at the
# version pyproject.toml's build-system pins.
COPY pyproject.toml README.md ./
COPY generated ./generated
COPY service ./service
RUN /opt/venv/bin/pip install --no-deps . \
    && /opt/venv/bin/pip check \
    && /opt/venv/bin/python -m pip uninstall --yes pip setuptools

FROM python:3.11.14-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="aggregator-gateway" \
      org.opencontainers.image.description="gRPC gateway over the Mesh and MoneyKit aggregators" \
      org.opencontainers.image.version="0.1.0"

# A fixed UID/GID, so that Kubernetes' runAsUser/fsGroup and file ownership on the host agree.
RUN groupadd --system --gid 10001 aggregator \
    && useradd --system --uid 10001 --gid aggregator --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin aggregator

COPY --from=builder /opt/venv /opt/venv
COPY deploy/docker/healthcheck.py /opt/aggregator/healthcheck.py

# Listen on every interface inside the container (the default is loopback only).
# One worker process unless told otherwise (-e AGGREGATOR_WORKERS=N or `--workers N` after the
# image name): the gateway's own default, one per core, counts the host's cores, not the
# container's CPU limit, and would start dozens of workers in a 1-CPU container.
# Shutdown: no drain delay (no load balancer to tell) and a grace below Docker's default
# 10 s stop timeout, so `docker stop` never kills in-flight calls. Behind a load balancer, set
# AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS and raise the stop timeout (docker run
# --stop-timeout, Kubernetes terminationGracePeriodSeconds) above drain delay + grace.
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    AGGREGATOR_LISTEN=0.0.0.0:50051 \
    AGGREGATOR_METRICS_LISTEN=0.0.0.0:9464 \
    AGGREGATOR_WORKERS=1 \
    AGGREGATOR_LOG_FORMAT=json \
    AGGREGATOR_SHUTDOWN_DRAIN_DELAY_SECONDS=0 \
    AGGREGATOR_SHUTDOWN_GRACE_SECONDS=8

USER 10001:10001

# 50051: gRPC (API, health, reflection). 9464: Prometheus metrics.
EXPOSE 50051 9464

HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/opt/venv/bin/python", "/opt/aggregator/healthcheck.py"]

# The gateway drains on SIGTERM (health NOT_SERVING, drain delay, grace) and exits 0. The
# exec-form ENTRYPOINT makes it PID 1, so the signal reaches it directly; with several workers
# PID 1 is their supervisor, which forwards the signal to each and reaps them. Arguments after
# the image name go to the gateway (`--workers 4`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["aggregator-gateway"]
