"""The Mesh simulator."""

from service.sandbox._mesh.simulator import MeshSimulator

__all__ = ["MeshSimulator"]
