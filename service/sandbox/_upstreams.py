"""Both simulated upstreams together, with credentials of their own."""

import secrets
from types import TracebackType
from typing import Self

from service.sandbox.mesh import MeshSimulator
from service.sandbox.moneykit import MoneyKitSimulator


class SandboxUpstreams:
    """Mesh and MoneyKit simulated on real local HTTP servers, for tests and local runs.

    The credentials are fresh for every instance, so nothing can pass by knowing a constant.
    """

    def __init__(self, token_lifetime_seconds: int = 3600) -> None:
        self.mesh_client_id = secrets.token_urlsafe(16)
        self.mesh_client_secret = secrets.token_urlsafe(32)
        self.moneykit_client_id = secrets.token_urlsafe(16)
        self.moneykit_client_secret = secrets.token_urlsafe(32)
        self.mesh = MeshSimulator(self.mesh_client_id, self.mesh_client_secret)
        self.moneykit = MoneyKitSimulator(
            self.moneykit_client_id, self.moneykit_client_secret, token_lifetime_seconds
        )

    @property
    def mesh_url(self) -> str:
        return self.mesh.url

    @property
    def moneykit_url(self) -> str:
        return self.moneykit.url

    def start(self) -> None:
        self.mesh.start()
        try:
            self.moneykit.start()
        except BaseException:
            self.mesh.stop()
            raise

    def stop(self) -> None:
        self.mesh.stop()
        self.moneykit.stop()

    def reset(self) -> None:
        """Forget the recorded requests and counters, and hold `held` requests again.

        Issued tokens stay as they are.
        """
        self.mesh.reset()
        self.moneykit.reset()

    def release_held(self) -> None:
        """Answer every held request of both upstreams now, and hold none until `reset`.

        The `held` triggers (`service.sandbox.triggers`) keep a request waiting so that a test
        can look at what is under way; `mesh.held_count` and `moneykit.held_count` say how many
        are waiting. `stop()` answers them too, and none waits longer than 60 seconds.
        """
        self.mesh.release_held()
        self.moneykit.release_held()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
