"""The callers file: what a valid one gives, how each kind of invalid one is reported."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import pytest
from cryptography import x509

from service.auth.callers import (
    METHOD_NAMES,
    Caller,
    CallerRegistry,
    CallersFileError,
    load_callers,
)

PORTFOLIO_KEY = "portfolio-key-0123456789"
ADMIN_KEY = "admin-key-9876543210"
OTHER_KEY = "someone-else-entirely"


def sha256_hex(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def name_of(caller: Caller | None) -> str | None:
    return None if caller is None else caller.name


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "callers.toml"
    path.write_text(text)
    return path


GOOD_FILE = f"""
[[callers]]
name = "portfolio-service"
api_key_sha256 = "{sha256_hex(PORTFOLIO_KEY)}"
methods = ["GetHoldings", "GetPortfolio"]
mtls_subject = "CN=portfolio-service,O=Example"
rate_per_second = 50.0

[[callers]]
name = "admin"
api_key_sha256 = "{sha256_hex(ADMIN_KEY).upper()}"
methods = ["*"]

[[callers]]
name = "batch.job-1"
mtls_subject = "CN=batch,E=ops@example.com,O=Example"
methods = ["GetHoldingsValue"]
rate_per_second = 0.5

[[callers]]
name = "trader"
api_key_sha256 = "{sha256_hex(OTHER_KEY)}"
methods = ["CancelOrder"]
rate_per_second = 2
burst = 5
"""


def test_a_valid_file_gives_every_caller_with_its_methods_subject_and_rate(
    tmp_path: Path,
) -> None:
    registry = load_callers(write(tmp_path, GOOD_FILE))

    assert registry.callers == (
        Caller(
            name="portfolio-service",
            methods=frozenset({"GetHoldings", "GetPortfolio"}),
            mtls_subject="CN=portfolio-service,O=Example",
            rate_per_second=50.0,
            burst=50.0,
        ),
        Caller(name="admin", methods=frozenset({"*"})),
        Caller(
            name="batch.job-1",
            methods=frozenset({"GetHoldingsValue"}),
            mtls_subject="CN=batch,emailAddress=ops@example.com,O=Example",
            rate_per_second=0.5,
            burst=1.0,
        ),
        Caller(
            name="trader",
            methods=frozenset({"CancelOrder"}),
            rate_per_second=2.0,
            burst=5.0,
        ),
    )
    assert len(registry) == 4


def test_may_call_allows_listed_methods_and_star_allows_all() -> None:
    portfolio = Caller(name="p", methods=frozenset({"GetHoldings"}))
    admin = Caller(name="a", methods=frozenset({"*"}))

    assert portfolio.may_call("GetHoldings")
    assert not portfolio.may_call("CancelOrder")
    assert all(admin.may_call(method) for method in METHOD_NAMES)


def test_the_key_lookup_finds_the_caller_that_owns_the_key(tmp_path: Path) -> None:
    registry = load_callers(write(tmp_path, GOOD_FILE))

    assert name_of(registry.by_api_key(PORTFOLIO_KEY)) == "portfolio-service"
    assert name_of(registry.by_api_key(ADMIN_KEY)) == "admin"
    assert name_of(registry.by_api_key(OTHER_KEY)) == "trader"
    assert registry.by_api_key("not-a-key") is None
    assert registry.by_api_key("") is None
    assert registry.by_api_key(sha256_hex(PORTFOLIO_KEY)) is None


def test_the_key_lookup_compares_against_every_key_even_after_a_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = load_callers(write(tmp_path, GOOD_FILE))
    compared: list[tuple[bytes, bytes]] = []
    real_compare_digest = hmac.compare_digest

    def counting_compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real_compare_digest(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting_compare_digest)

    found = registry.by_api_key(PORTFOLIO_KEY)  # the first caller in the file

    assert name_of(found) == "portfolio-service"
    keys_in_file = [digest(PORTFOLIO_KEY), digest(ADMIN_KEY), digest(OTHER_KEY)]
    assert [stored for _, stored in compared] == keys_in_file
    assert all(presented == digest(PORTFOLIO_KEY) for presented, _ in compared)


def test_the_subject_lookup_compares_names_not_strings(tmp_path: Path) -> None:
    registry = load_callers(write(tmp_path, GOOD_FILE))

    by_string = registry.by_mtls_subject("CN=portfolio-service,O=Example")
    by_oid = registry.by_mtls_subject("2.5.4.3=portfolio-service,2.5.4.10=Example")
    by_name = registry.by_mtls_subject(
        x509.Name.from_rfc4514_string("CN=portfolio-service,O=Example")
    )
    by_email_spelling = registry.by_mtls_subject(
        "CN=batch,1.2.840.113549.1.9.1=ops@example.com,O=Example"
    )

    assert name_of(by_string) == "portfolio-service"
    assert by_oid == by_string == by_name
    assert name_of(by_email_spelling) == "batch.job-1"
    assert registry.by_mtls_subject("O=Example,CN=portfolio-service") is None
    assert registry.by_mtls_subject("CN=portfolio-service") is None
    assert registry.by_mtls_subject("not a subject") is None


def test_attributes_of_one_rdn_match_in_any_order() -> None:
    caller = Caller(name="x", methods=frozenset({"*"}), mtls_subject="CN=a+UID=7,O=Example")
    registry = CallerRegistry([(caller, None)])

    assert registry.by_mtls_subject("UID=7+CN=a,O=Example") == caller


def test_the_registry_refuses_duplicates_when_built_directly() -> None:
    one = Caller(name="one", methods=frozenset({"*"}), mtls_subject="CN=one")
    same_name = Caller(name="one", methods=frozenset({"*"}))
    same_subject = Caller(name="two", methods=frozenset({"*"}), mtls_subject="CN=one")

    with pytest.raises(ValueError, match="two callers are named 'one'"):
        CallerRegistry([(one, None), (same_name, None)])
    with pytest.raises(ValueError, match="same mtls_subject"):
        CallerRegistry([(one, None), (same_subject, None)])
    with pytest.raises(ValueError, match="same api_key_sha256"):
        CallerRegistry([(one, digest("k")), (Caller("two", frozenset({"*"})), digest("k"))])
    with pytest.raises(ValueError, match="not 32 bytes"):
        CallerRegistry([(one, b"short")])


VALID_HASH = sha256_hex(PORTFOLIO_KEY)


def caller_table(**fields: object) -> str:
    """One `[[callers]]` table; a field set to None is left out."""
    defaults: dict[str, object] = {
        "name": "portfolio-service",
        "api_key_sha256": VALID_HASH,
        "methods": ["GetHoldings"],
    }
    defaults.update(fields)
    lines = ["[[callers]]"]
    for key, value in defaults.items():
        if value is None:
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(f'"{item}"' for item in value) + "]")
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


BAD_FILES: dict[str, tuple[str, str]] = {
    "unknown top-level key": (
        'version = "1"\n' + caller_table(),
        ": version: Extra inputs are not permitted",
    ),
    "unknown caller key": (
        caller_table(api_key="x"),
        "callers[0].api_key: Extra inputs are not permitted",
    ),
    "hash too short": (
        caller_table(api_key_sha256=VALID_HASH[:-1]),
        "callers[0].api_key_sha256: must be 64 hexadecimal characters",
    ),
    "hash not hex": (
        caller_table(api_key_sha256="g" + VALID_HASH[1:]),
        "callers[0].api_key_sha256: must be 64 hexadecimal characters",
    ),
    "hash not a string": (
        caller_table(api_key_sha256=12345),
        "callers[0].api_key_sha256: Input should be a valid string",
    ),
    "unknown method": (
        caller_table(methods=["GetHoldings", "DeleteEverything"]),
        "callers[0].methods: unknown method 'DeleteEverything'",
    ),
    "method in the wrong case": (
        caller_table(methods=["getholdings"]),
        "unknown method 'getholdings'",
    ),
    "full method path": (
        caller_table(methods=["/aggregator.v1.AggregatorService/GetHoldings"]),
        "unknown method",
    ),
    "star with other methods": (
        caller_table(methods=["*", "GetHoldings"]),
        "'*' already allows every method",
    ),
    "no methods": (caller_table(methods=[]), "callers[0].methods: List should have at least 1"),
    "methods not a list": (
        caller_table(methods="GetHoldings"),
        "callers[0].methods: Input should be a valid list",
    ),
    "no name": (caller_table(name=None), "callers[0].name: Field required"),
    "no methods key": (caller_table(methods=None), "callers[0].methods: Field required"),
    "name with spaces": (caller_table(name="my service"), "callers[0].name: String should match"),
    "reserved name": (caller_table(name="anonymous"), "'anonymous' is reserved"),
    "neither key nor subject": (
        caller_table(api_key_sha256=None),
        "callers[0]: a caller needs api_key_sha256, mtls_subject, or both",
    ),
    "subject not RFC 4514": (
        caller_table(mtls_subject="/CN=portfolio-service/O=Example"),
        "callers[0].mtls_subject: is not an RFC 4514 distinguished name",
    ),
    "empty subject": (caller_table(mtls_subject=""), "callers[0].mtls_subject: is empty"),
    "burst without rate": (caller_table(burst=10), "callers[0]: burst needs rate_per_second"),
    "zero rate": (
        caller_table(rate_per_second=0),
        "callers[0].rate_per_second: Input should be greater than 0",
    ),
    "negative rate": (caller_table(rate_per_second=-1.5), "greater than 0"),
    "rate as a string": (caller_table(rate_per_second="50"), "Input should be a valid number"),
    "infinite rate as a TOML float": (
        caller_table() + "rate_per_second = inf\n",
        "callers[0].rate_per_second: Input should be a finite number",
    ),
    "burst below one": (
        caller_table(rate_per_second=1, burst=0.5),
        "callers[0].burst: Input should be greater than or equal to 1",
    ),
    "rate as a boolean": (caller_table(rate_per_second=True), "Input should be a valid number"),
    "duplicate names": (
        caller_table() + caller_table(api_key_sha256=sha256_hex(ADMIN_KEY)),
        "two callers are named 'portfolio-service'",
    ),
    "duplicate keys": (
        caller_table() + caller_table(name="copy", api_key_sha256=VALID_HASH.upper()),
        "callers 'portfolio-service' and 'copy' have the same api_key_sha256",
    ),
    "duplicate subjects": (
        caller_table(api_key_sha256=None, mtls_subject="CN=a,O=b")
        + caller_table(name="b", api_key_sha256=None, mtls_subject="CN=a,2.5.4.10=b"),
        "callers 'portfolio-service' and 'b' have the same mtls_subject",
    ),
    "no callers": ("", "callers: Field required"),
    "empty callers": ("callers = []\n", "callers: List should have at least 1"),
    "callers not tables": ('callers = ["x"]\n', "callers[0]: should be a table"),
    "callers not an array": ('callers = "x"\n', "callers: should be an array of tables"),
    "not TOML": (
        caller_table(api_key_sha256=None) + f"api_key_sha256 = {VALID_HASH}\n",
        "is not valid TOML",
    ),
    "second caller wrong": (
        caller_table() + caller_table(name="second", methods=["Nope"]),
        "callers[1].methods: unknown method 'Nope'",
    ),
}


@pytest.mark.parametrize(("text", "problem"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_an_invalid_file_names_the_file_and_the_problem_but_no_key_hash(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(CallersFileError) as raised:
        load_callers(path)

    message = str(raised.value)
    assert str(path) in message
    assert problem in message
    assert not re.search(r"[0-9a-fA-F]{64}", message), message
    assert isinstance(raised.value, ValueError)


def test_a_missing_file_is_a_callers_file_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(CallersFileError, match=f"Cannot read the callers file {path}"):
        load_callers(path)
