"""Review reminders: ``/remind on|off|status``, the reminders that fall due, and their delivery outcome.

A front end delivers reminders; this module decides them. :meth:`ReminderUseCases.due_reminders`
returns the messages due at a moment without marking anything sent; the front end reports each
outcome with :meth:`~ReminderUseCases.delivered`, :meth:`~ReminderUseCases.refused` (the learner's
DMs are closed: reminders go off and their next reply says so) or :meth:`~ReminderUseCases.skipped`.
So a crash between sending and recording resends a reminder rather than losing it, and a
reminder reported twice moves on once. Nobody without a ``/remind on`` row is ever considered.

Reminders belong to a person (a user key) for one delivery route: ``discord`` (a direct message)
or ``console`` (a reply during ``wait``), so a console session on the same database never
takes a Discord learner's reminder.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as time_of_day
from zoneinfo import ZoneInfo

from bot.core.errors import StudyError
from bot.core.presentation.actions import Action
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Reply, Tone
from bot.core.presentation.time_text import duration
from bot.core.progress.reminders import ReminderSettings, ReminderStore
from bot.core.reminders.message import DMS_REFUSED, NOTICES, ReminderPlace, places_to_mention, reminder_reply
from bot.core.reminders.schedule import (
    DEFAULT_TIME,
    DEFAULT_ZONE,
    clock_text,
    is_stale,
    local_text,
    next_send_time,
    parse_time,
    zone_choices,
    zone_named,
)
from bot.core.service.context import Actor, StudyContext
from bot.core.service.quiz import QuizUseCases

CONSOLE_SCOPE = "console"
DISCORD, CONSOLE = "discord", "console"
MAX_DUE_COUNTED = 500
"""Due cards counted per place; a reminder past this says so only as this number."""

PlaceNamer = Callable[[str], str | None]
"""A front end's name for a scope (a server's name), or None when it does not know it."""


def delivery_for(scope: str) -> str:
    """How a learner acting in ``scope`` is reminded: a reply in the console, else a Discord DM."""
    return CONSOLE if scope == CONSOLE_SCOPE else DISCORD


def default_place_name(scope: str) -> str:
    """What a reminder calls a place when the front end gives no name."""
    if scope == CONSOLE_SCOPE:
        return "the console"
    if scope == "dm":
        return "your direct messages with me"
    return "your server"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A reminder to deliver: to whom (their user key), the reply, and the send time it answers."""

    recipient: str
    delivery: str
    send_at: datetime
    reply: Reply


NOTICE_REFRESH_SECONDS = 30.0
"""How stale, on a shared database, the list of learners with a waiting notice may be."""


class ReminderUseCases:
    """Opting in and out, what is due, and what delivery did; one instance per service."""

    def __init__(self, ctx: StudyContext, store: ReminderStore, quiz: QuizUseCases) -> None:
        self._ctx = ctx
        self._store = store
        self._quiz = quiz
        self._noticed: set[tuple[str, str]] | None = None
        """Who has a notice waiting, loaded on first use; on SQLite this process is the only writer after
        that, while on a shared PostgreSQL another process may add one, so it is re-read there, but at
        most every NOTICE_REFRESH_SECONDS: not one more query on every reply of every learner."""
        self._noticed_at = 0.0

    def exclusive(self, job: str) -> AbstractAsyncContextManager[bool]:
        """Hold ``job`` (e.g. sending one delivery's reminders) across every bot process on this database."""
        return self._ctx.store.exclusive(job)

    # Commands

    async def turn_on(self, actor: Actor, time: str | None = None, timezone: str | None = None) -> Reply:
        """``/remind on``: opt in, or change the time or zone (unchanged ones are kept, else 18:00 UTC)."""
        delivery = delivery_for(actor.scope)
        known = await self._store.get(delivery, actor.user_key)
        at = parse_time(time) if time else _stored_time(known) or DEFAULT_TIME
        zone = zone_named(timezone) if timezone else _stored_zone(known) or ZoneInfo(DEFAULT_ZONE)
        now = self._ctx.clock()
        next_at = next_send_time(now, at, zone, known.last_sent_at if known else None)
        await self._store.turn_on(delivery, actor.user_key, clock_text(at), zone.key, next_at)
        if self._noticed is not None:
            self._noticed.discard((delivery, actor.user_key))
        body = (f"On days when cards are due, I'll send you a direct message at **{clock_text(at)}** "
                f"({zone.key} time), at most once a day: how many cards are due, where, and a "
                f"*Review now* button.\n\nNext check: {_upcoming(next_at, zone, now)}.")
        if not timezone and zone.key == DEFAULT_ZONE:
            body += "\n\n*Times are in UTC: add `timezone:` (e.g. Europe/Berlin) to use your own.*"
        return Reply(title="Reminders on", body=body, footer="/remind status shows them · /remind off stops them",
                     tone=Tone.SUCCESS)

    async def turn_off(self, actor: Actor) -> Reply:
        """``/remind off``: no reminder is sent from now on (the time and zone are kept for later)."""
        was_on = await self._store.turn_off(delivery_for(actor.scope), actor.user_key)
        body = "No more reminders." if was_on else "Reminders were already off."
        return Reply(title="Reminders off", body=body + " Turn them on again with /remind on.")

    async def status(self, actor: Actor) -> Reply:
        """``/remind status``: on or off, when the next check is, and what is due now."""
        known = await self._store.get(delivery_for(actor.scope), actor.user_key)
        if known is None or not known.enabled or known.next_send_at is None:
            return Reply(title="Reminders are off",
                         body="Turn them on with /remind on, optionally with a `time:` and a `timezone:`.")
        zone = _stored_zone(known) or ZoneInfo(DEFAULT_ZONE)
        now = self._ctx.clock()
        due = sum(p.due for p in await self._places(known.user_key, known.delivery, now, default_place_name))
        body = (f"Every day at **{known.local_time}** ({zone.key} time), when cards are due.\n"
                f"Next check: {_upcoming(known.next_send_at, zone, now)}.\n"
                f"Cards due now: {due}.")
        return Reply(title="Reminders are on", body=body, footer="/remind off stops them")

    def complete_timezone(self, typed: str) -> list[tuple[str, str]]:
        """Autocomplete ``(label, value)`` pairs for the ``timezone`` option."""
        return [(name, name) for name in zone_choices(typed)]

    async def press_review(self, actor: Actor, action: Action) -> Reply:
        """A reminder's *Review now*: start the review of that place's cards, wherever it is pressed."""
        scope = action.args[0]
        learner = await self._ctx.store.get_learner(scope, actor.user_key)
        if learner is None:
            raise StudyError("You have no cards to review there.", hint="start with /quiz in that server")
        return await self._quiz.review(Actor(scope, actor.user_key, learner.display_name))

    # What falls due, and what became of it

    async def due_reminders(self, now: datetime, delivery: str = CONSOLE,
                            place_name: PlaceNamer | None = None) -> list[OutgoingMessage]:
        """The reminders to deliver at ``now`` (nothing is marked sent: report each outcome).

        Reminders with nothing due, or too late to send (the bot was down for hours), are moved
        on to their next day here, so they are not considered again.
        """
        namer = place_name or default_place_name
        messages: list[OutgoingMessage] = []
        for row in await self._store.due(delivery, now):
            assert row.next_send_at is not None  # due() reads only reminders that are on
            places = [] if is_stale(row.next_send_at, now) else places_to_mention(
                await self._places(row.user_key, delivery, now, namer))
            if not places:
                await self._move_on(row, now, sent=False)
                continue
            recipient = escape_markdown(await self._recipient_name(row.user_key, places[0].scope))
            body = self._ctx.render("reminder.md.j2", places=places, multiple=len(places) > 1)
            messages.append(OutgoingMessage(row.user_key, delivery, row.next_send_at,
                                            reminder_reply(recipient, places, body)))
        return messages

    async def next_send_at(self, delivery: str = CONSOLE) -> datetime | None:
        """When the earliest reminder falls due (for a front end's timer, or the console's ``wait``)."""
        return await self._store.next_send_at(delivery)

    async def still_due(self, message: OutgoingMessage) -> bool:
        """Whether ``message`` is still wanted (its learner did not opt out or change the time meanwhile)."""
        return await self._store.still_due(message.delivery, message.recipient, message.send_at)

    async def delivered(self, message: OutgoingMessage) -> None:
        """Record that ``message`` arrived: the next reminder is on a later local day."""
        await self._report(message, sent=True)

    async def skipped(self, message: OutgoingMessage) -> None:
        """Give up on ``message`` for today (a delivery error that retrying would not fix)."""
        await self._report(message, sent=False)

    async def refused(self, message: OutgoingMessage) -> None:
        """The learner's DMs are closed: reminders go off, and their next reply says so once."""
        await self._store.turn_off(message.delivery, message.recipient, notice=DMS_REFUSED)
        if self._noticed is not None:
            self._noticed.add((message.delivery, message.recipient))

    async def with_notice(self, actor: Actor, reply: Reply) -> Reply:
        """``reply`` with the actor's waiting notice on top, shown once (only on private, non-modal replies)."""
        if not reply.ephemeral or reply.modal:
            return reply
        if self._noticed is None or (self._store.shared
                                     and time.monotonic() - self._noticed_at >= NOTICE_REFRESH_SECONDS):
            self._noticed = await self._store.with_notices()
            self._noticed_at = time.monotonic()
        key = (delivery_for(actor.scope), actor.user_key)
        if key not in self._noticed:
            return reply
        self._noticed.discard(key)
        code = await self._store.take_notice(*key)
        if code is None or code not in NOTICES:
            return reply
        return dataclasses.replace(reply, body=f"*{NOTICES[code]}*\n\n{reply.body}")

    # Steps

    async def _places(self, user_key: str, delivery: str, now: datetime, namer: PlaceNamer) -> list[ReminderPlace]:
        ctx = self._ctx
        cards = ctx.content.cards
        midnight = datetime.combine(now.astimezone(UTC).date(), time_of_day.min, tzinfo=UTC)
        places: list[ReminderPlace] = []
        for place in await self._store.places(user_key):
            if delivery_for(place.scope) != delivery:
                continue
            due = sum(s.card_id in cards for s in await ctx.store.due_cards(place.learner_id, now, MAX_DUE_COUNTED))
            if not due:
                continue
            places.append(ReminderPlace(
                place.scope, namer(place.scope) or default_place_name(place.scope), due,
                await ctx.reports.streak(place.learner_id, now.date()),
                await self._store.studied_since(place.learner_id, midnight),
            ))
        return places

    async def _recipient_name(self, user_key: str, scope: str) -> str:
        learner = await self._ctx.store.get_learner(scope, user_key)
        return learner.display_name if learner else user_key

    async def _report(self, message: OutgoingMessage, *, sent: bool) -> None:
        row = await self._store.get(message.delivery, message.recipient)
        if row is not None and row.next_send_at == message.send_at:
            await self._move_on(row, max(self._ctx.clock(), message.send_at), sent=sent)

    async def _move_on(self, row: ReminderSettings, now: datetime, *, sent: bool) -> None:
        assert row.next_send_at is not None
        zone = _stored_zone(row) or ZoneInfo(DEFAULT_ZONE)
        at = _stored_time(row) or DEFAULT_TIME
        next_at = next_send_time(now, at, zone, now if sent else row.last_sent_at)
        await self._store.move_on(row.delivery, row.user_key, row.next_send_at, next_at, sent=sent)


def _upcoming(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """``Wed May 1, 18:00 CEST (in 7 h)``: the learner's own clock, and how long until then."""
    return f"{local_text(moment, zone)} (in {duration(moment - now)})"


def _stored_time(row: ReminderSettings | None) -> time_of_day | None:
    return time_of_day.fromisoformat(row.local_time) if row else None


def _stored_zone(row: ReminderSettings | None) -> ZoneInfo | None:
    """The stored zone; a zone the system no longer knows falls back to UTC rather than failing."""
    if row is None:
        return None
    try:
        return zone_named(row.timezone)
    except StudyError:
        return None
