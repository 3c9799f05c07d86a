"""Embedded sandbox upstreams: Mesh and MoneyKit simulated on local HTTP servers.

They speak the upstreams' protocols as the upstreams' own documents describe them, and know
nothing of the gateway, so the gateway is tested against the contract, not against itself.
Failures, data sets and held answers are chosen by request values, listed in
`service.sandbox.triggers`.
"""

from service.sandbox._http import RecordedRequest
from service.sandbox._upstreams import SandboxUpstreams

__all__ = ["RecordedRequest", "SandboxUpstreams"]
