"""Button and prompt action ids: ``sb:<verb>:<arg>…``, also used as Discord custom_ids.

Everything a button needs is in its id (session, position, choice, page), so a press works
after a restart without any in-memory state. The last argument may contain ``:`` (a query).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import StudyError

PREFIX = "sb"


class Verb(StrEnum):
    """What a press asks for; the value is the short code in the id."""

    ANSWER = "ans"  # session, position, option index, card version
    ASK = "ask"  # session, position, card version: open the short-answer prompt
    TEXT = "txt"  # session, position, card version: the short-answer prompt itself
    SHOW = "show"  # session, position, card version: reveal a flashcard
    RATE = "rate"  # session, position, rating 1-4, card version
    NEXT = "next"  # session
    END = "end"  # session
    RIGHT = "right"  # session, position: "I was right" about a short answer marked wrong
    RETRY = "retry"  # session: a new round of the cards missed in that one
    AGAIN = "again"  # session: a new round like that one
    OVER = "over"  # open session, kind, topic, count, card type, share: drop it and start the new round
    DEFINE = "def"  # term id
    PASSAGE = "psg"  # passage key
    EXCERPT = "xp"  # source or "-", offset, query
    CHECK = "chk"  # page
    STATS = "st"  # topic or "-", page
    RESET = "rst"  # learner id
    KEEP = "keep"  # (nothing): cancel a reset
    REPLACE = "upl"  # pending upload token: replace an existing deck with the uploaded one
    PROGRESS = "prog"  # learner id, page: another page of /progress
    REVIEW_NOW = "rv"  # scope: a reminder's "Review now", pressed in a DM for a server's cards
    CLASS_ANSWER = "ca"  # class game, question position, option index
    CLASS_REVEAL = "cr"  # class game, question position: reveal now
    CLASS_NEXT = "cn"  # class game, question position (the one revealed): next question


ARITY = {
    Verb.ANSWER: 4, Verb.ASK: 3, Verb.TEXT: 3, Verb.SHOW: 3, Verb.RATE: 4, Verb.NEXT: 1, Verb.END: 1,
    Verb.RIGHT: 2, Verb.RETRY: 1, Verb.AGAIN: 1, Verb.OVER: 6,
    Verb.DEFINE: 1, Verb.PASSAGE: 1, Verb.EXCERPT: 3, Verb.CHECK: 1, Verb.STATS: 2, Verb.RESET: 1, Verb.KEEP: 0,
    Verb.REPLACE: 1, Verb.PROGRESS: 2,
    Verb.REVIEW_NOW: 1,
    Verb.CLASS_ANSWER: 3, Verb.CLASS_REVEAL: 2, Verb.CLASS_NEXT: 2,
}
NONE_ARG = "-"


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded action id."""

    verb: Verb
    args: tuple[str, ...]

    def number(self, index: int) -> int:
        """Argument ``index`` as a non-negative integer, or a StudyError for a mangled id."""
        value = self.args[index]
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise _stale()
        return int(value)

    def optional(self, index: int) -> str | None:
        """Argument ``index``, with ``-`` meaning none."""
        value = self.args[index]
        return None if value == NONE_ARG else value


def encode(verb: Verb, *args: object) -> str:
    """Build an action id; every argument but the last must be free of ``:``."""
    if len(args) != ARITY[verb]:
        raise ValueError(f"{verb.name} takes {ARITY[verb]} arguments, not {len(args)}")
    text = [NONE_ARG if a is None else str(a) for a in args]
    if any(":" in a for a in text[:-1]):
        raise ValueError(f"only the last argument of an action id may contain ':': {text}")
    return ":".join((PREFIX, verb.value, *text))


def decode(action_id: str) -> Action:
    """Parse an action id; anything unknown is a StudyError (an old or tampered button)."""
    prefix, _, rest = action_id.partition(":")
    code, _, tail = rest.partition(":")
    if prefix != PREFIX:
        raise _stale()
    try:
        verb = Verb(code)
    except ValueError:
        raise _stale() from None
    arity = ARITY[verb]
    args = tuple(tail.split(":", arity - 1)) if arity else ()
    if (arity and (len(args) != arity or not tail)) or (not arity and tail):
        raise _stale()
    return Action(verb, args)


def _stale() -> StudyError:
    return StudyError("That button is no longer valid.", hint="run the command again")
