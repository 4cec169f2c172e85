"""Where learners stand: ``/progress`` (one learner, per topic) and ``/leaderboard`` (the server)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.errors import StudyError
from bot.core.exports.chart_data import FORECAST_DAYS, due_forecast, topic_bars
from bot.core.exports.charts import due_chart, mastery_chart
from bot.core.models import Topic
from bot.core.presentation import actions
from bot.core.presentation.actions import Action, Verb
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Attachment, Reply
from bot.core.presentation.time_text import when
from bot.core.progress.export_queries import LearnerTopic
from bot.core.progress.reports import LEADERBOARD_MIN_ATTEMPTS
from bot.core.service.context import Actor, Member, StudyContext, require_instructor, shown
from bot.core.service.views import Pager, TopicRow

PERIOD_DAYS = {"week": 7, "month": 30, "all": None}
TOPICS_PER_PAGE = 12
"""Topics on one page of ``/progress`` (a course with many topics would pass Discord's 4,096 characters)."""


class StandingUseCases:
    """Progress summaries; reading another member's needs instructor rights."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    async def progress(self, actor: Actor, member: Member | None = None) -> Reply:
        """A learner's standing per topic; someone else's needs instructor rights."""
        ctx = self._ctx
        if member is not None and member.user_key != actor.user_key:
            require_instructor(actor, "see another member's progress")
            learner = await ctx.store.get_learner(actor.scope, member.user_key)
            if learner is None:
                raise StudyError(f"{escape_markdown(member.display_name)} has not studied here yet.")
            return await self._progress_page(learner.id, escape_markdown(member.display_name), 1)
        return await self._progress_page(await ctx.learner_id(actor), escape_markdown(actor.display_name), 1)

    async def press_progress(self, actor: Actor, action: Action) -> Reply:
        """Another page of topics (a course with many topics pages them)."""
        learner = await self._ctx.store.learner_by_id(action.number(0))
        if learner is None or learner.scope != actor.scope:
            raise StudyError("That button is no longer valid.", hint="run /progress again")
        if learner.user_key != actor.user_key:
            require_instructor(actor, "see another member's progress")
        return await self._progress_page(learner.id, escape_markdown(learner.display_name), action.number(1))

    async def _progress_page(self, learner_id: int, name: str, page: int) -> Reply:
        ctx = self._ctx
        now = ctx.clock()
        snapshot = ctx.content
        by_topic = await ctx.reports.topic_progress(learner_id, snapshot.card_topics)
        rows = [TopicRow(topic.title, p.seen, p.total, p.accuracy, p.attempts, p.mastered)
                for topic in snapshot.course.topics if (p := by_topic.get(topic.id)) is not None]
        pager = Pager.of(len(rows), page, TOPICS_PER_PAGE)
        next_due = await ctx.store.next_due(learner_id)
        body = ctx.render(
            "progress.md.j2", rows=rows[pager.first:pager.first + TOPICS_PER_PAGE],
            streak=await ctx.reports.streak(learner_id, now.date()),
            due=await ctx.store.due_count(learner_id, now), next_due=when(next_due, now) if next_due else None,
        )
        seen = sum(r.seen for r in rows)
        total = sum(r.total for r in rows)
        charts: tuple[Attachment, ...] = ()
        if seen and pager.page == 1:
            per_topic = await ctx.reports.learner_progress(learner_id, snapshot.card_topics)
            dues = await ctx.reports.due_dates(learner_id, set(snapshot.card_topics),
                                               now + timedelta(days=FORECAST_DAYS))
            charts = await asyncio.to_thread(_progress_charts, per_topic.topics, snapshot.course.topics, dues, now)
        footer = f"{seen} of {total} cards seen" + (f" · {pager.footer}" if pager.pages > 1 else "")
        return Reply(title=f"Progress of {name}", body=body, footer=footer, attachments=charts,
                     buttons=pager.buttons(lambda n: actions.encode(Verb.PROGRESS, learner_id, n)))

    async def leaderboard(self, actor: Actor, period: str = "week") -> Reply:
        """Rank this scope's learners by cards mastered, then accuracy (never by volume)."""
        if actor.scope == "dm":
            raise StudyError("Leaderboards belong to a server.", hint="use /leaderboard in a server channel")
        if period not in PERIOD_DAYS:
            raise StudyError(f"Unknown period “{shown(period)}”.", hint="choose week, month or all")
        days = PERIOD_DAYS[period]
        since = self._ctx.clock() - timedelta(days=days) if days else None
        rows = await self._ctx.reports.leaderboard(actor.scope, since, limit=10)
        body = self._ctx.render("leaderboard.md.j2", rows=rows, period=period,
                                min_attempts=LEADERBOARD_MIN_ATTEMPTS)
        return Reply(title=f"Leaderboard · {'all time' if period == 'all' else 'this ' + period}", body=body,
                     footer="Ranked by cards mastered, then accuracy")


def _progress_charts(rows: Sequence[LearnerTopic], topics: Sequence[Topic], dues: Sequence[datetime],
                     now: datetime) -> tuple[Attachment, ...]:
    """Mastery per topic and reviews due per day, drawn on a worker thread (CPU work)."""
    return mastery_chart(topic_bars(rows, topics)), due_chart(due_forecast(dues, now))
