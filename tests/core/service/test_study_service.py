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
        seen_types.add(reply.footer.split(" · ")[1] if reply.footer else "")
        assert reply.footer and reply.footer.endswith(" · new card")
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
    assert result.buttons[-1].label == "Next"  # the missed card comes back once, at the end
    again = await service.press(ANA, result.buttons[-1].action)
    assert again.title == "Quiz · card 2 of 2" and again.footer and again.footer.endswith(" · second try")
    wrong = next(b for b in again.buttons if "peace treaty" not in b.label and b.label != "End")
    missed_twice = await service.press(ANA, wrong.action)
    assert missed_twice.buttons[-1].label == "See results"  # but only once
    summary = await service.press(ANA, missed_twice.buttons[-1].action)
    assert summary.title == "Quiz finished: 0/1" and "**Second tries:** 0 of 1 right" in summary.body
    assert [b.label for b in summary.buttons] == ["Retry missed", "New round"]


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
    assert fuzzy.title == "Linkage politics" and fuzzy.body.startswith("*Closest match to")
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
    assert done.body == "1 answer, 1 review schedule and 1 quiz round deleted."


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
    export = await service.export(TEACHER, "csv", attempts=True)
    names = [a.filename for a in export.attachments]
    assert names == ["progress-learners-2024-05-01_090000Z.csv", "progress-topics-2024-05-01_090000Z.csv",
                     "attempts-2024-05-01_090000Z.csv"]
    for attachment in export.attachments:
        text = attachment.data.decode()
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
        renamed = {"type": "card_type", "format": "file_format"}
        expected = {renamed.get(option.name, option.name) for option in spec.options}
        assert expected <= accepted, name


def test_every_action_verb_has_a_handler(service: StudyService) -> None:
    handled = set(service.press_handlers) | {Verb.TEXT}
    assert handled == set(Verb)


async def test_instructor_check_lists_warnings_without_refusing(service: StudyService, content_dir: Path) -> None:
    clean = await service.check(TEACHER)
    assert clean.title == "Content is valid" and "Warnings" not in clean.body
    deck = (
        "topic: history\ncards:\n  - id: history-giveaway\n    type: choice\n    prompt: \"What was signed?\"\n"
        "    choices: [\"A fishing accord\", \"A peace treaty between the two countries, as the paper says\", "
        "\"A loan\"]\n    answer: \"A peace treaty between the two countries, as the paper says\"\n"
        "    explain: \"The second option is right.\"\n"
        "    cite: [{source: paper, quote: \"The Toshiba Machine Company sold propeller-milling machinery\"}]\n"
    )
    (content_dir / "cards/giveaway.yaml").write_text(deck, encoding="utf-8")
    warned = await service.check(TEACHER)
    assert warned.title == "Content is valid" and "**Warnings (2)**" in warned.body
    assert "cards/giveaway.yaml:" in warned.body


async def test_only_a_reload_resets_changed_cards_and_says_for_how_many(
    tmp_path: Path, content_dir: Path, clock: FrozenClock
) -> None:
    db = tmp_path / "study.sqlite3"
    first = await StudyService.open(db_path=db, content_dir=content_dir, migrations_dir=MIGRATIONS_DIR, clock=clock)
    card = await first.start_quiz(ANA, card_type="short")
    assert card.prompt is not None
    await first.submit(ANA, card.prompt.action, "Toshiba")
    await first.close()
    deck = content_dir / "cards/trade.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("propeller-milling machinery to the USSR?",
                                                             "milling machinery to the USSR?"), encoding="utf-8")

    second = await StudyService.open(db_path=db, content_dir=content_dir, migrations_dir=MIGRATIONS_DIR, clock=clock)
    try:
        assert await second.store.card_state(1, "trade-toshiba") is not None  # opening never resets
        reloaded = await second.reload(TEACHER)
        assert "1 changed card start over for 1 learner who had studied them." in reloaded.body
        assert await second.store.card_state(1, "trade-toshiba") is None
    finally:
        await second.close()


async def test_progress_and_stats_attach_charts_with_alt_text(service: StudyService) -> None:
    assert (await service.progress(ANA)).attachments == ()  # nothing studied yet: no empty chart
    await answer_right(service, ANA, await service.start_quiz(ANA, topic="History", card_type="choice", count=1))
    progress = await service.progress(ANA)
    assert [a.filename for a in progress.attachments] == ["progress-mastery.png", "progress-due.png"]
    assert all(a.data.startswith(b"\x89PNG") and a.description for a in progress.attachments)
    stats = await service.stats(TEACHER, "History")
    [chart] = stats.attachments
    assert chart.data.startswith(b"\x89PNG") and "hist-" in chart.description


async def test_old_full_passage_buttons_survive_a_paragraph_inserted_above(service: StudyService,
                                                                           content_dir: Path) -> None:
    hit = await service.excerpt(ANA, "propeller milling")
    old_button = button(hit, "Full passage")
    assert len(old_button) <= 100
    paper = content_dir / "sources/paper.md"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("## A. Introduction\n\n", "## A. Introduction\n\nA new opening paragraph.\n\n")
                     .replace("### The Toshiba affair\n\n", "### The Toshiba affair\n\nAnother new paragraph.\n\n"),
                     encoding="utf-8")
    assert (await service.reload(TEACHER)).title.startswith("Content reloaded")
    shown = await service.press(ANA, old_button)
    assert "Toshiba Machine Company" in shown.body
    paper.write_text(paper.read_text(encoding="utf-8").replace("The Toshiba Machine Company sold",
                                                               "In 1987 the Toshiba Machine Company sold"),
                     encoding="utf-8")
    await service.reload(TEACHER)
    with pytest.raises(StudyError, match="has moved or is no longer in the text"):
        await service.press(ANA, old_button)


async def test_an_instructor_of_another_server_cannot_change_the_shared_course(service: StudyService) -> None:
    elsewhere = Actor("guild:2", "950", "Other prof", is_instructor=True, course_editor=False)
    for attempt in (service.reload(elsewhere), service.upload(elsewhere, Upload("deck.yaml", b"topic: trade\n"))):
        with pytest.raises(StudyError, match="Only the course's owners") as refused:
            await attempt
        assert refused.value.hint and "STUDYBOT_COURSE_GUILDS" in refused.value.hint
    assert (await service.stats(elsewhere)).title.startswith("Class statistics")  # per-server tools stay


async def test_a_page_past_the_end_says_so_instead_of_no_match(service: StudyService) -> None:
    past = await service.excerpt(ANA, "Toshiba", offset=300)
    assert past.title.casefold() == "no more excerpts for “toshiba”" and "past the last one" in past.body
    assert (await service.press(ANA, button(past, "First page"))).title.casefold().startswith("excerpts for “toshiba”")


async def test_an_upload_that_replaces_a_deck_says_what_it_changes_and_waits_for_a_yes(
    service: StudyService, content_dir: Path
) -> None:
    before = (content_dir / "cards/trade.yaml").read_text(encoding="utf-8")
    deck = (
        "topic: trade\ncards:\n  - id: trade-toshiba\n    type: truefalse\n    prompt: \"Toshiba sold machinery.\"\n"
        "    answer: true\n    explain: \"It did.\"\n"
        "    cite: [{source: paper, quote: \"The Toshiba Machine Company sold propeller-milling machinery\"}]\n"
    )
    asked = await service.upload(TEACHER, Upload("../../Trade.YML", deck.encode()))
    assert asked.title == "Replace the deck trade.yaml?"
    assert "`trade.yaml`: 3 → 1 card, 2 retired" in asked.body
    assert (content_dir / "cards/trade.yaml").read_text(encoding="utf-8") == before  # nothing yet
    other = Actor("guild:1", "901", "Other prof", is_instructor=True)
    with pytest.raises(StudyError, match="Only the instructor who uploaded"):
        await service.press(other, button(asked, "Replace"))

    done = await service.press(TEACHER, button(asked, "Replace"))

    assert done.title == "Deck trade.yaml saved" and "trade-cocom" not in service.content.cards
    assert (content_dir / "cards/trade.yaml").read_text(encoding="utf-8") == deck
    [kept] = (content_dir / "replaced").iterdir()
    assert kept.name.startswith("trade-") and kept.read_text(encoding="utf-8") == before
    with pytest.raises(StudyError, match="no longer waiting"):
        await service.press(TEACHER, button(asked, "Replace"))


async def test_a_refused_upload_lists_its_problems_without_paging_the_folder(service: StudyService) -> None:
    deck = "topic: trade\ncards:\n" + "".join(f"  - id: bad-{n}\n    type: nope\n" for n in range(15))
    refused = await service.upload(TEACHER, Upload("more.yaml", deck.encode()))
    assert refused.title.startswith("Deck more.yaml was not saved") and refused.buttons == ()
    assert refused.footer and refused.footer.startswith("…and ") and "more" in refused.footer


async def test_an_export_too_large_for_discord_is_zipped_or_refused_clearly(
    service: StudyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import zipfile

    from bot.core.service.instructor import zipped

    for n in range(12):  # enough rows for the CSVs to compress
        learner = Actor("guild:1", str(300 + n), f"Learner {n}")
        await answer_right(service, learner, await service.start_quiz(learner, card_type="choice", count=1))
    files = (await service.export(TEACHER, "csv", attempts=True)).attachments
    archive = zipped(files, "progress-export")
    assert zipfile.ZipFile(io.BytesIO(archive.data)).namelist() == [f.filename for f in files]
    monkeypatch.setattr("bot.core.service.instructor.ATTACHMENTS_LIMIT", sum(len(f.data) for f in files) - 1)
    [attached] = (await service.export(TEACHER, "csv", attempts=True)).attachments
    assert attached.filename.startswith("progress-export-") and attached.filename.endswith(".zip")
    monkeypatch.setattr("bot.core.service.instructor.ATTACHMENTS_LIMIT", 100)
    with pytest.raises(StudyError, match="even compressed"):
        await service.export(TEACHER, "csv", attempts=True)


async def test_progress_of_many_topics_is_paged_and_each_page_checks_rights(
    service: StudyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.core.service.standings.TOPICS_PER_PAGE", 1)
    first = await service.progress(ANA)
    assert first.footer == "0 of 5 cards seen · Page 1 of 2" and [b.label for b in first.buttons] == ["Prev", "Next"]
    second = await service.press(ANA, button(first, "Next"))
    assert second.footer.endswith("Page 2 of 2") and second.body != first.body
    assert second.body.count("**Streak:**") == 1
    with pytest.raises(StudyError, match="Only instructors"):
        await service.press(BEN, button(first, "Next"))
    assert (await service.press(TEACHER, button(first, "Next"))).title == "Progress of Ana"
