"""The pure rules of a class game: scoring, standings, tallies, shares and what falls due."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.class_game.rules import GAME_TYPES, card_types, due_step, pick_questions, points, question_spec
from bot.core.class_game.standings import hardest, question_shares, standings, tally
from bot.core.command_catalog import CLASS_GAME_TYPES
from bot.core.models import Card, CardType
from bot.core.progress.class_game_records import Game, GameAnswer

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def answer(position: int, learner: int, choice: int, correct: bool, ms: int, name: str = "") -> GameAnswer:
    return GameAnswer(position, learner, name or f"p{learner}", choice, correct, ms)


def game(phase: str = "asking", deadline: datetime | None = NOW) -> Game:
    return Game("g", "console", "c", "ann", None, "mixed", 20, False, 3, 0, phase, deadline,  # type: ignore[arg-type]
                NOW - timedelta(minutes=1), NOW if phase == "finished" else None)


@pytest.mark.parametrize(("ms", "expected"), [(0, 1000), (10_000, 750), (20_000, 500), (5_000, 875),
                                              (30_000, 500), (-5, 1000), (1, 1000), (13_333, 667)])
def test_a_right_answer_scores_by_speed(ms: int, expected: int) -> None:
    assert points(True, ms, 20) == expected


def test_a_wrong_answer_scores_nothing_however_fast() -> None:
    assert points(False, 0, 20) == 0


def test_standings_rank_by_points_then_less_total_time() -> None:
    answers = [
        answer(0, 1, 0, True, 4000, "slow"), answer(0, 2, 0, True, 4000, "fast"), answer(0, 3, 1, False, 100, "wrong"),
        answer(1, 1, 0, True, 2000, "slow"), answer(1, 2, 0, True, 1000, "fast"),
    ]
    ranked = standings(answers, 20)
    assert [(s.rank, s.name) for s in ranked] == [(1, "fast"), (2, "slow"), (3, "wrong")]
    assert ranked[0].points == 900 + 975 and ranked[0].right == 2 and ranked[0].total_ms == 5000
    exact_tie = standings([answer(0, 1, 0, True, 10_000, "b"), answer(0, 2, 0, True, 10_000, "a")], 20)
    assert [s.name for s in exact_tie] == ["a", "b"]
    same_points = standings([answer(0, 1, 0, True, 0, "x"), answer(1, 1, 1, False, 5000, "x"),
                             answer(0, 2, 1, False, 100, "y"), answer(1, 2, 0, True, 0, "y")], 20)
    assert same_points[0].points == same_points[1].points == 1000
    assert [s.name for s in same_points] == ["y", "x"]  # 0.1 s in all against 5 s


def test_standings_through_leave_out_questions_not_yet_revealed() -> None:
    answers = [answer(0, 1, 0, True, 0), answer(1, 2, 0, True, 0)]
    assert [s.learner_id for s in standings(answers, 20, through=0)] == [1]
    assert standings(answers, 20, through=-1) == []


def test_tally_counts_final_choices_of_one_question() -> None:
    answers = [answer(0, 1, 2, True, 0), answer(0, 2, 2, True, 0), answer(0, 3, 0, False, 0), answer(1, 1, 1, True, 0)]
    assert tally(answers, 0, 4) == [1, 0, 2, 0]
    assert tally(answers, 1, 2) == [0, 1]


def test_shares_and_the_hardest_question() -> None:
    answers = [answer(0, 1, 0, True, 0), answer(0, 2, 1, False, 0), answer(1, 1, 1, False, 0),
               answer(2, 1, 0, True, 0)]
    shares = question_shares(answers, 4)
    assert [(s.answered, s.right) for s in shares] == [(2, 1), (1, 0), (1, 1), (0, 0)]
    worst = hardest(shares)
    assert worst is not None and worst.position == 1  # question 4 was not answered at all: not "hardest"
    assert hardest(question_shares([], 3)) is None


def test_what_falls_due() -> None:
    assert due_step(game("asking", NOW), NOW) == "reveal"
    assert due_step(game("asking", NOW + timedelta(seconds=1)), NOW) is None
    assert due_step(game("revealed", NOW - timedelta(seconds=1)), NOW) == "advance"
    assert due_step(game("revealed", None), NOW) is None
    assert due_step(game("finished", None), NOW) is None


def test_game_types_match_the_catalogue_and_never_ask_typed_answers() -> None:
    assert GAME_TYPES == CLASS_GAME_TYPES
    assert card_types("mixed") == {CardType.CHOICE, CardType.TRUEFALSE}
    assert card_types("truefalse") == {CardType.TRUEFALSE}


def test_questions_are_a_random_sample_with_the_right_option_known() -> None:
    cards = [Card(f"c{i}", CardType.CHOICE, "t", f"Q{i}?", (f"right{i}",), "", (), choices=(f"right{i}", "x", "y"))
             for i in range(5)]
    picked = pick_questions(cards, 3, random.Random(1))
    assert len(picked) == 3 and len({c.id for c in picked}) == 3
    assert len(pick_questions(cards, 10, random.Random(1))) == 5
    spec = question_spec(cards[0], "game", 0)
    assert spec.options[spec.correct_index] == "right0"
    assert question_spec(cards[0], "game", 0) == spec  # the same order every time (restarts, clicks)
