"""Every slash command the bot offers, declared once.

The Discord cogs take their names, descriptions and option limits from here, the console
parses and validates typed lines against it, and ``/help`` lists it; a test checks that the
schema Discord receives matches this catalogue, so the two front ends cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

DEFAULT_QUIZ_LENGTH = 10
MAX_QUIZ_LENGTH = 25
QUERY_MAX_LENGTH = 200
TERM_MAX_LENGTH = 100
TIME_MAX_LENGTH = 20
PERIODS = ("week", "month", "all")
EXPORT_FORMATS = ("anki",)
"""What ``/export`` makes for learners: the course's cards for a flashcard app."""
INSTRUCTOR_EXPORT_FORMATS = ("csv", "gift")
"""What ``/instructor export`` makes: the class's progress as CSV, or the cards as Moodle GIFT."""
CARD_TYPES = ("choice", "truefalse", "short", "flashcard")
CLASS_GAME_TYPES = ("choice", "truefalse", "mixed")
DEFAULT_CLASS_QUESTIONS, MAX_CLASS_QUESTIONS = 10, 30
DEFAULT_CLASS_SECONDS, MIN_CLASS_SECONDS, MAX_CLASS_SECONDS = 30, 10, 120


class OptionType(StrEnum):
    """The option kinds the bot uses, named as Discord names them."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    USER = "user"
    ATTACHMENT = "attachment"


class Completion(StrEnum):
    """Which list an option's autocomplete draws from."""

    TOPIC = "topic"
    TERM = "term"
    SOURCE = "source"
    TIMEZONE = "timezone"


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option of a command, with the limits Discord enforces before we see it."""

    name: str
    type: OptionType
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None
    autocomplete: Completion | None = None


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A slash command; ``name`` is what the user types after the slash, groups included."""

    name: str
    description: str
    options: tuple[OptionSpec, ...] = ()
    instructor: bool = False

    @property
    def option_names(self) -> dict[str, OptionSpec]:
        """Options by name."""
        return {option.name: option for option in self.options}

    @property
    def usage(self) -> str:
        """``/quiz [topic] [count]`` style usage line."""
        parts = [f"/{self.name}"]
        for option in self.options:
            parts.append(f"{option.name}:<{option.type.value}>" if option.required else f"[{option.name}]")
        return " ".join(parts)


GROUPS: Mapping[str, str] = {
    "instructor": "Tools for instructors: content, class statistics and progress",
    "remind": "Review reminders by direct message, only if you turn them on",
    "class": "A live class quiz in this channel, run by an instructor",
}
"""Command groups and their descriptions (a group's commands are named ``"<group> <command>"``)."""

_TOPIC = OptionSpec("topic", OptionType.STRING, "Which topic (leave empty for all)", autocomplete=Completion.TOPIC,
                    max_length=TERM_MAX_LENGTH)
_MEMBER = OptionSpec("member", OptionType.USER, "Whose progress to show (instructors only for others)")

COMMANDS: Mapping[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec(
            "quiz",
            "Answer a round of quiz cards, mixing cards due for review with new ones",
            (
                _TOPIC,
                OptionSpec("count", OptionType.INTEGER, f"How many cards (default {DEFAULT_QUIZ_LENGTH})",
                           min_value=1, max_value=MAX_QUIZ_LENGTH),
                OptionSpec("type", OptionType.STRING, "Only one kind of card", choices=CARD_TYPES),
                OptionSpec("share", OptionType.BOOLEAN, "Post your final score in the channel"),
            ),
        ),
        CommandSpec(
            "review",
            "Review the cards that spaced repetition says are due now",
            (OptionSpec("count", OptionType.INTEGER, f"How many cards at most (default {DEFAULT_QUIZ_LENGTH})",
                        min_value=1, max_value=MAX_QUIZ_LENGTH),),
        ),
        CommandSpec(
            "define",
            "Look up a term from the course glossary",
            (OptionSpec("term", OptionType.STRING, "The term, e.g. linkage politics", required=True,
                        max_length=TERM_MAX_LENGTH, autocomplete=Completion.TERM),),
        ),
        CommandSpec(
            "excerpt",
            "Search the course texts and quote the passages that match",
            (
                OptionSpec("query", OptionType.STRING, "Words to look for, e.g. Toshiba submarine", required=True,
                           max_length=QUERY_MAX_LENGTH),
                OptionSpec("source", OptionType.STRING, "Search only one text", autocomplete=Completion.SOURCE,
                           max_length=TERM_MAX_LENGTH),
            ),
        ),
        CommandSpec("progress", "See what you have seen, got right and mastered, by topic", (_MEMBER,)),
        CommandSpec(
            "leaderboard",
            "This server's learners ranked by cards mastered, then accuracy",
            (OptionSpec("period", OptionType.STRING, "Which stretch of time (default week)", choices=PERIODS),),
        ),
        CommandSpec(
            "export",
            "Download the course's cards to study them in Anki",
            (OptionSpec("format", OptionType.STRING, "Which app the file is for", required=True,
                        choices=EXPORT_FORMATS), _TOPIC),
        ),
        CommandSpec("topics", "The course topics and how many cards each has"),
        CommandSpec("sources", "The texts this course studies"),
        CommandSpec("help", "How to use the study bot"),
        CommandSpec("instructor reload", "Validate the content files and put them live", instructor=True),
        CommandSpec("instructor check", "Validate the content files without changing anything", instructor=True),
        CommandSpec("instructor stats", "How the class did on each card, weakest first", (_TOPIC,), instructor=True),
        CommandSpec(
            "instructor export",
            "Download the class's progress (csv) or the cards for Moodle (gift)",
            (
                OptionSpec("format", OptionType.STRING, "csv: progress per learner and topic; gift: Moodle questions",
                           required=True, choices=INSTRUCTOR_EXPORT_FORMATS),
                _TOPIC,
                OptionSpec("attempts", OptionType.BOOLEAN, "With csv: also every single answer"),
            ),
            instructor=True,
        ),
        CommandSpec(
            "instructor upload",
            "Add or replace a deck of cards from a YAML file",
            (OptionSpec("file", OptionType.ATTACHMENT, "The deck, a .yaml file", required=True),),
            instructor=True,
        ),
        CommandSpec(
            "instructor reset",
            "Erase one learner's progress (asks for confirmation)",
            (OptionSpec("member", OptionType.USER, "Whose progress to erase", required=True),),
            instructor=True,
        ),
        CommandSpec(
            "remind on",
            "Get a direct message on days when cards are due (at most once a day)",
            (
                OptionSpec("time", OptionType.STRING, "Your local time of day, e.g. 18:00 or 7pm (default 18:00)",
                           max_length=TIME_MAX_LENGTH),
                OptionSpec("timezone", OptionType.STRING, "Your time zone, e.g. Europe/Berlin (default UTC)",
                           max_length=TERM_MAX_LENGTH, autocomplete=Completion.TIMEZONE),
            ),
        ),
        CommandSpec("remind off", "Stop review reminders"),
        CommandSpec("remind status", "Whether reminders are on, and when the next one is"),
        CommandSpec(
            "class start",
            "Start a live class quiz in this channel; everyone here can answer",
            (
                _TOPIC,
                OptionSpec("count", OptionType.INTEGER, f"How many questions (default {DEFAULT_CLASS_QUESTIONS})",
                           min_value=1, max_value=MAX_CLASS_QUESTIONS),
                OptionSpec("seconds", OptionType.INTEGER, f"Seconds per question (default {DEFAULT_CLASS_SECONDS})",
                           min_value=MIN_CLASS_SECONDS, max_value=MAX_CLASS_SECONDS),
                OptionSpec("type", OptionType.STRING, "Which cards (default mixed)", choices=CLASS_GAME_TYPES),
                OptionSpec("auto", OptionType.BOOLEAN, "Go on to the next question by itself after each reveal"),
            ),
            instructor=True,
        ),
        CommandSpec("class stop", "End this channel's class quiz and post the standings so far", instructor=True),
        CommandSpec("class scores", "The standings of this channel's class quiz, just for you"),
    )
}
