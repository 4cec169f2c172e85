"""The GIFT file parses (with a small parser written here) back into the cards it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from bot.core.content.snapshot import ContentSnapshot
from bot.core.exports.gift import category_name, gift_escape, gift_export, gift_question
from bot.core.models import Card, CardType
from tests.core.exports.conftest import with_card

SPECIALS = "~=#{}:"


@dataclass
class Question:
    category: list[str]
    title: str
    text: str
    right: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    truth: bool | None = None
    feedback: str = ""


def tokens(text: str) -> list[tuple[str, bool]]:
    """(character, escaped) pairs: an escaped special is content, never syntax."""
    out: list[tuple[str, bool]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            assert following in SPECIALS + "\\n", f"unknown escape \\{following}"
            out.append(("\n" if following == "n" else following, True))
            index += 2
        else:
            out.append((char, False))
            index += 1
    return out


def unescape(text: str) -> str:
    return "".join(char for char, _ in tokens(text))


def content(run: list[tuple[str, bool]]) -> str:
    """Raw (unescaped) line breaks only separate parts; content line breaks are always escaped."""
    return "".join(char for char, escaped in run if escaped or char != "\n")


def split_at(run: list[tuple[str, bool]], marker: str) -> list[list[tuple[str, bool]]]:
    parts: list[list[tuple[str, bool]]] = [[]]
    for char, escaped in run:
        if char == marker and not escaped:
            parts.append([])
        else:
            parts[-1].append((char, escaped))
    return parts


def parse_question(block: str, category: list[str]) -> Question:
    match = re.fullmatch(r"::(?P<title>(?:\\.|[^:\\])*)::\[plain\](?P<rest>.*)", block, re.DOTALL)
    assert match, block
    rest = tokens(match["rest"])
    opening = next(i for i, (char, escaped) in enumerate(rest) if char == "{" and not escaped)
    assert rest[-1] == ("}", False)
    question = Question(category, unescape(match["title"]), content(rest[:opening]))
    body = rest[opening + 1 : -1]
    general = [i for i in range(len(body) - 3) if all(body[i + k] == ("#", False) for k in range(4))]
    if general:
        question.feedback = content(body[general[0] + 4 :])
        body = body[: general[0]]
    plain = content(body).strip()
    if plain in ("TRUE", "FALSE", "T", "F"):
        question.truth = plain.startswith("T")
        return question
    marks = [(i, char) for i, (char, escaped) in enumerate(body) if char in "=~" and not escaped]
    assert marks, block
    for (start, mark), end in zip(marks, [i for i, _ in marks[1:]] + [len(body)], strict=True):
        answer = content(split_at(body[start + 1 : end], "#")[0])
        (question.right if mark == "=" else question.wrong).append(answer)
    return question


def parse_gift(text: str) -> list[Question]:
    questions: list[Question] = []
    category: list[str] = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("//")]
        if not lines:
            continue
        joined = "\n".join(lines)
        if joined.startswith("$CATEGORY:"):
            path = joined.removeprefix("$CATEGORY:").strip()
            category = [part.replace("\0", "/") for part in path.replace("//", "\0").split("/")]
            continue
        questions.append(parse_question(joined, category))
    return questions


def test_every_gradable_card_parses_back_with_its_right_answers_marked(shipped_snapshot: ContentSnapshot) -> None:
    attachment = gift_export(shipped_snapshot)
    questions = {q.title: q for q in parse_gift(attachment.data.decode("utf-8"))}
    cards = {c.id: c for c in shipped_snapshot.cards.values() if c.type is not CardType.FLASHCARD}
    assert set(questions) == set(cards)
    for card_id, card in cards.items():
        question = questions[card_id]
        assert question.text == card.prompt
        assert question.category == ["$course$", "top", shipped_snapshot.course.title,
                                     shipped_snapshot.topics[card.topic].title]
        assert question.feedback.startswith(card.explain)
        assert card.citations[0].quote in question.feedback
        if card.type is CardType.TRUEFALSE:
            assert question.truth is (card.answer == "True")
        elif card.type is CardType.CHOICE:
            assert question.right == [card.answer]
            assert sorted(question.wrong + question.right) == sorted(card.choices)
        else:
            assert question.right == [answer.replace("*", "\\*") for answer in card.answers]
            assert not question.wrong
    assert f"{len(cards)} questions" in attachment.description


def test_special_characters_round_trip_through_a_whole_file(fixture_snapshot: ContentSnapshot) -> None:
    nasty = "a~b=c#d{e}f:g\\h\nline two // not a comment ####"
    snapshot = with_card(fixture_snapshot, "hist-occupied", prompt=nasty, explain=nasty,
                         choices=("=right?", "~wrong", "{brace}"), answers=("=right?",))
    snapshot = with_card(snapshot, "trade-toshiba", answers=("3*4", "x:y"))
    questions = {q.title: q for q in parse_gift(gift_export(snapshot).data.decode("utf-8"))}
    choice = questions["hist-occupied"]
    assert choice.text == nasty and choice.feedback.startswith(nasty)
    assert choice.right == ["=right?"] and choice.wrong == ["~wrong", "{brace}"]
    assert questions["trade-toshiba"].right == ["3\\*4", "x:y"]  # a literal star for Moodle's matcher


def test_topic_filter_and_category_names(fixture_snapshot: ContentSnapshot) -> None:
    questions = parse_gift(gift_export(fixture_snapshot, topic="trade").data.decode("utf-8"))
    assert [q.title for q in questions] == ["trade-toshiba"]  # the flashcard has no GIFT form
    assert category_name("War / Peace  talks") == "War // Peace talks"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r")))
def test_escaping_round_trips_and_leaves_no_bare_syntax(text: str) -> None:
    escaped = gift_escape(text)
    assert unescape(escaped) == text
    assert "\n" not in escaped
    assert not [char for char, was_escaped in tokens(escaped) if char in SPECIALS and not was_escaped]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r")),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r*")))
def test_any_prompt_and_answer_parse_back(prompt: str, answer: str) -> None:
    card = Card(id="c:1", type=CardType.SHORT, topic="t", prompt=prompt, answers=(answer,),
                explain=prompt + answer, citations=())
    question = parse_question(gift_question(card, card.explain), [])
    assert (question.title, question.text, question.right, question.feedback) == (
        "c:1", prompt, [answer], prompt + answer)
