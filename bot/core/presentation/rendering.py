"""Jinja2 templates → Markdown, in a sandbox that instructors' overrides cannot escape.

Each built-in template declares its variables in a first-line comment
``{#- context: name, other -#}``. An override in ``content/templates/`` may use only those,
is test-rendered with sample data at load under a step budget and an output cap, and is
rejected with a located problem if anything goes wrong.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import DictLoader, StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from bot.core.confined_files import read_content_file, relative
from bot.core.lookup.excerpt_search import HIGHLIGHT_CLOSE, HIGHLIGHT_OPEN
from bot.core.presentation.template_sandbox import (
    STEP_BUDGET,
    BoundedSandbox,
    TemplateBudgetExceeded,
    run_within_budget,
)
from bot.core.problems import Problem
from bot.core.text import truncate

BUILTIN_DIR = Path(__file__).parent / "templates"
TEMPLATE_SUFFIX = ".md.j2"
OUTPUT_CAP = 6000
RENDER_SECONDS = 0.05  # an override's run-time budget: built-ins render in well under a millisecond
CHECK_SECONDS = 1.0  # the test render at load, generous so a busy machine does not refuse a good override
MEMO_SIZE = 2048
"""Renders remembered per template set: a card's text is the same for every learner who sees it."""
_LOG = logging.getLogger(__name__)
_CONTEXT_LINE = re.compile(r"^\{#-?\s*context:(?P<names>[^#]*?)-?#\}")

_MARKDOWN_SPECIAL = re.compile(r"([\\*_~`|\[\]])")
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#>-])", re.MULTILINE)
_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)(\d+)>")
_ANY_SPECIAL = re.compile(r"[\\*_~`|\[\]@<]|^\s*[#>-]", re.MULTILINE)


class Safe(str):
    """Text already formatted as Markdown by the bot (e.g. highlighted snippets): printed as is."""

    __slots__ = ()


def escape_markdown(text: object) -> str:
    """Escape Markdown and defuse mentions so user text shows literally and pings no one.

    Only what Discord would interpret is escaped: emphasis, code, spoilers and link brackets
    anywhere; headings, quotes and list dashes at the start of a line.
    """
    raw = str(text)
    if not _ANY_SPECIAL.search(raw):  # most content needs nothing: one scan instead of three
        return raw
    defused = _MENTION.sub(
        lambda m: f"@\u200b{m.group(1)}" if m.group(1) else f"<{m.group(2)}\u200b{m.group(3)}>", raw
    )
    return _LINE_START_SPECIAL.sub(r"\1\\\2", _MARKDOWN_SPECIAL.sub(r"\\\1", defused))


def _finalize(value: object) -> object:
    """Escape every value a template prints unless the bot marked it Safe."""
    if isinstance(value, (Safe, int, float)):
        return value
    return escape_markdown("" if value is None else value)


def highlight(snippet: str) -> Safe:
    """Escape a search snippet, then turn its hit markers into bold."""
    return Safe(escape_markdown(snippet).replace(HIGHLIGHT_OPEN, "**").replace(HIGHLIGHT_CLOSE, "**"))


def _code(text: object) -> Safe:
    """Inline code: shown literally by Discord, so nothing inside needs escaping."""
    return Safe("`" + str(text).replace("`", "'").replace("\n", " ") + "`")


def _md(text: object) -> Safe:
    """Explicit escaping, kept for templates that spell it out; never escapes twice."""
    return text if isinstance(text, Safe) else Safe(escape_markdown(text))


def progress_bar(fraction: float, width: int = 10) -> str:
    """A text bar such as ``▰▰▰▱▱▱▱▱▱▱`` for a fraction between 0 and 1."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "▰" * filled + "▱" * (width - filled)


def _percent(fraction: float) -> str:
    return f"{round(fraction * 100)}%"


def _clip(text: object, limit: int) -> object:
    """Shorten at a word boundary; Safe text stays Safe."""
    clipped = truncate(str(text), limit)
    return Safe(clipped) if isinstance(text, Safe) else clipped


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """A template's source, where it came from and the variables it may use."""

    name: str
    source: str
    origin: str
    context: frozenset[str]


class TemplateSet:
    """The templates in force: built-ins, with valid instructor overrides on top."""

    def __init__(self, specs: Mapping[str, TemplateSpec], builtins: Mapping[str, str] | None = None) -> None:
        self.specs = dict(specs)
        sources = {name: spec.source for name, spec in specs.items()}
        builtins = dict(builtins) if builtins is not None else sources
        self._overrides = frozenset(name for name, source in sources.items() if builtins.get(name) != source)
        # The bot's own templates run in Jinja's plain sandbox, as fast as ever; only instructors'
        # overrides pay for the size checks and the time budget.
        self._builtin_env = _environment(builtins, bounded=False)
        self._override_env = _environment(sources) if self._overrides else self._builtin_env
        self._memo: dict[Hashable, str] = {}

    def render(self, name: str, **context: Any) -> str:
        """Render a template, capped at OUTPUT_CAP characters; a context seen before is not rendered again.

        Templates are pure functions of their context (the sandbox gives them no clock, files or
        state), so the output for an equal context is remembered: every learner shown the same
        card or the same feedback costs one render between them. The memo lives as long as this
        template set, so a reload starts afresh, and holds at most MEMO_SIZE outputs.
        """
        key = _memo_key(name, context)
        if key is None:
            return self._render(name, context)[0]
        output = self._memo.get(key)
        if output is None:
            output, as_written = self._render(name, context)
            if not as_written:  # an override that failed or ran long this time may not the next
                return output
            if len(self._memo) >= MEMO_SIZE:
                del self._memo[next(iter(self._memo))]  # the oldest: a card nobody is on any more
            self._memo[key] = output
        return output

    def _render(self, name: str, context: Mapping[str, Any]) -> tuple[str, bool]:
        """Render one template now; say whether it is the template in force (not a fallback).

        An instructor's override passed its test render with sample data, but real data may
        make it fail or run long: it runs under RENDER_SECONDS, and anything going wrong falls
        back to the built-in template (and is logged) rather than failing the learner's reply.
        """
        if name not in self._overrides:
            return _render_capped(self._builtin_env, name, context), True
        try:
            return run_within_budget(lambda: _render_capped(self._override_env, name, context),
                                     seconds=RENDER_SECONDS), True
        except Exception as exc:
            origin = self.specs[name].origin
            reason = "took too long" if isinstance(exc, TemplateBudgetExceeded) else _describe(exc)
            _LOG.warning("template override %s %s; the built-in %s was used instead", origin, reason, name)
            return _render_capped(self._builtin_env, name, context), False

    @classmethod
    def load(
        cls,
        override_dir: Path | None,
        samples: Mapping[str, Callable[[], dict[str, Any]]],
        *,
        builtin_dir: Path = BUILTIN_DIR,
        relative_to: Path | None = None,
    ) -> tuple[TemplateSet, list[Problem]]:
        """Read built-ins and overrides; each override is checked and test-rendered."""
        builtins = {p.name: p.read_text(encoding="utf-8") for p in sorted(builtin_dir.glob(f"*{TEMPLATE_SUFFIX}"))}
        specs = {
            name: TemplateSpec(name, source, f"bot/core/presentation/templates/{name}", _declared_context(source))
            for name, source in builtins.items()
        }
        problems: list[Problem] = []
        if override_dir is None or not override_dir.is_dir():
            return cls(specs, builtins), problems
        root = relative_to or override_dir
        for path in sorted(override_dir.glob(f"*{TEMPLATE_SUFFIX}")):
            file = relative(path, root)
            found = read_content_file(path, root, problems)
            if found is None:
                continue
            if path.name not in specs:
                problems.append(Problem(file, 1, 1, "template", f"'{path.name}' is not a template the bot uses",
                                        f"templates are: {', '.join(sorted(specs))}"))
                continue
            candidate = TemplateSpec(path.name, found, file, specs[path.name].context)
            errors = check_template(candidate, samples.get(path.name))
            problems.extend(errors)
            if not errors:
                specs[path.name] = candidate
        return cls(specs, builtins), problems


_PLAIN = (str, int, float, bool, type(None))


def _frozen(value: object) -> Hashable:
    """A hashable stand-in for a context value that tells apart whatever renders differently.

    Types are part of it (``Safe("*")`` prints as is, ``"*"`` escaped; ``True`` is not ``1``);
    lists and tuples by their items, frozen dataclasses by their fields. Anything else raises
    TypeError: such a context is simply not remembered.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value if kind is str else (kind, value)
    if kind is Safe:
        return (Safe, str(value))
    if kind in (list, tuple):
        return (kind, *(_frozen(item) for item in value))  # type: ignore[attr-defined]
    if dataclasses.is_dataclass(value) and kind.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        return (kind, *(_frozen(getattr(value, f.name)) for f in dataclasses.fields(value)))
    raise TypeError(f"{kind.__name__} is not remembered")


def _memo_key(name: str, context: Mapping[str, Any]) -> Hashable | None:
    """The memo key of one render, or None when a value cannot be part of one."""
    try:
        return (name, *((key, _frozen(value)) for key, value in sorted(context.items())))
    except TypeError:
        return None


def _declared_context(source: str) -> frozenset[str]:
    match = _CONTEXT_LINE.match(source)
    if not match:
        return frozenset()
    return frozenset(n.strip() for n in match.group("names").split(",") if n.strip())


def _environment(sources: Mapping[str, str], *, bounded: bool = True) -> ImmutableSandboxedEnvironment:
    sandbox = BoundedSandbox if bounded else ImmutableSandboxedEnvironment
    env = sandbox(
        loader=DictLoader(dict(sources)),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    filters: dict[str, Callable[..., Any]] = {
        "md": _md, "bar": progress_bar, "percent": _percent, "clip": _clip, "highlight": highlight, "code": _code,
    }
    if isinstance(env, BoundedSandbox):
        env.add_filters(filters)
    else:
        env.filters.update(filters)
    return env


def check_template(spec: TemplateSpec, sample: Callable[[], dict[str, Any]] | None) -> list[Problem]:
    """Syntax, variables, forbidden attributes, then a budgeted test render."""
    env = _environment({spec.name: spec.source})
    try:
        tree = env.parse(spec.source)
    except TemplateSyntaxError as exc:
        return [Problem(spec.origin, exc.lineno or 1, 1, "template", f"syntax error: {exc.message}")]
    problems = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else getattr(getattr(node, "arg", None), "value", None)
        if isinstance(attr, str) and attr.startswith("_"):
            problems.append(Problem(spec.origin, node.lineno, 1, "template", f"'{attr}' is not allowed",
                                    "templates may not reach for private or internal attributes"))
    allowed = spec.context | set(env.globals)
    for name in sorted(meta.find_undeclared_variables(tree) - allowed):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
        problems.append(Problem(spec.origin, line, 1, "template", f"undefined variable '{name}'",
                                f"this template can use: {', '.join(sorted(spec.context)) or 'nothing'}"))
    if problems or sample is None:
        return problems
    try:
        output = run_within_budget(lambda: _render_capped(env, spec.name, sample(), strict_cap=True),
                                   seconds=CHECK_SECONDS)
    except TemplateBudgetExceeded:
        return [Problem(spec.origin, 1, 1, "template", "takes too long to render",
                        f"with sample data it ran more than {STEP_BUDGET:,} loop rounds and calls, or "
                        f"{CHECK_SECONDS:g} s; simplify its loops")]
    except Exception as exc:
        return [Problem(spec.origin, _template_line(exc.__traceback__, spec.name), 1, "template",
                        _describe(exc))]
    if not output.strip():
        problems.append(Problem(spec.origin, 1, 1, "template", "renders nothing with sample data"))
    return problems


def _describe(exc: Exception) -> str:
    if isinstance(exc, SecurityError):
        return f"blocked by the sandbox: {exc}"
    if isinstance(exc, OutputTooLong):
        return str(exc)
    return f"fails with sample data: {exc}"


class OutputTooLong(Exception):
    """A test render produced more than OUTPUT_CAP characters."""


def _render_capped(env: ImmutableSandboxedEnvironment, name: str, context: Mapping[str, Any],
                   *, strict_cap: bool = False) -> str:
    chunks: list[str] = []
    size = 0
    for chunk in env.get_template(name).generate(**context):
        chunks.append(chunk)
        size += len(chunk)
        if size > OUTPUT_CAP:
            if strict_cap:
                raise OutputTooLong(f"renders more than {OUTPUT_CAP:,} characters with sample data")
            return truncate("".join(chunks), OUTPUT_CAP)
    return "".join(chunks).strip()


def _template_line(tb: TracebackType | None, name: str) -> int:
    line = 1
    for frame in _walk(tb):
        if frame[0] in (name, "<template>") or frame[0].endswith(name):
            line = frame[1]
    return line


def _walk(tb: TracebackType | None) -> Iterator[tuple[str, int]]:
    while tb is not None:
        yield tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
