"""Instructor tools: reload and check the content, class statistics, exports, uploads, resets.

Every use case checks instructor rights itself, whatever the front end already checked.
"""

from __future__ import annotations

from bot.core.content.instructor_files import check_upload_size, deck_filename, export_csv
from bot.core.content.snapshot import ContentSnapshot
from bot.core.errors import StudyError
from bot.core.presentation import actions
from bot.core.presentation.actions import Action, Verb
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Attachment, Button, ButtonStyle, Reply, Tone
from bot.core.problems import ContentError, Problem
from bot.core.service.context import Actor, Member, StudyContext, Upload, require_instructor
from bot.core.service.views import Pager

PROBLEMS_PER_PAGE = 10
STATS_PER_PAGE = 10


class InstructorUseCases:
    """``/instructor ...`` and the confirmation buttons they show."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    async def reload(self, actor: Actor) -> Reply:
        """Validate the content files and swap them in; on errors, keep serving the old content."""
        require_instructor(actor, "reload the content")
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
        return Reply(title="Content is valid", body=snapshot.summary(), tone=Tone.SUCCESS)

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
                 "wrong": i.wrong_responses[0] if i.wrong_responses else None}
                for i in items[pager.first:pager.first + STATS_PER_PAGE]]
        body = ctx.render("stats.md.j2", rows=rows, first=pager.first + 1, total=len(items))
        title_topic = snapshot.topics[topic_id].title if topic_id else "all topics"
        return Reply(title=f"Class statistics · {title_topic}", body=body, footer=pager.footer,
                     buttons=pager.buttons(lambda n: actions.encode(Verb.STATS, topic_id, n)))

    async def press_stats(self, actor: Actor, action: Action) -> Reply:
        """Another page of the statistics."""
        return await self.stats(actor, action.optional(0), page=action.number(1))

    async def export(self, actor: Actor, attempts: bool = False) -> Reply:
        """Per-learner progress (and optionally every answer) as CSV attachments."""
        require_instructor(actor, "export progress")
        ctx = self._ctx
        stamp = f"{ctx.clock():%Y-%m-%d}"
        progress = await ctx.reports.export_progress_rows(actor.scope)
        files = [Attachment(f"progress-{stamp}.csv", export_csv(progress), "Per-learner, per-card progress")]
        if attempts:
            answers = await ctx.reports.export_attempt_rows(actor.scope)
            files.append(Attachment(f"attempts-{stamp}.csv", export_csv(answers), "Every answer, oldest first"))
        return Reply(title="Progress export", body="\n".join(f"`{f.filename}`: {f.description}" for f in files),
                     attachments=tuple(files))

    async def upload(self, actor: Actor, file: Upload) -> Reply:
        """Validate an uploaded deck against the live content; write it and reload only if valid."""
        require_instructor(actor, "upload decks")
        name = deck_filename(file.filename)
        check_upload_size(len(file.data))
        try:
            text = file.data.decode("utf-8")
        except UnicodeDecodeError:
            raise StudyError("The file is not UTF-8 text.", hint="save it as UTF-8 in your editor") from None
        result = await self._ctx.library.install_deck(name, text)
        if not result.ok:
            return self._problems_reply(list(result.problems), 1, f"Deck {name} was not saved")
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
                     body=f"{erased} answer(s) deleted.",
                     tone=Tone.SUCCESS)

    async def press_keep(self, actor: Actor, action: Action) -> Reply:
        """The reset declined."""
        return Reply(title="Nothing was erased", body="The learner's progress is unchanged.")

    async def _went_live(self, title: str, snapshot: ContentSnapshot) -> Reply:
        """Reset learners' state for changed cards, tell the other bot processes, and say what is live now."""
        changed = await self._ctx.store.sync_card_versions(snapshot.card_hashes)
        await self._ctx.content_changed()
        note = f"\n\n{len(changed)} changed card(s) start over for their learners." if changed else ""
        return Reply(title=title, body=snapshot.summary() + note, tone=Tone.SUCCESS)

    def _problems_reply(self, problems: list[Problem], page: int, title: str) -> Reply:
        pager = Pager.of(len(problems), page, PROBLEMS_PER_PAGE)
        shown = problems[pager.first:pager.first + PROBLEMS_PER_PAGE]
        body = self._ctx.render("problems.md.j2", problems=[str(p) for p in shown], total=len(problems),
                                first=pager.first + 1, last=pager.first + len(shown))
        return Reply(title=f"{title} ({len(problems)})", body=body, footer=pager.footer,
                     buttons=pager.buttons(lambda n: actions.encode(Verb.CHECK, n)), tone=Tone.ERROR)
