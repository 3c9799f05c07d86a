"""Every simulated upstream together: one per sandbox package, found by name."""

import importlib
import pkgutil
from types import TracebackType
from typing import Self

from service.sandbox._http import SimulatedUpstream


def _simulator_packages() -> list[str]:
    import service.sandbox

    return sorted(
        module.name
        for module in pkgutil.iter_modules(service.sandbox.__path__)
        if module.ispkg and not module.name.startswith("_")
    )


class SandboxUpstreams:
    """Every provider's simulator on a real local HTTP server, for tests and local runs.

    Each package `service.sandbox.<provider>` exposes `SIMULATOR`, a class whose instances make
    fresh credentials; a simulator is reached by its provider's name (`sandbox.mesh`). Pass one
    by name to use it instead of a default one (`SandboxUpstreams(moneykit=MoneyKitSimulator(
    token_lifetime_seconds=120))`).
    """

    def __init__(self, **simulators: SimulatedUpstream) -> None:
        self.simulators: dict[str, SimulatedUpstream] = {}
        for name in _simulator_packages():
            given = simulators.pop(name, None)
            package = importlib.import_module(f"service.sandbox.{name}")
            self.simulators[name] = given if given is not None else package.SIMULATOR()
        if simulators:
            raise ValueError(f"no sandbox package for {', '.join(sorted(simulators))}")

    def __getattr__(self, name: str) -> SimulatedUpstream:
        simulators: dict[str, SimulatedUpstream] = self.__dict__.get("simulators", {})
        if name in simulators:
            return simulators[name]
        raise AttributeError(name)

    def start(self) -> None:
        started: list[SimulatedUpstream] = []
        try:
            for simulator in self.simulators.values():
                simulator.start()
                started.append(simulator)
        except BaseException:
            for simulator in started:
                simulator.stop()
            raise

    def stop(self) -> None:
        for simulator in self.simulators.values():
            simulator.stop()

    def reset(self) -> None:
        """Forget the recorded requests and counters, and hold `held` requests again.

        Issued tokens stay as they are.
        """
        for simulator in self.simulators.values():
            simulator.reset()

    def release_held(self) -> None:
        """Answer every held request of every upstream now, and hold none until `reset`.

        The `held` triggers keep a request waiting so that a test can look at what is under
        way; each simulator's `held_count` says how many are waiting. `stop()` answers them
        too, and none waits longer than 60 seconds.
        """
        for simulator in self.simulators.values():
            simulator.release_held()

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
