"""Templates render inside Discord's limits, escape what users and content say, and stay sandboxed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.content.library import ContentLibrary
from bot.core.content.loader import load_content
from bot.core.errors import StudyError
from bot.core.presentation.rendering import (
    BUILTIN_DIR,
    MEMO_SIZE,
    Safe,
    TemplateSet,
    TemplateSpec,
    escape_markdown,
    highlight,
)
from bot.core.presentation.replies import (
    BODY_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    TITLE_LIMIT,
    Button,
    Field,
    Reply,
    TextPrompt,
    error_reply,
)
from bot.core.problems import ContentError
from bot.core.service.template_samples import template_samples

BUILTINS = sorted(p.name for p in BUILTIN_DIR.glob("*.md.j2"))


def test_every_builtin_template_has_a_sample() -> None:
    assert sorted(template_samples()) == BUILTINS


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_renders_its_sample_within_limits(name: str) -> None:
    templates, problems = TemplateSet.load(None, template_samples())
    assert problems == []
    output = templates.render(name, **template_samples()[name]())
    assert output.strip() and len(output) <= BODY_LIMIT


def test_printed_values_are_escaped_unless_the_bot_formatted_them() -> None:
    templates, _ = TemplateSet.load(None, template_samples())
    sample = template_samples()["feedback.md.j2"]() | {"response": "@everyone *win* <@&123> [x](http://e)"}
    output = templates.render("feedback.md.j2", **sample)
    assert "@everyone" not in output and "<@&123>" not in output
    assert "\\*win\\*" in output and "\\[x\\]" in output
    assert "**Answer:**" in output  # the template's own Markdown is kept


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("@everyone", "@\u200beveryone"),
        ("@here", "@\u200bhere"),
        ("<@&42>", "<@&\u200b42>"),
        ("<@42>", "<@\u200b42>"),
        ("*a* _b_ ~~c~~ `d` ||e||", "\\*a\\* \\_b\\_ \\~\\~c\\~\\~ \\`d\\` \\|\\|e\\|\\|"),
        ("# title\n> quote\n- item", "\\# title\n\\> quote\n\\- item"),
        ("a - b (c) #1", "a - b (c) #1"),
    ],
)
def test_escape_markdown(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_highlight_bolds_hits_but_escapes_the_text() -> None:
    assert highlight("a \x02Toshiba\x03 *b*") == "a **Toshiba** \\*b\\*"


def test_reply_fits_discord_limits_whatever_it_is_given() -> None:
    reply = Reply(
        title="t" * 400,
        body="word " * 2000,
        fields=tuple(Field("n" * 300, "v " * 900) for _ in range(30)),
        footer="f" * 3000,
        buttons=(Button("label " * 30, "sb:next:abc"),),
    )
    assert len(reply.title) <= TITLE_LIMIT and len(reply.body) <= BODY_LIMIT
    assert len(reply.fields) <= 25 and all(len(f.value) <= FIELD_VALUE_LIMIT for f in reply.fields)
    assert reply.size <= EMBED_TOTAL_LIMIT and len(reply.buttons[0].label) <= 80
    assert reply.body.endswith("…")


def test_action_ids_longer_than_discord_allows_are_a_bug() -> None:
    with pytest.raises(ValueError, match="longer than 100"):
        Button("x", "sb:xp:" + "q" * 100)
    with pytest.raises(ValueError, match="longer than 100"):
        TextPrompt("sb:txt:" + "q" * 100, "t", "l")


def test_error_reply_is_private_and_carries_the_hint() -> None:
    reply = error_reply(StudyError("No such topic.", hint="topics are: a, b"))
    assert reply.ephemeral and reply.error == "No such topic."
    assert reply.body == "No such topic.\n\n*Topics are: a, b.*"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ term.__class__ }}", "'__class__' is not allowed"),
        ("{{ term.definition.__class__.__mro__ }}", "is not allowed"),
        ("{% for i in range(10**6) %}x{% endfor %}", "range() is limited to 200 items"),
        ("{{ 'x' * 100000 }}", "renders more than 6,000 characters"),
        ("{% for a in range(200) %}{% for b in range(200) %}{% for c in range(200) %}{% endfor %}{% endfor %}"
         "{% endfor %}ok", "takes too long to render"),
        ("{{ secrets }}", "undefined variable 'secrets'"),
        ("{{ cycler.__init__.__globals__ }}", "'__globals__' is not allowed"),
    ],
)
def test_instructor_templates_that_misbehave_are_refused_at_load(content_dir: Path, source: str, message: str) -> None:
    (content_dir / "templates").mkdir()
    (content_dir / "templates/term.md.j2").write_text(source, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content_dir, template_samples)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert text.startswith("templates/term.md.j2:") and message in text


async def test_a_refused_template_keeps_the_old_one_serving(content_dir: Path) -> None:
    library = ContentLibrary(content_dir, template_samples)
    before = library.load()
    (content_dir / "templates").mkdir()
    (content_dir / "templates/term.md.j2").write_text("{{ term.__init__ }}", encoding="utf-8")
    result = await library.reload()
    assert not result.ok and library.snapshot is before


async def test_a_valid_override_goes_live(content_dir: Path) -> None:
    library = ContentLibrary(content_dir, template_samples)
    library.load()
    (content_dir / "templates").mkdir()
    (content_dir / "templates/term.md.j2").write_text("DEF: {{ term.definition }}", encoding="utf-8")
    result = await library.reload()
    assert result.ok
    term = result.snapshot.glossary.terms["linkage-politics"]
    assert result.snapshot.templates.render("term.md.j2", term=term, quotes=[], see_also=[], fiction_label="F") \
        .startswith("DEF: ")


@given(st.text(alphabet=st.sampled_from("ab \n#>-*_~`|[]()@<&!0123456789\\"), max_size=40))
def test_escaped_text_reads_back_as_typed_and_pings_no_one(text: str) -> None:
    escaped = escape_markdown(text)
    assert not re.search(r"@(everyone|here)|<@[!&]?\d+>", escaped)
    assert re.sub(r"\\(.)", r"\1", escaped.replace("\u200b", "")) == text


def _counting_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every template actually rendered (not answered from the memo)."""
    from bot.core.presentation import rendering

    rendered: list[str] = []
    real = rendering._render_capped

    def counting(env: object, name: str, context: object, **kwargs: object) -> str:
        rendered.append(name)
        return real(env, name, context, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rendering, "_render_capped", counting)
    return rendered


def test_a_context_seen_before_is_not_rendered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    templates, _ = TemplateSet.load(None, template_samples())
    rendered = _counting_renders(monkeypatch)
    sample = template_samples()["feedback.md.j2"]()
    first = templates.render("feedback.md.j2", **sample)
    again = templates.render("feedback.md.j2", **dict(sample))
    other = templates.render("feedback.md.j2", **(sample | {"response": "something else"}))
    assert again == first and other != first
    assert rendered == ["feedback.md.j2", "feedback.md.j2"]


@pytest.mark.parametrize(
    ("plain", "different"),
    [("*bold*", Safe("*bold*")), (1, True), (["a", "b"], [("a", "b")]), (None, "None")],
)
def test_values_that_print_differently_are_remembered_apart(plain: object, different: object) -> None:
    """``Safe`` text is printed as is and ``True`` is not ``1``: equal-comparing values must not share an output."""
    templates = TemplateSet({"t.md.j2": TemplateSpec("t.md.j2", "{{ value }}", "t", frozenset({"value"}))})
    fresh = TemplateSet({"t.md.j2": TemplateSpec("t.md.j2", "{{ value }}", "t", frozenset({"value"}))})
    templates.render("t.md.j2", value=plain)
    assert templates.render("t.md.j2", value=different) == fresh.render("t.md.j2", value=different)


def test_the_memo_keeps_a_bounded_number_of_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    templates = TemplateSet({"t.md.j2": TemplateSpec("t.md.j2", "{{ value }}", "t", frozenset({"value"}))})
    rendered = _counting_renders(monkeypatch)
    for n in range(MEMO_SIZE + 1):
        templates.render("t.md.j2", value=n)
    templates.render("t.md.j2", value=MEMO_SIZE)  # the newest is still remembered
    templates.render("t.md.j2", value=0)  # the oldest made room for it
    assert len(rendered) == MEMO_SIZE + 2


def test_a_context_that_cannot_be_remembered_still_renders(monkeypatch: pytest.MonkeyPatch) -> None:
    templates = TemplateSet({"t.md.j2": TemplateSpec("t.md.j2", "{{ value.a }}", "t", frozenset({"value"}))})
    rendered = _counting_renders(monkeypatch)
    assert templates.render("t.md.j2", value={"a": 1}) == templates.render("t.md.j2", value={"a": 1}) == "1"
    assert len(rendered) == 2
