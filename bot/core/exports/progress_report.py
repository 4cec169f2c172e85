"""The instructor's readable progress export: one sheet per learner, one per learner and topic.

Two CSV files rather than one workbook or a zip: CSV is one sheet per file, both open
straight in any spreadsheet, Discord previews them inline, and the console writes each to
``exports/`` like the other exports, with nothing to unpack. Both names carry the export's
date and time, so a second export sits beside the first instead of replacing it. Cells a
spreadsheet would run as a formula (a learner named ``=HYPERLINK(…)``) are neutralised by
:func:`bot.core.content.instructor_files.export_csv`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.clock import as_utc
from bot.core.content.instructor_files import export_csv
from bot.core.exports.file_names import stamp
from bot.core.models import Topic
from bot.core.presentation.replies import Attachment
from bot.core.progress.export_queries import ClassProgress, LearnerSummary

LEARNER_COLUMNS = ("learner", "user id", "answers", "right %", "mastered", "due now", "last active (UTC)")
TOPIC_COLUMNS = ("learner", "user id", "topic", "cards", "seen", "right", "mastered")


def progress_report(progress: ClassProgress, topics: Sequence[Topic], *, now: datetime) -> tuple[Attachment, ...]:
    """The two CSV sheets, named ``progress-learners-<stamp>.csv`` and ``progress-topics-<stamp>.csv``.

    ``topics`` gives the course order and titles; topic rows of topics not in it are left out.
    """
    when = stamp(now)
    return (
        Attachment(
            f"progress-learners-{when}.csv",
            export_csv([learner_row(s) for s in progress.learners], LEARNER_COLUMNS),
            f"{len(progress.learners)} learners: answers, share right, cards mastered, cards due now, last active",
        ),
        Attachment(
            f"progress-topics-{when}.csv",
            export_csv(topic_rows(progress, topics), TOPIC_COLUMNS),
            f"Each learner in each of {len(topics)} topics: cards seen, right at the latest answer, mastered",
        ),
    )


def learner_row(summary: LearnerSummary) -> dict[str, object]:
    """One learner's line; the share right is a whole percentage, blank before any answer."""
    return dict(zip(LEARNER_COLUMNS, (
        summary.name,
        summary.user_key,
        summary.answers,
        percent(summary.correct, summary.answers) if summary.answers else "",
        summary.mastered,
        summary.due_now,
        f"{as_utc(summary.last_active):%Y-%m-%d %H:%M}" if summary.last_active else "",
    ), strict=True))


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` as a whole percentage, halves rounded up (in exact integer arithmetic)."""
    return (200 * part + whole) // (2 * whole)


def topic_rows(progress: ClassProgress, topics: Sequence[Topic]) -> list[dict[str, object]]:
    """Learners in the export's order, each with their topics in course order."""
    by_key = {(row.learner_id, row.topic): row for row in progress.topics}
    return [
        dict(zip(TOPIC_COLUMNS, (summary.name, summary.user_key, topic.title, row.cards, row.seen, row.right,
                                 row.mastered), strict=True))
        for summary in progress.learners
        for topic in topics
        if (row := by_key.get((summary.learner_id, topic.id))) is not None
    ]
