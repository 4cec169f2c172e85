"""Standings, per-option tallies and per-question shares of a game, from its stored answers.

Everything is recomputed from the answers (each player's final choice per question), so a
restart, a changed answer or a late reveal can never leave a running total out of step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.class_game.rules import points
from bot.core.progress.class_game_records import GameAnswer


@dataclass(frozen=True, slots=True)
class Standing:
    """One player's place: points, right answers, and the total answer time that breaks ties."""

    rank: int
    learner_id: int
    name: str
    points: int
    right: int
    answered: int
    total_ms: int


@dataclass(frozen=True, slots=True)
class QuestionShare:
    """How one question went: answers given and the share of them that were right."""

    position: int
    answered: int
    right: int

    @property
    def share(self) -> float:
        """Share right among those who answered (0 when nobody did)."""
        return self.right / self.answered if self.answered else 0.0


def standings(answers: Iterable[GameAnswer], seconds: int, *, through: int | None = None) -> list[Standing]:
    """Players ranked by points, then by less total answer time, then by name.

    ``through`` limits the count to questions ``0..through`` (the ones revealed so far), so a
    question still open never shows in the standings before its reveal.
    """
    totals: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for answer in answers:
        if through is not None and answer.position > through:
            continue
        entry = totals.setdefault(answer.learner_id, [0, 0, 0, 0])
        entry[0] += points(answer.correct, answer.answer_ms, seconds)
        entry[1] += int(answer.correct)
        entry[2] += 1
        entry[3] += answer.answer_ms
        names[answer.learner_id] = answer.display_name
    ordered = sorted(totals, key=lambda lid: (-totals[lid][0], totals[lid][3], names[lid].casefold(), lid))
    return [Standing(rank, lid, names[lid], *totals[lid]) for rank, lid in enumerate(ordered, start=1)]


def tally(answers: Iterable[GameAnswer], position: int, option_count: int) -> list[int]:
    """How many players finally chose each option of one question."""
    counts = [0] * option_count
    for answer in answers:
        if answer.position == position and 0 <= answer.choice < option_count:
            counts[answer.choice] += 1
    return counts


def question_shares(answers: Iterable[GameAnswer], question_count: int) -> list[QuestionShare]:
    """Answers and right answers per question, in question order."""
    answered = [0] * question_count
    right = [0] * question_count
    for answer in answers:
        if 0 <= answer.position < question_count:
            answered[answer.position] += 1
            right[answer.position] += int(answer.correct)
    return [QuestionShare(p, answered[p], right[p]) for p in range(question_count)]


def hardest(shares: Sequence[QuestionShare]) -> QuestionShare | None:
    """The answered question with the lowest share right (the earlier one on a tie), if any was answered."""
    played = [s for s in shares if s.answered]
    return min(played, key=lambda s: (s.share, s.position)) if played else None

