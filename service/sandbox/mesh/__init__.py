"""The Mesh simulator."""

from service.sandbox.mesh.simulator import MeshSimulator

__all__ = ["MeshSimulator"]
