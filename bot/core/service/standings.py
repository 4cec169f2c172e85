"""Where learners stand: ``/progress`` (one learner, per topic) and ``/leaderboard`` (the server)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.errors import StudyError
from bot.core.exports.chart_data import FORECAST_DAYS, due_forecast, topic_bars
from bot.core.exports.charts import due_chart, mastery_chart
from bot.core.models import Topic
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Attachment, Reply
from bot.core.presentation.time_text import when
from bot.core.progress.export_queries import LearnerTopic
from bot.core.progress.reports import LEADERBOARD_MIN_ATTEMPTS
from bot.core.service.context import Actor, Member, StudyContext, require_instructor, shown
from bot.core.service.views import TopicRow

PERIOD_DAYS = {"week": 7, "month": 30, "all": None}


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
            learner_id, name = learner.id, escape_markdown(member.display_name)
        else:
            learner_id, name = await ctx.learner_id(actor), escape_markdown(actor.display_name)
        now = ctx.clock()
        snapshot = ctx.content
        by_topic = await ctx.reports.topic_progress(learner_id, snapshot.card_topics)
        rows = [TopicRow(topic.title, p.seen, p.total, p.accuracy, p.attempts, p.mastered)
                for topic in snapshot.course.topics if (p := by_topic.get(topic.id)) is not None]
        next_due = await ctx.store.next_due(learner_id)
        body = ctx.render(
            "progress.md.j2", rows=rows, streak=await ctx.reports.streak(learner_id, now.date()),
            due=await ctx.store.due_count(learner_id, now), next_due=when(next_due, now) if next_due else None,
        )
        seen = sum(r.seen for r in rows)
        total = sum(r.total for r in rows)
        charts: tuple[Attachment, ...] = ()
        if seen:
            per_topic = await ctx.reports.learner_progress(learner_id, snapshot.card_topics)
            dues = await ctx.reports.due_dates(learner_id, set(snapshot.card_topics),
                                               now + timedelta(days=FORECAST_DAYS))
            charts = await asyncio.to_thread(_progress_charts, per_topic.topics, snapshot.course.topics, dues, now)
        return Reply(title=f"Progress of {name}", body=body, footer=f"{seen} of {total} cards seen",
                     attachments=charts)

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
