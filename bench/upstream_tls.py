"""Scenario 8: the fast upstream over TLS on loopback (a throwaway CA made now, trusted through
SSL_CERT_FILE, which OpenSSL's default verify paths and so both of the gateway's transports
honour), with ceiling B and the gateway (defaults) measured as in scenario 1."""

from __future__ import annotations

from contextlib import ExitStack

from bench.environment import DIRECT_VALUE_BODY, VALUE_BODY, Environment
from bench.harness import free_port, h2load
from bench.scenarios import CEILING_B, GATEWAY
from bench.servers import ceiling_b, default_env, gateway, settings_shown, upstream
from bench.tls import loopback_pki

SCENARIO = "8. GetHoldingsValue, upstream over TLS"
DIRECT_P50_TLS = "direct upstream over TLS p50 ms (concurrency 1)"


def over_tls(env: Environment) -> None:
    directory = env.scratch / "pki"
    directory.mkdir(exist_ok=True)
    pki = loopback_pki(directory)
    with ExitStack() as stack:
        secure = stack.enter_context(upstream(pki=pki))
        plain_b = stack.enter_context(ceiling_b(secure, secure, pki.ca_file))
        port, metrics_port = free_port(), free_port()
        settings = {
            **default_env(secure, secure, port, metrics_port),
            "SSL_CERT_FILE": str(pki.ca_file),
        }
        env.settings[f"{GATEWAY}, upstream over TLS"] = settings_shown(settings)
        server = stack.enter_context(
            gateway(settings, port, metrics_port, env.scratch / "tls-gateway.log")
        )
        for concurrency in [1, 16] if env.smoke else [1, 64, 256]:
            env.bench.compare(SCENARIO, (GATEWAY, server), (CEILING_B, plain_b),
                              "GetHoldingsValue", VALUE_BODY, concurrency)  # fmt: skip
        direct = h2load(
            f"{secure}/api/v1/holdings/value",
            DIRECT_VALUE_BODY,
            1,
            env.bench.calls_for(1),
            http1=True,
            content_type="application/json",
        )
    env.bench.notes[DIRECT_P50_TLS] = direct.p50_ms
