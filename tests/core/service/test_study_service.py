"""The study service end to end over each backend (a real SQLite file, a PostgreSQL schema) and the fixture course."""

from __future__ import annotations

import inspect
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FrozenClock
from bot.core.command_catalog import COMMANDS
from bot.core.errors import StudyError
from bot.core.presentation.actions import Verb, decode
from bot.core.presentation.replies import Reply
from bot.core.progress.backend import DatabaseTarget
from bot.core.service.study_service import Actor, Member, StudyService, Upload
from bot.settings import MIGRATIONS_DIR

ANA = Actor("guild:1", "101", "Ana")
BEN = Actor("guild:1", "102", "Ben")
TEACHER = Actor("guild:1", "900", "Prof", is_instructor=True)


@pytest.fixture
async def service(db_target: DatabaseTarget, content_dir: Path, clock: FrozenClock) -> AsyncIterator[StudyService]:
    opened = await StudyService.open(db_path=db_target, content_dir=content_dir,
                                     migrations_dir=MIGRATIONS_DIR, clock=clock, rng=random.Random(7))
    yield opened
    await opened.close()


def button(reply: Reply, label: str) -> str:
    """The action of the button whose label starts with ``label``."""
    matches = [b.action for b in reply.buttons if b.label.startswith(label)]
    assert matches, f"no button {label!r} in {[b.label for b in reply.buttons]}"
    return matches[0]


async def answer_right(service: StudyService, actor: Actor, card_reply: Reply) -> Reply:
    """Answer the card shown in ``card_reply`` correctly, whatever its type."""
    action = decode(card_reply.buttons[0].action)
    session = await service.store.get_session(action.args[0])
    assert session is not None
    card = service.content.cards[session.card_ids[int(action.args[1])]]
    if card.type.value in ("choice", "truefalse"):
        right = next(b for b in card_reply.buttons if b.label.endswith(card.answer) or b.label == card.answer)
        return await service.press(actor, right.action)
    if card.type.value == "short":
        assert card_reply.prompt is not None
        return await service.submit(actor, card_reply.prompt.action, card.answers[-1])
    revealed = await service.press(actor, button(card_reply, "Show answer"))
    assert card.answer in revealed.body
    return await service.press(actor, button(revealed, "Good"))


async def attempts(service: StudyService) -> int:
    rows = await service.instructor._ctx.reports.export_attempt_rows("guild:1")
    return len(rows)


async def test_a_full_round_shows_every_card_type_with_explanation_and_quote(service: StudyService) -> None:
    reply = await service.start_quiz(ANA, count=5)
    seen_types = set()
    for _ in range(5):
        assert reply.title.startswith("Quiz · card")
        seen_types.add(reply.footer.split(" · ")[-1] if reply.footer else "")
        result = await answer_right(service, ANA, reply)
        if result.title == "Correct!":
            assert "**Answer:**" in result.body and "> " in result.body and "—" in result.body
            result = await service.press(ANA, button(result, "Next") if "Next" in str(result.buttons)
                                         else button(result, "See results"))
        reply = result
    assert seen_types == {"multiple choice", "true or false", "short answer", "flashcard"}
    assert reply.title == "Quiz finished: 5/5"
    assert "**Score:** 5 of 5 right" in reply.body and reply.ephemeral
    assert await attempts(service) == 5


async def test_a_wrong_answer_shows_the_right_one_and_the_response(service: StudyService) -> None:
    reply = await service.start_quiz(ANA, topic="History", card_type="choice", count=1)
    wrong = next(b for b in reply.buttons if "peace treaty" not in b.label and b.label != "End")
    result = await service.press(ANA, wrong.action)
    assert result.title == "Not quite"
    assert "**Answer:** A peace treaty" in result.body and "You answered:" in result.body
    assert result.buttons[-1].label == "See results"


async def test_a_double_click_counts_once(service: StudyService) -> None:
    reply = await service.start_quiz(ANA, card_type="truefalse", count=2)
    first = await service.press(ANA, reply.buttons[0].action)
    again = await service.press(ANA, reply.buttons[0].action)
    assert again.title.endswith("(already answered)") and first.title in again.title
    assert await attempts(service) == 1


async def test_someone_elses_quiz_is_refused(service: StudyService) -> None:
    reply = await service.start_quiz(ANA, count=1)
    with pytest.raises(StudyError, match="belongs to someone else"):
        await service.press(BEN, reply.buttons[0].action)
    assert await attempts(service) == 0


async def test_a_card_retired_by_a_reload_is_skipped_not_fatal(service: StudyService, content_dir: Path) -> None:
    reply = await service.start_quiz(ANA, topic="trade", card_type="short", count=1)
    (content_dir / "cards/trade.yaml").write_text(
        (content_dir / "cards/trade.yaml").read_text(encoding="utf-8").replace("id: trade-toshiba", "id: trade-t2"),
        encoding="utf-8",
    )
    assert (await service.reload(TEACHER)).title == "Content reloaded"
    assert reply.prompt is not None
    retired = await service.submit(ANA, reply.prompt.action, "Toshiba")
    assert retired.title == "This card was retired"
    summary = await service.press(ANA, retired.buttons[0].action)
    assert summary.title == "Quiz finished: 0/0"
    assert await attempts(service) == 0


async def test_review_brings_back_due_cards_and_says_when_next(service: StudyService, clock: FrozenClock) -> None:
    empty = await service.review(ANA)
    assert empty.title == "Nothing to review" and "/quiz" in empty.body
    reply = await service.start_quiz(ANA, card_type="choice", count=1)
    await answer_right(service, ANA, reply)
    later = await service.review(ANA)
    assert later.title == "Nothing to review" and "next card is due in" in later.body
    clock.advance(timedelta(days=30))
    due = await service.review(ANA)
    assert due.title == "Review · card 1 of 1"


async def test_define_exact_fuzzy_and_miss(service: StudyService) -> None:
    exact = await service.define(ANA, "linkage politics")
    assert exact.title == "Linkage politics" and exact.footer is None
    assert exact.buttons[0].label == "Quote"
    quote = await service.press(ANA, exact.buttons[0].action)
    assert "—" in quote.body
    fuzzy = await service.define(ANA, "linkage politcs")
    assert fuzzy.title == "Linkage politics" and fuzzy.footer and "Closest match" in fuzzy.footer
    miss = await service.define(ANA, "Toshiba")
    assert miss.title == "No such term in the glossary"
    assert "Toshiba" in miss.body and any(b.label.startswith("Full passage") for b in miss.buttons)


async def test_excerpt_pages_and_labels_fiction(service: StudyService, monkeypatch: pytest.MonkeyPatch) -> None:
    single = await service.excerpt(ANA, "propeller milling")
    assert [b.label for b in single.buttons] == ["Full passage 1"]  # one page: no paging buttons
    monkeypatch.setattr("bot.core.service.lookups.EXCERPTS_PER_PAGE", 1)
    page = await service.excerpt(ANA, "Tokyo chips Toshiba Moscow")
    assert page.title.startswith("Excerpts for")
    assert page.buttons[0].label == "Prev" and page.buttons[0].disabled
    story = await service.excerpt(ANA, "chips", source="story")
    assert "FICTION" in story.body
    with pytest.raises(StudyError, match="no source"):
        await service.excerpt(ANA, "chips", source="nowhere")
    with pytest.raises(StudyError, match="Type some words"):
        await service.excerpt(ANA, "*** ::: ")
    assert not page.buttons[1].disabled
    second = await service.press(ANA, page.buttons[1].action)
    assert second.footer and second.footer.startswith("Results 2–2 of")
    assert second.buttons[0].label == "Prev" and not second.buttons[0].disabled


async def test_other_members_progress_needs_instructor_rights(service: StudyService) -> None:
    await service.start_quiz(BEN, count=1)
    with pytest.raises(StudyError, match="Only instructors"):
        await service.progress(ANA, Member("102", "Ben"))
    shown = await service.progress(TEACHER, Member("102", "Ben"))
    assert shown.title == "Progress of Ben" and "History" in shown.body
    assert (await service.progress(ANA)).title == "Progress of Ana"


async def test_leaderboard_belongs_to_a_server(service: StudyService) -> None:
    with pytest.raises(StudyError, match="belong to a server"):
        await service.leaderboard(Actor("dm", "101", "Ana"))
    board = await service.leaderboard(ANA, "all")
    assert "Nobody has answered" in board.body


async def test_shared_quiz_posts_its_summary_publicly(service: StudyService) -> None:
    reply = await service.start_quiz(ANA, card_type="truefalse", count=1, share=True)
    result = await service.press(ANA, reply.buttons[0].action)
    summary = await service.press(ANA, result.buttons[-1].action)
    assert summary.title.startswith("Quiz finished") and not summary.ephemeral


INSTRUCTOR_COMMANDS = [
    ("instructor reload", {}),
    ("instructor check", {}),
    ("instructor stats", {}),
    ("instructor export", {"attempts": True}),
    ("instructor upload", {"file": Upload("new.yaml", b"topic: trade\ncards: []\n")}),
    ("instructor reset", {"member": Member("101", "Ana")}),
]


@pytest.mark.parametrize(("command", "options"), INSTRUCTOR_COMMANDS, ids=[c for c, _ in INSTRUCTOR_COMMANDS])
async def test_instructor_commands_refuse_students_without_side_effects(
    service: StudyService, content_dir: Path, command: str, options: dict[str, object]
) -> None:
    await answer_right(service, ANA, await service.start_quiz(ANA, card_type="choice", count=1))
    files_before = sorted(p.name for p in (content_dir / "cards").iterdir())
    with pytest.raises(StudyError, match="Only instructors"):
        await service.execute(ANA, command, options)
    assert sorted(p.name for p in (content_dir / "cards").iterdir()) == files_before
    assert await attempts(service) == 1


async def test_reset_asks_first_and_only_an_instructor_can_confirm(service: StudyService) -> None:
    await answer_right(service, ANA, await service.start_quiz(ANA, card_type="choice", count=1))
    confirm = await service.reset(TEACHER, Member("101", "Ana"))
    erase = button(confirm, "Erase")
    with pytest.raises(StudyError, match="Only instructors"):
        await service.press(ANA, erase)
    assert (await service.press(TEACHER, button(confirm, "Keep"))).title == "Nothing was erased"
    assert await attempts(service) == 1
    done = await service.press(TEACHER, erase)
    assert done.title == "Progress of Ana erased" and await attempts(service) == 0


async def test_broken_reload_keeps_serving_and_lists_located_problems(service: StudyService, content_dir: Path) -> None:
    (content_dir / "cards/trade.yaml").write_text("topic: trade\ncards:\n  - id: x\n    type: nope\n", encoding="utf-8")
    refused = await service.reload(TEACHER)
    assert refused.title.startswith("Reload refused") and "cards/trade.yaml:4:" in refused.body
    assert "trade-toshiba" in service.content.cards
    checked = await service.check(TEACHER)
    assert checked.title.startswith("Content has problems")


async def test_upload_validates_then_writes_inside_cards_only(service: StudyService, content_dir: Path) -> None:
    deck = (
        "topic: trade\ncards:\n  - id: trade-new\n    type: truefalse\n    prompt: \"Toshiba sold machinery.\"\n"
        "    answer: true\n    explain: \"It did.\"\n"
        "    cite: [{source: paper, quote: \"The Toshiba Machine Company sold propeller-milling machinery\"}]\n"
    )
    bad = await service.upload(TEACHER, Upload("../../evil.yaml", deck.replace("truefalse", "tf").encode()))
    assert bad.title.startswith("Deck evil.yaml was not saved") and "cards/evil.yaml" in bad.body
    assert not (content_dir / "cards/evil.yaml").exists() and not (content_dir.parent / "evil.yaml").exists()
    good = await service.upload(TEACHER, Upload("../../evil.yaml", deck.encode()))
    assert good.title == "Deck evil.yaml saved"
    assert (content_dir / "cards/evil.yaml").read_text(encoding="utf-8") == deck
    assert "trade-new" in service.content.cards
    with pytest.raises(StudyError, match=r"\.yaml files"):
        await service.upload(TEACHER, Upload("deck.txt", b"x"))
    with pytest.raises(StudyError, match="limited to 64 KiB"):
        await service.upload(TEACHER, Upload("big.yaml", b"#" * (65 * 1024)))


async def test_export_neutralises_spreadsheet_formulas(service: StudyService) -> None:
    sneaky = Actor("guild:1", "666", "=HYPERLINK(\"http://x\")")
    await answer_right(service, sneaky, await service.start_quiz(sneaky, card_type="choice", count=1))
    export = await service.export(TEACHER, attempts=True)
    names = [a.filename for a in export.attachments]
    assert names == ["progress-2024-05-01.csv", "attempts-2024-05-01.csv"]
    text = export.attachments[0].data.decode()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


async def test_stats_show_the_most_chosen_wrong_option(service: StudyService) -> None:
    for actor in (ANA, BEN):
        reply = await service.start_quiz(actor, topic="history", card_type="choice", count=1)
        await service.press(actor, button(reply, next(b.label for b in reply.buttons if "trade" in b.label)[:2]))
    stats = await service.stats(TEACHER, "history")
    assert "0% right of 2" in stats.body and "A trade agreement" in stats.body


async def test_mentions_and_markdown_from_users_are_defused(service: StudyService) -> None:
    rogue = Actor("guild:1", "7", "@everyone *boss* <@&42>")
    await service.start_quiz(rogue, count=1)
    progress = await service.progress(TEACHER, Member("7", "@everyone *boss* <@&42>"))
    assert "@everyone" not in progress.title and "<@&42>" not in progress.title and "\\*boss\\*" in progress.title
    miss = await service.define(ANA, "@here **zz**")
    assert "@here" not in miss.body and "\\*\\*zz\\*\\*" in miss.body


async def test_a_tampered_button_is_refused_politely(service: StudyService) -> None:
    for action in ("sb:ans:nope:0:0", "sb:ans:x", "zz:next:1", "sb:what:1", "sb:psg:nowhere:9", "sb:xp:-:x:q"):
        with pytest.raises(StudyError):
            await service.press(ANA, action)


def test_every_catalogue_command_runs_a_use_case_with_its_options(service: StudyService) -> None:
    assert set(service.commands) == set(COMMANDS)
    for name, spec in COMMANDS.items():
        accepted = set(inspect.signature(service.commands[name]).parameters) - {"actor"}
        expected = {"card_type" if option.name == "type" else option.name for option in spec.options}
        assert expected <= accepted, name


def test_every_action_verb_has_a_handler(service: StudyService) -> None:
    handled = set(service.press_handlers) | {Verb.TEXT}
    assert handled == set(Verb)
