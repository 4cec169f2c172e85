"""What a reminder says: the cards due in each place the learner studies, and a button per place.

A reminder is a direct message, so it names its recipient in the footer (the console shows
direct messages as replies, and that is how a reader tells whose it is). Each place (a
server, or the console) gets its own ``Review now`` button whose action carries the scope,
so the press starts that place's review from the DM, after a restart too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.presentation import actions
from bot.core.presentation.actions import Verb
from bot.core.presentation.replies import BUTTONS_PER_ROW, Button, ButtonStyle, Reply

REVIEW_NOW = "Review now"
MAX_PLACES = BUTTONS_PER_ROW
"""Places named in one reminder (one row of buttons); the ones with most cards due come first."""
DMS_REFUSED = "dms_refused"
"""Notice code: Discord refused the reminder (the learner's direct messages are closed)."""
NOTICES = {
    DMS_REFUSED: ("Your review reminders are off: Discord would not let me send you a direct message. "
                  "Allow direct messages from this server's members, then turn them back on with /remind on."),
}
"""One-time notices shown on a learner's next reply, by the code stored with their reminder."""


@dataclass(frozen=True, slots=True)
class ReminderPlace:
    """One place a learner studies, as the reminder shows it."""

    scope: str
    name: str
    due: int
    streak: int
    """Consecutive days studied up to yesterday or today."""
    studied_today: bool

    @property
    def streak_at_stake(self) -> int:
        """The streak that ends unless the learner studies today (0 if none, or already kept)."""
        return 0 if self.studied_today else self.streak


def places_to_mention(places: list[ReminderPlace]) -> list[ReminderPlace]:
    """The places with cards due, most due first, at most :data:`MAX_PLACES` (none: no reminder)."""
    due = sorted((p for p in places if p.due > 0), key=lambda p: (-p.due, p.name.casefold(), p.scope))
    return due[:MAX_PLACES]


def reminder_reply(recipient: str, places: list[ReminderPlace], body: str) -> Reply:
    """The reminder itself: the total due in the title, the recipient in the footer, a button per place."""
    total = sum(p.due for p in places)
    single = len(places) == 1
    buttons = tuple(
        Button(REVIEW_NOW if single else f"{REVIEW_NOW}: {place.name}", actions.encode(Verb.REVIEW_NOW, place.scope),
               ButtonStyle.PRIMARY)
        for place in places
    )
    return Reply(
        title=f"Time to review: {total} card{'' if total == 1 else 's'} due",
        body=body,
        footer=f"Reminder for {recipient} · /remind off stops these",
        buttons=buttons,
    )
