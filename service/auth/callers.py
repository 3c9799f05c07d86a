"""Who may call the gateway: the callers file and the registry built from it.

The callers file is TOML, one table per caller:

    [[callers]]
    name = "portfolio-service"
    api_key_sha256 = "<64 hex characters: the SHA-256 of the API key>"
    methods = ["GetHoldings", "GetPortfolio"]   # AggregatorService RPC names, or ["*"]
    mtls_subject = "CN=portfolio-service,O=Example"   # optional: the client certificate subject
    rate_per_second = 50.0   # optional token-bucket rate
    burst = 100              # optional bucket size; defaults to max(1, rate_per_second)

A caller needs `name`, `methods`, and an API key hash, a certificate subject, or both.

`mtls_subject` is an RFC 4514 distinguished name, as `openssl x509 -noout -subject -nameopt
RFC2253` prints it: the last RDN of the certificate's subject comes first, attribute types are
upper case (`CN`, `O`, `OU`, `C`, `L`, `ST`, `DC`, `UID`, `emailAddress` or a dotted OID) and
there are no spaces around `,` and `=`. A certificate made with `openssl req -subj
"/O=Example/CN=portfolio-service"` has the subject `CN=portfolio-service,O=Example`. Subjects are
compared as names (order of RDNs and values must match exactly, `+`-joined attributes in any
order), not as strings.

Every problem with the file is a `CallersFileError` naming the file and the problem; no message
ever contains a key hash.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from aggregator.v1 import aggregator_service_pb2

ALL_METHODS = "*"
"""The `methods` entry that allows every RPC, reflection included."""

SERVICE = aggregator_service_pb2.DESCRIPTOR.services_by_name["AggregatorService"]
METHOD_NAMES: frozenset[str] = frozenset(SERVICE.methods_by_name)
"""The RPC names a caller's `methods` may list."""

_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
RESERVED_NAMES = frozenset({"anonymous"})
"""Names the gateway logs for unauthenticated calls, so no caller may take them."""

# OpenSSL (and so gRPC's `x509_subject`) writes the e-mail attribute as `emailAddress`;
# `cryptography` would write its dotted OID.
_PARSE_NAMES = {"emailAddress": NameOID.EMAIL_ADDRESS, "E": NameOID.EMAIL_ADDRESS}
_PRINT_NAMES = {NameOID.EMAIL_ADDRESS: "emailAddress"}


class CallersFileError(ValueError):
    """The callers file is missing, unreadable or invalid; the message says which and why."""


@dataclass(frozen=True)
class Caller:
    """A known caller: what it may call and how fast."""

    name: str
    methods: frozenset[str]
    """RPC names of `aggregator.v1.AggregatorService`, or `"*"` for everything."""
    mtls_subject: str | None = None
    """The normalised RFC 4514 subject of the caller's client certificate."""
    rate_per_second: float | None = None
    burst: float | None = None
    """The token bucket's size; set whenever `rate_per_second` is."""

    def may_call(self, method_name: str) -> bool:
        """Whether the caller may call the RPC `method_name` (`"GetHoldings"`)."""
        return ALL_METHODS in self.methods or method_name in self.methods


def parse_subject(subject: str) -> x509.Name:
    """The distinguished name an RFC 4514 string denotes; `ValueError` when it is not one."""
    try:
        name = x509.Name.from_rfc4514_string(subject, _PARSE_NAMES)
    except ValueError as exc:
        raise ValueError(
            "is not an RFC 4514 distinguished name such as 'CN=portfolio-service,O=Example' "
            "(upper-case attribute types, no spaces around ',' and '=')"
        ) from exc
    if not name.rdns:
        raise ValueError("is empty")
    return name


def format_subject(name: x509.Name) -> str:
    """The RFC 4514 string of a name, spelled as OpenSSL and gRPC spell it."""
    return name.rfc4514_string(_PRINT_NAMES)


class CallerRegistry:
    """The known callers, found by API key (timing-safe) or by client certificate subject."""

    def __init__(self, entries: Iterable[tuple[Caller, bytes | None]]) -> None:
        """`entries` pairs each caller with the SHA-256 digest (32 bytes) of its API key.

        Raises `ValueError` when two callers share a name, a key or a certificate subject.
        """
        self._callers: list[Caller] = []
        self._digests: list[tuple[bytes, Caller]] = []
        self._subjects: dict[x509.Name, Caller] = {}
        names: dict[str, Caller] = {}
        for caller, digest in entries:
            if caller.name in names:
                raise ValueError(f"two callers are named {caller.name!r}")
            names[caller.name] = caller
            if digest is not None:
                if len(digest) != hashlib.sha256().digest_size:
                    raise ValueError(f"the API key digest of {caller.name!r} is not 32 bytes")
                for other_digest, other in self._digests:
                    if hmac.compare_digest(digest, other_digest):
                        raise ValueError(
                            f"callers {other.name!r} and {caller.name!r} have the same "
                            "api_key_sha256"
                        )
                self._digests.append((digest, caller))
            if caller.mtls_subject is not None:
                try:
                    subject = parse_subject(caller.mtls_subject)
                except ValueError as exc:
                    raise ValueError(f"the mtls_subject of {caller.name!r} {exc}") from None
                if subject in self._subjects:
                    raise ValueError(
                        f"callers {self._subjects[subject].name!r} and {caller.name!r} have "
                        "the same mtls_subject"
                    )
                self._subjects[subject] = caller
            self._callers.append(caller)

    @property
    def callers(self) -> tuple[Caller, ...]:
        return tuple(self._callers)

    def __len__(self) -> int:
        return len(self._callers)

    def by_api_key(self, key: str) -> Caller | None:
        """The caller whose API key is `key`, or None.

        The presented key is hashed and compared with every known digest using
        `hmac.compare_digest`, without stopping at a match, so the time taken does not tell
        which digest (or how much of one) matched.
        """
        presented = hashlib.sha256(key.encode()).digest()
        found: Caller | None = None
        for digest, caller in self._digests:
            if hmac.compare_digest(presented, digest):
                found = caller
        return found

    def by_mtls_subject(self, subject: str | x509.Name) -> Caller | None:
        """The caller whose certificate subject is `subject` (an RFC 4514 string or a name)."""
        if isinstance(subject, str):
            try:
                subject = parse_subject(subject)
            except ValueError:
                return None
        return self._subjects.get(subject)


def load_callers(path: Path) -> CallerRegistry:
    """Read and validate the callers file at `path`; `CallersFileError` when it is invalid."""
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise CallersFileError(f"Cannot read the callers file {path}: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CallersFileError(f"The callers file {path} is not valid TOML: {exc}.") from exc
    try:
        document = _CallersFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise CallersFileError(f"The callers file {path} is invalid: {problems}.") from None
    try:
        return CallerRegistry(entry.to_entry() for entry in document.callers)
    except ValueError as exc:
        raise CallersFileError(f"The callers file {path} is invalid: {exc}.") from None


def _describe(error: ErrorDetails) -> str:
    """One validation problem, by place and message only: never the value that was given."""
    place = ""
    for part in error["loc"]:
        place += f"[{part}]" if isinstance(part, int) else f".{part}" if place else str(part)
    if error["type"] == "model_type":
        message = "should be a table"
    elif error["type"] == "list_type" and place == "callers":
        message = "should be an array of tables ([[callers]])"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
    return f"{place}: {message}" if place else message


class _CallerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(pattern=_NAME_PATTERN)
    api_key_sha256: str | None = None
    methods: list[str] = Field(min_length=1)
    mtls_subject: str | None = None
    rate_per_second: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    burst: float | None = Field(default=None, ge=1, allow_inf_nan=False)

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name in RESERVED_NAMES:
            raise ValueError(f"{name!r} is reserved for unauthenticated calls")
        return name

    @field_validator("api_key_sha256")
    @classmethod
    def _is_sha256_hex(cls, value: str | None) -> str | None:
        if value is not None and not _HEX_SHA256.fullmatch(value):
            raise ValueError("must be 64 hexadecimal characters: the SHA-256 of the API key")
        return value

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, methods: list[str]) -> list[str]:
        for method in methods:
            if method != ALL_METHODS and method not in METHOD_NAMES:
                raise ValueError(
                    f"unknown method {method!r}; expected '*' or some of "
                    + ", ".join(sorted(METHOD_NAMES))
                )
        if ALL_METHODS in methods and len(methods) > 1:
            raise ValueError("'*' already allows every method; list it alone")
        return methods

    @field_validator("mtls_subject")
    @classmethod
    def _normalised_subject(cls, subject: str | None) -> str | None:
        return None if subject is None else format_subject(parse_subject(subject))

    @model_validator(mode="after")
    def _identifiable(self) -> _CallerEntry:
        if self.api_key_sha256 is None and self.mtls_subject is None:
            raise ValueError("a caller needs api_key_sha256, mtls_subject, or both")
        if self.burst is not None and self.rate_per_second is None:
            raise ValueError("burst needs rate_per_second")
        return self

    def to_entry(self) -> tuple[Caller, bytes | None]:
        burst = self.burst
        if burst is None and self.rate_per_second is not None:
            burst = max(1.0, self.rate_per_second)
        caller = Caller(
            name=self.name,
            methods=frozenset(self.methods),
            mtls_subject=self.mtls_subject,
            rate_per_second=self.rate_per_second,
            burst=burst,
        )
        digest = None if self.api_key_sha256 is None else bytes.fromhex(self.api_key_sha256)
        return caller, digest


class _CallersFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    callers: list[_CallerEntry] = Field(min_length=1)
