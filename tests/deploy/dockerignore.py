"""`.dockerignore` evaluated the way Docker's build context loader does (moby/patternmatcher).

Patterns are cleaned paths relative to the context root; `*` and `?` stay within one path
segment, `**` spans any number of segments; a pattern excludes a path when it matches the path
or one of its parent directories; `!` re-includes; the last matching line wins.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    include: bool


def _regex(pattern: str) -> re.Pattern[str]:
    out = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                out += "(?:.*/)?"
                index += 1
            else:
                out += ".*"
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = pattern.index("]", index + 1)
            out += pattern[index : end + 1]
            index = end
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out += re.escape(pattern[index])
        else:
            out += re.escape(char)
        index += 1
    return re.compile(f"^{out}$")


def read(path: Path) -> list[Pattern]:
    patterns = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        if include:
            line = line[1:].strip()
        cleaned = posixpath.normpath(line).lstrip("/")
        patterns.append(Pattern(_regex(cleaned), include))
    return patterns


def is_excluded(patterns: list[Pattern], relative: str) -> bool:
    """Whether the context path `relative` (POSIX, from the context root) is left out."""
    parts = relative.strip("/").split("/")
    candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    excluded = False
    for pattern in patterns:
        if any(pattern.regex.match(candidate) for candidate in candidates):
            excluded = not pattern.include
    return excluded
