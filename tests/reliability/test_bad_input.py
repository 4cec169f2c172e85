"""Whatever a user types into any text option, the service answers politely and pings no one.

Property-based over every string option of every command in the catalogue (and over pressed
button ids and submitted answers), with any Unicode, 10,000-character strings, FTS5 operators,
quotes, NUL, Markdown, ``@everyone`` and role mentions.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.command_catalog import COMMANDS, OptionType
from bot.core.errors import StudyError
from bot.core.presentation.replies import Reply
from bot.core.service.study_service import Actor, StudyService
from bot.settings import MIGRATIONS_DIR
from tests.conftest import SHIPPED_CONTENT

TEACHER = Actor("guild:1", "900", "Prof", is_instructor=True)
PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>")
NASTY = [
    "@everyone", "@here", "<@&123456789>", "<@!42>", "\x00", "NEAR(a b)", "a OR b", "NOT", "AND", '"', "'", "*",
    "body:", "heading : x", "^", "(", ")", "{", "}", "**bold**", "`code`", "||spoiler||", "[link](http://x)",
    "# heading", "> quote", "\\", "\u202e", "\U0001f600", "linkage", "Toshiba", "sb:next:x", "", " ", "\n",
]
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(NASTY) | st.text(max_size=8), max_size=30).map(" ".join),
    st.builds(lambda piece, times: (piece * times)[:10_000],
              st.sampled_from(NASTY[:-3]) | st.text(min_size=1, max_size=5),
              st.integers(min_value=2_000, max_value=10_000)),
)
TEXT_OPTIONS = [
    (command.name, option.name)
    for command in COMMANDS.values()
    for option in command.options
    if option.type is OptionType.STRING
]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[asyncio.AbstractEventLoop, StudyService]]:
    loop = asyncio.new_event_loop()
    folder = tmp_path_factory.mktemp("bad-input")
    service = loop.run_until_complete(StudyService.open(
        db_path=folder / "bad.sqlite3", content_dir=SHIPPED_CONTENT, migrations_dir=MIGRATIONS_DIR))
    yield loop, service
    loop.run_until_complete(service.close())
    loop.close()


def assert_polite(reply: Reply) -> None:
    """No ping can survive into anything Discord or the console shows."""
    shown = [reply.title, reply.body, reply.footer or "", *(f.name + f.value for f in reply.fields),
             *(b.label for b in reply.buttons), reply.prompt.label if reply.prompt else ""]
    for text in shown:
        assert not PING.search(text), text


async def run(service: StudyService, call: object) -> None:
    try:
        reply = await call  # type: ignore[misc]
    except StudyError as error:
        assert error.message and not PING.search(error.message)
        return
    assert_polite(reply)


def test_the_catalogue_has_text_options_to_attack() -> None:
    assert ("define", "term") in TEXT_OPTIONS and ("excerpt", "query") in TEXT_OPTIONS


@pytest.mark.parametrize(("command", "option"), TEXT_OPTIONS, ids=[f"{c}.{o}" for c, o in TEXT_OPTIONS])
def test_any_text_in_any_option(running: tuple[asyncio.AbstractEventLoop, StudyService], command: str,
                                option: str) -> None:
    loop, service = running
    required = {o.name: "linkage" for o in COMMANDS[command].options if o.required and o.name != option}

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(TEXT)
    def attack(text: str) -> None:
        loop.run_until_complete(run(service, service.execute(TEACHER, command, {**required, option: text})))

    attack()


def test_any_button_id_or_typed_answer(running: tuple[asyncio.AbstractEventLoop, StudyService]) -> None:
    loop, service = running
    typist = Actor("guild:1", "901", "Typist")  # a learner with no round open yet
    quiz = loop.run_until_complete(service.start_quiz(typist, card_type="short", count=3))
    assert quiz.prompt is not None
    prompt = quiz.prompt.action

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(TEXT, TEXT)
    def attack(action: str, answer: str) -> None:
        loop.run_until_complete(run(service, service.press(TEACHER, action)))
        loop.run_until_complete(run(service, service.submit(TEACHER, action, answer)))
        for kind in ("term", "topic", "source"):
            choices = service.complete(kind, answer)
            assert len(choices) <= 25 and all(len(label) <= 100 and len(value) <= 100 for label, value in choices)

    attack()
    # a hostile typed answer is graded and recorded like any other, and shown back defused
    loop.run_until_complete(run(service, service.submit(typist, prompt, "@everyone <@&1> **x**")))
