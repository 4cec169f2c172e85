"""Instructors' template overrides cannot grow values without bound, and misbehave at run time only harmlessly."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.presentation.rendering import BUILTIN_DIR, TemplateSet
from bot.core.service.template_samples import template_samples

CARD = "{#- context: prompt, kind, options, notice -#}\n"


def load_override(tmp_path: Path, name: str, source: str) -> tuple[TemplateSet, list[str]]:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    templates, problems = TemplateSet.load(folder, template_samples(), relative_to=tmp_path)
    return templates, [str(p) for p in problems]


GROWTH = {
    "repeat text": "{% set big = prompt * 3000 %}{{ big|length }}",
    "power": "{% set n = 7 ** 50000 %}{{ n % 10 }}",
    "power of a length": "{{ (prompt|length) ** ((prompt|length) ** 3) % 7 }}",
    "lipsum": "{{ lipsum(20)|length }}",
    "doubling with ~": "{% set ns = namespace(s=prompt) %}{% for i in range(12) %}{% set ns.s = ns.s ~ ns.s %}"
                       "{% endfor %}{{ ns.s|length }}",
    "doubling with +": "{% set ns = namespace(s=prompt) %}{% for i in range(12) %}{% set ns.s = ns.s + ns.s %}"
                       "{% endfor %}{{ ns.s|length }}",
    "list repeat": "{{ (options * 60000)|length }}",
    "center filter": "{{ prompt|center(200000)|length }}",
    "printf width": "{{ '%200000s'|format(prompt)|length }}",
    "printf operator": "{{ ('%200000s' % prompt)|length }}",
    "str.format width": "{{ '{:>200000}'.format(prompt)|length }}",
    "method width": "{{ prompt.ljust(200000)|length }}",
    "replace": "{{ (prompt * 30)|replace('', prompt * 30)|length }}",
    "join": "{{ (prompt * 1000).join(options * 60)|length }}",
    "bar width": "{{ 0.5|bar(200000)|length }}",
}


@pytest.mark.parametrize("source", GROWTH.values(), ids=list(GROWTH))
def test_growing_a_value_past_the_cap_is_blocked_at_load(tmp_path: Path, source: str) -> None:
    _, [problem] = load_override(tmp_path, "card.md.j2", CARD + source)
    assert problem.startswith("templates/card.md.j2:")
    assert "blocked by the sandbox" in problem


def test_modest_use_of_the_same_operations_is_fine(tmp_path: Path) -> None:
    source = CARD + ("{{ prompt * 2 }} {{ 2 ** 10 }} {{ '%5s'|format('x') }} {{ '{:>5}'.format('y') }} "
                     "{{ prompt|center(90) }} {{ ', '.join(['a', 'b']) }} {{ lipsum(1, min=5, max=10)|length }} "
                     "{{ prompt ~ '!' }} {{ 0.5|bar(10) }}")
    templates, problems = load_override(tmp_path, "card.md.j2", source)
    assert problems == []
    assert "1024" in templates.render("card.md.j2", **template_samples()["card.md.j2"]())


def test_every_builtin_is_accepted_as_an_override(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    for path in BUILTIN_DIR.glob("*.md.j2"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8") + "{# edited #}", encoding="utf-8")
    _, problems = TemplateSet.load(folder, template_samples(), relative_to=tmp_path)
    assert problems == []


def builtin_card(context: dict[str, object]) -> str:
    builtins, _ = TemplateSet.load(None, template_samples())
    return builtins.render("card.md.j2", **context)


def test_override_running_long_on_real_data_falls_back_to_the_builtin(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    slow_on_long_prompts = CARD + ("{% if prompt|length > 200 %}{% for a in range(200) %}{% for b in range(200) %}"
                                   "{% for c in range(200) %}{% endfor %}{% endfor %}{% endfor %}{% endif %}"
                                   "OVERRIDE {{ prompt }}")
    templates, problems = load_override(tmp_path, "card.md.j2", slow_on_long_prompts)
    assert problems == []
    short = template_samples()["card.md.j2"]()
    assert templates.render("card.md.j2", **short).startswith("OVERRIDE")
    real = {**short, "prompt": "Why? " * 60}
    with caplog.at_level(logging.WARNING, logger="bot.core.presentation.rendering"):
        rendered = templates.render("card.md.j2", **real)
    assert rendered == builtin_card(real)
    assert "templates/card.md.j2 took too long" in caplog.text


def test_override_failing_on_real_data_falls_back_to_the_builtin(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = CARD + "{{ options[1][1] }} {{ (prompt * 900)|length }}"
    templates, problems = load_override(tmp_path, "card.md.j2", source)
    assert problems == []
    real = {**template_samples()["card.md.j2"](), "prompt": "x" * 300}
    with caplog.at_level(logging.WARNING, logger="bot.core.presentation.rendering"):
        rendered = templates.render("card.md.j2", **real)
    assert rendered == builtin_card(real)
    assert "blocked by the sandbox" in caplog.text


def test_recursion_that_doubles_is_stopped_by_the_step_budget(tmp_path: Path) -> None:
    source = CARD + "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(30) }}x"
    _, [problem] = load_override(tmp_path, "card.md.j2", source)
    assert "takes too long to render" in problem


def test_a_fallback_is_not_remembered_so_the_override_is_tried_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A render that ran long once (a busy machine) must not pin the built-in for that card."""
    source = CARD + "{{ options[1][1] }} {{ (prompt * 900)|length }}"
    templates, _ = load_override(tmp_path, "card.md.j2", source)
    real = {**template_samples()["card.md.j2"](), "options": [("A", "only one")]}
    with caplog.at_level(logging.WARNING, logger="bot.core.presentation.rendering"):
        templates.render("card.md.j2", **real)
        templates.render("card.md.j2", **real)
    assert caplog.text.count("the built-in card.md.j2 was used instead") == 2
