"""Instructor tools: reload and check the content, class statistics, exports, uploads, resets.

Every use case checks instructor rights itself, whatever the front end already checked.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import zipfile

from bot.core.content.instructor_files import check_upload_size, deck_filename, export_csv
from bot.core.content.snapshot import ContentSnapshot
from bot.core.errors import StudyError
from bot.core.exports.chart_data import CardScore, card_shares
from bot.core.exports.charts import card_share_chart
from bot.core.exports.file_names import stamp
from bot.core.exports.gift import gift_export
from bot.core.exports.progress_report import progress_report
from bot.core.presentation import actions
from bot.core.presentation.actions import Action, Verb
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Attachment, Button, ButtonStyle, Reply, Tone
from bot.core.problems import ContentError, Problem
from bot.core.service.context import (
    Actor,
    Member,
    StudyContext,
    Upload,
    require_course_editor,
    require_instructor,
    shown,
)
from bot.core.service.views import Pager

PENDING_UPLOAD = "pending-upload:"
"""Bot-state key prefix of an uploaded deck waiting for the instructor to confirm the replacement."""
ATTACHMENTS_LIMIT = 8 * 2**20
"""Discord refuses a message whose files pass 10 MiB; larger exports are zipped (CSV shrinks ~10×)."""
PROBLEMS_PER_PAGE = 10
WARNINGS_SHOWN = 8
STATS_PER_PAGE = 10


class InstructorUseCases:
    """``/instructor ...`` and the confirmation buttons they show."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    async def reload(self, actor: Actor) -> Reply:
        """Validate the content files and swap them in; on errors, keep serving the old content."""
        require_course_editor(actor, "reload the content")
        result = await self._ctx.library.reload()
        if not result.ok:
            return self._problems_reply(list(result.problems), 1, "Reload refused: the old content is still live")
        return await self._went_live("Content reloaded", result.snapshot)

    async def check(self, actor: Actor, page: int = 1) -> Reply:
        """Validate the content files without swapping anything in."""
        require_instructor(actor, "check the content")
        try:
            snapshot = await self._ctx.library.check()
        except ContentError as exc:
            return self._problems_reply(list(exc.problems), page, "Content has problems")
        body = snapshot.summary()
        if snapshot.warnings:
            shown = "\n".join(f"- {escape_markdown(str(w))}" for w in snapshot.warnings[:WARNINGS_SHOWN])
            more = len(snapshot.warnings) - WARNINGS_SHOWN
            body += (f"\n\n**Warnings ({len(snapshot.warnings)})**, which do not stop a reload:\n{shown}"
                     + (f"\n…and {more} more: run `studybot check` to see them all." if more > 0 else ""))
        return Reply(title="Content is valid", body=body, tone=Tone.WARNING if snapshot.warnings else Tone.SUCCESS)

    async def press_check(self, actor: Actor, action: Action) -> Reply:
        """Another page of the problem list."""
        return await self.check(actor, page=action.number(0))

    async def stats(self, actor: Actor, topic: str | None = None, page: int = 1) -> Reply:
        """Item analysis: per card attempts, share correct and the most chosen wrong answer."""
        require_instructor(actor, "see class statistics")
        ctx = self._ctx
        snapshot = ctx.content
        topic_id = ctx.topic_id(topic) if topic else None
        cards = {c.id: c for c in snapshot.cards_for(topic_id)}
        items = [i for i in await ctx.reports.item_analysis(actor.scope, cards) if i.attempts]
        pager = Pager.of(len(items), page, STATS_PER_PAGE)
        rows = [{"prompt": cards[i.card_id].prompt, "id": i.card_id, "attempts": i.attempts, "accuracy": i.accuracy,
                 "wrong": i.wrong_responses[0] if i.wrong_responses else None,
                 "overridden": i.overridden_responses[:3]}
                for i in items[pager.first:pager.first + STATS_PER_PAGE]]
        body = ctx.render("stats.md.j2", rows=rows, first=pager.first + 1, total=len(items))
        title_topic = snapshot.topics[topic_id].title if topic_id else "all topics"
        shares = card_shares(CardScore(i.card_id, i.attempts, i.correct) for i in items)
        chart = (await asyncio.to_thread(card_share_chart, shares, title_topic),) if shares and page == 1 else ()
        return Reply(title=f"Class statistics · {title_topic}", body=body, footer=pager.footer,
                     buttons=pager.buttons(lambda n: actions.encode(Verb.STATS, topic_id, n)), attachments=chart)

    async def press_stats(self, actor: Actor, action: Action) -> Reply:
        """Another page of the statistics."""
        return await self.stats(actor, action.optional(0), page=action.number(1))

    async def export(self, actor: Actor, file_format: str = "csv", topic: str | None = None,
                     attempts: bool = False) -> Reply:
        """The class's progress as readable CSVs (csv), or the cards as Moodle questions (gift)."""
        require_instructor(actor, "export progress and cards")
        ctx = self._ctx
        snapshot = ctx.content
        topic_id = ctx.topic_id(topic) if topic else None
        if file_format == "gift":
            files: tuple[Attachment, ...] = (gift_export(snapshot, topic=topic_id),)
            title, kind = "Moodle export", "moodle"
        elif file_format == "csv":
            progress = await ctx.reports.class_progress(actor.scope, snapshot.card_topics)
            topics = [snapshot.topics[topic_id]] if topic_id else list(snapshot.course.topics)
            files = progress_report(progress, topics, now=ctx.clock())
            if attempts:
                answers = await ctx.reports.export_attempt_rows(actor.scope)
                files += (Attachment(f"attempts-{stamp(ctx.clock())}.csv", export_csv(answers),
                                     "Every answer, oldest first"),)
            title, kind = "Progress export", "progress"
        else:
            raise StudyError(f"There is no “{shown(file_format)}” export.", hint="choose csv or gift")
        if sum(len(f.data) for f in files) > ATTACHMENTS_LIMIT:
            files = (await asyncio.to_thread(zipped, files, f"{kind}-export-{stamp(ctx.clock())}"),)
            if len(files[0].data) > ATTACHMENTS_LIMIT:
                raise StudyError(f"The export is {len(files[0].data) / 2**20:.1f} MiB even compressed, over what "
                                 "Discord accepts.", hint="export without attempts, or run it in studybot console")
        return Reply(title=title, body="\n".join(f"`{f.filename}`: {f.description}" for f in files),
                     attachments=files)

    async def upload(self, actor: Actor, file: Upload) -> Reply:
        """Validate an uploaded deck against the live content; write it and reload only if valid.

        A deck that would replace an existing one is held until the instructor confirms, with
        what the replacement changes; the replaced file is kept in ``content/replaced/``.
        """
        require_course_editor(actor, "upload decks")
        ctx = self._ctx
        name = deck_filename(file.filename)
        check_upload_size(len(file.data))
        try:
            text = file.data.decode("utf-8")
        except UnicodeDecodeError:
            raise StudyError("The file is not UTF-8 text.", hint="save it as UTF-8 in your editor") from None
        current = _deck_cards(ctx.content, name)
        if not current:
            return await self._install(name, text)
        try:
            fresh = await ctx.library.check(extra_decks={name: text})
        except ContentError as exc:
            return self._problems_reply(list(exc.problems), 1, f"Deck {name} was not saved", pageable=False)
        kept = _deck_cards(fresh, name)
        token = secrets.token_urlsafe(9)
        await ctx.state.set(PENDING_UPLOAD + token, json.dumps({"name": name, "text": text, "by": actor.user_key}))
        retired = len(current - kept)
        body = (f"`{name}`: {len(current)} → {_count(len(kept), 'card')}, {retired} retired (their learners' "
                f"history is kept).\n\nThe current file is kept in `content/replaced/`.")
        return Reply(title=f"Replace the deck {name}?", body=body, tone=Tone.WARNING,
                     buttons=(Button("Replace", actions.encode(Verb.REPLACE, token), ButtonStyle.DANGER),
                              Button("Keep", actions.encode(Verb.KEEP))))

    async def press_replace(self, actor: Actor, action: Action) -> Reply:
        """The confirmed replacement of a deck (the upload waited in the bot's state)."""
        require_course_editor(actor, "upload decks")
        ctx = self._ctx
        key = PENDING_UPLOAD + action.args[0]
        pending = await ctx.state.get(key)
        if pending is None:
            raise StudyError("That upload is no longer waiting.", hint="upload the file again")
        upload = json.loads(pending)
        if upload["by"] != actor.user_key:
            raise StudyError("Only the instructor who uploaded this deck can confirm it.")
        await ctx.state.delete(key)
        return await self._install(upload["name"], upload["text"],
                                   keep_previous_as=f"{upload['name'][:-5]}-{stamp(ctx.clock())}.yaml")

    async def _install(self, name: str, text: str, *, keep_previous_as: str | None = None) -> Reply:
        result = await self._ctx.library.install_deck(name, text, keep_previous_as=keep_previous_as)
        if not result.ok:
            return self._problems_reply(list(result.problems), 1, f"Deck {name} was not saved", pageable=False)
        return await self._went_live(f"Deck {name} saved", result.snapshot)

    async def reset(self, actor: Actor, member: Member) -> Reply:
        """Ask for confirmation before erasing a learner's progress."""
        require_instructor(actor, "reset progress")
        learner = await self._ctx.store.get_learner(actor.scope, member.user_key)
        if learner is None:
            raise StudyError(f"{escape_markdown(member.display_name)} has no progress here to reset.")
        return Reply(
            title=f"Erase all progress of {escape_markdown(member.display_name)}?",
            body="Every answer and review schedule they have in this server will be deleted. This cannot be undone.",
            buttons=(Button("Erase", actions.encode(Verb.RESET, learner.id), ButtonStyle.DANGER),
                     Button("Keep", actions.encode(Verb.KEEP))),
            tone=Tone.WARNING,
        )

    async def press_reset(self, actor: Actor, action: Action) -> Reply:
        """The confirmed reset."""
        require_instructor(actor, "reset progress")
        store = self._ctx.store
        learner = await store.learner_by_id(action.number(0))
        if learner is None or learner.scope != actor.scope:
            raise StudyError("That learner is not here any more.")
        erased = await store.reset_learner(learner.id)
        return Reply(title=f"Progress of {escape_markdown(learner.display_name)} erased",
                     body=(f"{_count(erased.answers, 'answer')}, {_count(erased.schedules, 'review schedule')} "
                           f"and {_count(erased.rounds, 'quiz round')} deleted."),
                     tone=Tone.SUCCESS)

    async def press_keep(self, actor: Actor, action: Action) -> Reply:
        """The reset declined."""
        return Reply(title="Nothing was erased", body="The learner's progress is unchanged.")

    async def _went_live(self, title: str, snapshot: ContentSnapshot) -> Reply:
        """Reset learners' state for changed cards, tell the other bot processes, and say what is live now."""
        reset = await self._ctx.store.sync_card_versions(snapshot.card_hashes)
        await self._ctx.content_changed()
        note = (f"\n\n{_count(len(reset.card_ids), 'changed card')} start over for "
                f"{_count(reset.learners, 'learner')} who had studied them." if reset.card_ids else "")
        return Reply(title=title, body=snapshot.summary() + note, tone=Tone.SUCCESS)

    def _problems_reply(self, problems: list[Problem], page: int, title: str, *, pageable: bool = True) -> Reply:
        """A page of problems, with Prev/Next that re-check the content folder.

        A refused upload is not in the folder, so it shows its first page only and says how many
        more there are.
        """
        pager = Pager.of(len(problems), page, PROBLEMS_PER_PAGE)
        shown = problems[pager.first:pager.first + PROBLEMS_PER_PAGE]
        body = self._ctx.render("problems.md.j2", problems=[str(p) for p in shown], total=len(problems),
                                first=pager.first + 1, last=pager.first + len(shown))
        if not pageable:
            more = len(problems) - len(shown)
            return Reply(title=f"{title} ({len(problems)})", body=body, tone=Tone.ERROR,
                         footer=f"…and {more} more: run studybot check on the file" if more > 0 else None)
        return Reply(title=f"{title} ({len(problems)})", body=body, footer=pager.footer,
                     buttons=pager.buttons(lambda n: actions.encode(Verb.CHECK, n)), tone=Tone.ERROR)


def zipped(files: tuple[Attachment, ...], stem: str) -> Attachment:
    """The files in one zip (deflated), for exports too large to attach as they are."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for attachment in files:
            archive.writestr(attachment.filename, attachment.data)
    names = ", ".join(f.filename for f in files)
    return Attachment(f"{stem}.zip", buffer.getvalue(), f"A zip of {names} (too large to attach unzipped)")


def _deck_cards(snapshot: ContentSnapshot, name: str) -> set[str]:
    """Ids of the cards that come from ``cards/<name>``."""
    return {card.id for card in snapshot.cards.values() if card.deck == f"cards/{name}"}


def _count(n: int, noun: str) -> str:
    """``1 changed card``, ``3 changed cards``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
