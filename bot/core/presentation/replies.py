"""The neutral reply every use case returns; front ends only translate it.

A :class:`Reply` is fitted to Discord's limits when it is built (titles, body, fields,
footer, buttons), so neither front end can send something Discord would reject and both
show the same words. Buttons carry an *action id* that is also the Discord custom_id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.core.errors import StudyError
from bot.core.text import truncate

TITLE_LIMIT = 256
BODY_LIMIT = 4096
FIELD_COUNT_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
BUTTON_LIMIT = 25
BUTTONS_PER_ROW = 5
BUTTON_LABEL_LIMIT = 80
ACTION_ID_LIMIT = 100
PROMPT_LABEL_LIMIT = 45
PROMPT_TITLE_LIMIT = 45


def _check_action_id(action: str) -> None:
    """An action id becomes a Discord custom_id: one that is too long is a bug, not user input."""
    if len(action) > ACTION_ID_LIMIT:
        raise ValueError(f"action id longer than {ACTION_ID_LIMIT} characters: {action!r}")


class ButtonStyle(StrEnum):
    """How a button looks; the console ignores it, Discord maps it to its own styles."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


class Tone(StrEnum):
    """What kind of news a reply is, for the embed colour or a terminal colour."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Button:
    """A press-able action; ``action`` is the stable id the service understands."""

    label: str
    action: str
    style: ButtonStyle = ButtonStyle.SECONDARY
    disabled: bool = False

    def __post_init__(self) -> None:
        _check_action_id(self.action)
        object.__setattr__(self, "label", truncate(self.label, BUTTON_LABEL_LIMIT) or "…")


@dataclass(frozen=True, slots=True)
class Field:
    """A named block under the body (an embed field in Discord)."""

    name: str
    value: str
    inline: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", truncate(self.name, FIELD_NAME_LIMIT) or "\u200b")
        object.__setattr__(self, "value", truncate(self.value, FIELD_VALUE_LIMIT) or "\u200b")


@dataclass(frozen=True, slots=True)
class TextPrompt:
    """An open request for free text (a short answer); ``action`` identifies what it answers."""

    action: str
    title: str
    label: str
    placeholder: str = ""
    max_length: int = 300

    def __post_init__(self) -> None:
        _check_action_id(self.action)
        object.__setattr__(self, "title", truncate(self.title, PROMPT_TITLE_LIMIT))
        object.__setattr__(self, "label", truncate(self.label, PROMPT_LABEL_LIMIT))
        object.__setattr__(self, "placeholder", truncate(self.placeholder, 100))


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with the reply (exports)."""

    filename: str
    data: bytes
    description: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """What the user sees, fitted to Discord's limits at construction.

    ``prompt`` is a text prompt that is open after this reply (the console's ``submit``
    answers it). ``modal`` asks Discord to open that prompt as a modal right away, which is
    only possible in answer to a button press.
    """

    title: str
    body: str = ""
    fields: tuple[Field, ...] = ()
    footer: str | None = None
    buttons: tuple[Button, ...] = ()
    prompt: TextPrompt | None = None
    modal: bool = False
    ephemeral: bool = True
    error: str | None = None
    tone: Tone = Tone.INFO
    attachments: tuple[Attachment, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.modal and self.prompt is None:
            raise ValueError("a modal reply needs a prompt")
        if len(self.buttons) > BUTTON_LIMIT:
            raise ValueError(f"at most {BUTTON_LIMIT} buttons fit on a message")
        title = truncate(self.title, TITLE_LIMIT)
        footer = truncate(self.footer, FOOTER_LIMIT) if self.footer else None
        fields = self.fields[:FIELD_COUNT_LIMIT]
        fixed = len(title) + len(footer or "") + sum(len(f.name) + len(f.value) for f in fields)
        if fixed > EMBED_TOTAL_LIMIT - 200:
            fields = _fields_within(fields, EMBED_TOTAL_LIMIT - 200 - len(title) - len(footer or ""))
            fixed = len(title) + len(footer or "") + sum(len(f.name) + len(f.value) for f in fields)
        body = truncate(self.body, min(BODY_LIMIT, EMBED_TOTAL_LIMIT - fixed))
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "footer", footer)
        object.__setattr__(self, "fields", tuple(fields))
        object.__setattr__(self, "body", body)

    @property
    def size(self) -> int:
        """Characters Discord counts against an embed's 6,000 total."""
        return len(self.title) + len(self.body) + len(self.footer or "") + sum(
            len(f.name) + len(f.value) for f in self.fields
        )


def _fields_within(fields: tuple[Field, ...], budget: int) -> tuple[Field, ...]:
    kept: list[Field] = []
    for item in fields:
        cost = len(item.name) + len(item.value)
        if cost > budget:
            break
        kept.append(item)
        budget -= cost
    return tuple(kept)


def error_reply(error: StudyError) -> Reply:
    """The reply for a problem the user can act on: always private, message and hint shown."""
    hint = error.hint.rstrip(".") if error.hint else ""
    body = f"{error.message}\n\n*{hint[0].upper()}{hint[1:]}.*" if hint else error.message
    return Reply(title="Sorry", body=body, error=error.message, tone=Tone.ERROR)
