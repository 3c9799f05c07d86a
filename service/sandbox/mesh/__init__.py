"""The Mesh simulator; its trigger values are in `service.sandbox.mesh.triggers`."""

from service.sandbox.mesh.simulator import MeshSimulator

SIMULATOR = MeshSimulator

__all__ = ["SIMULATOR", "MeshSimulator"]
