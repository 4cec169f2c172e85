"""``/export``: the course's cards as a file a learner can take to a flashcard app (Anki)."""

from __future__ import annotations

import asyncio

from bot.core.errors import StudyError
from bot.core.exports.anki import anki_export
from bot.core.presentation.replies import Reply, Tone
from bot.core.service.context import Actor, StudyContext, shown


class ExportUseCases:
    """Files made from the course for learners; nothing here reads anyone's progress."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    async def export(self, actor: Actor, file_format: str, topic: str | None = None) -> Reply:
        """An Anki package of the course's cards (or one topic's); re-importing updates, never duplicates."""
        if file_format != "anki":
            raise StudyError(f"There is no “{shown(file_format)}” export.", hint="choose anki")
        ctx = self._ctx
        topic_id = ctx.topic_id(topic) if topic else None
        snapshot = ctx.content
        package = await asyncio.to_thread(anki_export, snapshot, modified=ctx.clock(), topic=topic_id)
        body = (f"`{package.filename}`: {package.description}.\n\nIn Anki: File → Import. Importing a newer "
                "export again updates the cards you already have instead of adding copies.")
        return Reply(title="Anki deck", body=body, attachments=(package,), tone=Tone.SUCCESS)
