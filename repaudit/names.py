"""Finding a local authority, trust, region or school from what a person types: a code, a name in any
case, a unique start of a name, or a unique word in it; a miss suggests the closest names.

Matching order, first hit wins: exact code or name (case- and space-insensitive); names that start with
the text; names with a word that starts with the text; names containing it. More than one hit at the
first level that has any is ambiguous and says which. Nothing found: the five closest names by
difflib's similarity ratio ("did you mean Brighton and Hove (846)?").
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .errors import RepauditError

SUGGESTIONS = 5


@dataclass(frozen=True)
class Choice:
    """One thing that can be named: its code (what the data key on), its name, and other codes it goes by."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    detail: str = ""               # shown beside the code to tell like names apart (a school's LA, say)

    def label(self) -> str:
        inside = ", ".join(x for x in (self.code if self.code != self.name else "", self.detail) if x)
        return f"{self.name} ({inside})" if inside else self.name


def _key(text) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().casefold()


def _word_starts(name: str, wanted: str) -> bool:
    return any(word.startswith(wanted) for word in re.split(r"[\s\-'’(),/&]+", name) if word)


def _shown(choices: list[Choice], limit: int = SUGGESTIONS) -> str:
    labels = [c.label() for c in choices[:limit]]
    more = len(choices) - limit
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def closest(wanted: str, choices: list[Choice], limit: int = SUGGESTIONS) -> list[Choice]:
    """The LIMIT choices whose names (or codes) are most like WANTED."""
    key = _key(wanted)

    def score(choice: Choice) -> float:
        name = _key(choice.name)
        ratio = difflib.SequenceMatcher(None, key, name, autojunk=False).ratio()
        part = max((difflib.SequenceMatcher(None, key, word, autojunk=False).ratio()
                    for word in name.split()), default=0.0)
        return max(ratio, 0.9 * part)

    return sorted(choices, key=lambda c: (-score(c), _key(c.name), c.code))[:limit]


def _levels(key: str, choices: list[Choice]) -> tuple:
    """The choices KEY names at each matching level, first level first (see the module docstring)."""
    return ([c for c in choices if key in {_key(c.code), _key(c.name), *map(_key, c.aliases)}],
            [c for c in choices if _key(c.name).startswith(key)],
            [c for c in choices if _word_starts(_key(c.name), key)],
            [c for c in choices if key in _key(c.name)])


def names_any(wanted, choices: list[Choice]) -> bool:
    """Whether WANTED names at least one of CHOICES at some level (one or several)."""
    return any(_levels(_key(wanted), choices))


def find(wanted, choices: list[Choice], what: str, option: str | None = None, missing: str | None = None) -> Choice:
    """The one choice WANTED names; a RepauditError that says what matched, or the closest names, if not.
    MISSING starts the message when nothing matches (default: "no WHAT matches")."""
    key = _key(wanted)
    flag = f"--{option} " if option else ""
    if not key:
        raise RepauditError(f"{flag}needs a {what} name or code; got an empty value")
    choices = sorted({c.code: c for c in choices}.values(), key=lambda c: (_key(c.name), c.code))
    for hits in _levels(key, choices):
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise RepauditError(f"{flag}'{wanted}' matches {len(hits)} {what} names: {_shown(hits)}; "
                                "give more of the name, or its code")
    near = closest(wanted, choices)
    hint = f"did you mean {_shown(near)}?" if near else f"the warehouse has no {what} names"
    raise RepauditError(f"{missing or f'no {what} matches'} {flag}'{wanted}': {hint}")
