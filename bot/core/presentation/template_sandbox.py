"""The sandbox instructors' templates run in, with every way to grow a value bounded.

Jinja's sandbox stops templates reaching Python internals but not from asking for a lot:
``prompt * 100000000`` allocated 4 GB, ``2 ** len(text) ** 9`` and ``lipsum(100000)`` ran for
seconds. Here every operator, call and filter that can make a value bigger checks the size it
would produce *before* producing it, and every loop iteration and call spends from a budget
of steps and time (see :func:`run_within_budget`).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import generate_lorem_ipsum

MAX_SIZE = 100_000  # characters of a string or items of a list any one operation may produce
MAX_INT_BITS = 4_096  # about 1,200 digits: plenty for counts, far from a number that takes seconds to print
MAX_RANGE = 200
MAX_LIPSUM = 5
STEP_BUDGET = 200_000
_LOOP_FILTER = "budgeted_loop"
_FORMAT_WIDTH = re.compile(r"\d+")
_PRINTF_SPEC = re.compile(r"%[^a-zA-Z%]*")
_FORMAT_SPEC = re.compile(r"\{[^{}]*\}")
_SIZE_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice", "bar"})
# The filters whose result can outgrow their input; the others are left unwrapped (and fast).
_GROWING_FILTERS = _SIZE_FILTERS | {"format", "replace", "join", "sum"}


class TemplateBudgetExceeded(Exception):
    """A template ran longer than it is allowed to."""


def _too_big(what: str) -> SecurityError:
    return SecurityError(f"{what} would be larger than {MAX_SIZE:,} items in templates")


def _size(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def _check_product(left: Any, right: Any) -> None:
    for sequence, count in ((left, right), (right, left)):
        size = _size(sequence)
        if size is not None and isinstance(count, int) and size * count > MAX_SIZE:
            raise _too_big("repeating text or a list")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise SecurityError("numbers this large are not allowed in templates")


def _check_power(base: Any, exponent: Any) -> None:
    if (isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1
            and exponent * base.bit_length() > MAX_INT_BITS):
        raise SecurityError("numbers this large are not allowed in templates")


def _check_sum(left: Any, right: Any) -> None:
    left_size, right_size = _size(left), _size(right)
    if left_size is not None and right_size is not None and left_size + right_size > MAX_SIZE:
        raise _too_big("joining text or lists")


def _check_format(template: str, *, printf: bool) -> None:
    """Refuse padding or precision wider than MAX_SIZE in a format string (``%99999999s``, ``{:>99999999}``)."""
    if printf:
        specs = _PRINTF_SPEC.findall(template)
    else:
        specs = [field.partition(":")[2] for field in _FORMAT_SPEC.findall(template)]
    if any(int(width) > MAX_SIZE for spec in specs for width in _FORMAT_WIDTH.findall(spec)):
        raise _too_big("formatted text")


def _check_replace(text: str, old: Any, new: Any, count: Any = -1) -> None:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        hits = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            hits = min(hits, count)
        if len(text) + hits * (len(new) - len(old)) > MAX_SIZE:
            raise _too_big("replaced text")


def _check_join(separator: Any, items: Any) -> list[Any]:
    materialised = list(items)
    total = sum(len(str(item)) for item in materialised) + len(str(separator)) * max(0, len(materialised) - 1)
    if total > MAX_SIZE:
        raise _too_big("joined text")
    return materialised


def _check_method(method: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Size arguments of str/list methods (``ljust``, ``center``, ``zfill``, ``replace``, ``join``…)."""
    owner = getattr(method, "__self__", None)
    if not isinstance(owner, (str, bytes, list, tuple)):
        return args
    if any(isinstance(arg, int) and arg > MAX_SIZE for arg in args):
        raise _too_big("the result")
    name = getattr(method, "__name__", "")
    if name == "replace" and isinstance(owner, str) and len(args) >= 2:
        _check_replace(owner, *args[:3])
    if name == "join" and args:
        return (_check_join(owner, args[0]), *args[1:])
    return args


def _checked(result: Any) -> Any:
    size = _size(result)
    if size is not None and size > MAX_SIZE:
        raise _too_big("the result")
    return result


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that refuses size arguments and results past MAX_SIZE; Jinja's pass-context marks are kept."""

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = [*args, *kwargs.values()]
        if name in _SIZE_FILTERS and any(isinstance(v, int) and v > MAX_SIZE for v in values):
            raise _too_big(f"the {name} filter's result")
        strings = [v for v in values if isinstance(v, str)]
        if name == "format" and strings:
            _check_format(strings[0], printf=True)
        if name == "replace" and len(strings) >= 3:
            _check_replace(*strings[-3:])
        sequence = next((v for v in values if isinstance(v, (list, tuple))), None)
        if name == "join" and sequence is not None:
            _check_join(strings[0] if strings else "", sequence)
        return _checked(function(*args, **kwargs))

    return bounded


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise SecurityError(f"range() is limited to {MAX_RANGE} items in templates")
    return result


def _capped_lipsum(n: int = MAX_LIPSUM, html: bool = False, min: int = 20, max: int = 100) -> str:
    if n > MAX_LIPSUM or max > 100 or min > max:
        raise SecurityError(f"lipsum() is limited to {MAX_LIPSUM} paragraphs of at most 100 words in templates")
    return generate_lorem_ipsum(n, html, min, max)


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a size-checked join; Jinja offers no hook for concatenation."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with operators, calls, filters and globals bounded in size."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals.update(range=_capped_range, lipsum=_capped_lipsum)
        self.filters[_LOOP_FILTER] = _budgeted

    def add_filters(self, filters: dict[str, Callable[..., Any]]) -> None:
        """Add filters; those that can grow a value (Jinja's and these) go behind the size checks."""
        self.filters.update(filters)
        for name in _GROWING_FILTERS & set(self.filters):
            self.filters[name] = _bounded_filter(name, self.filters[name])

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse, then route every loop's items through the step budget."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None, lineno=loop.iter.lineno)
        tree.set_environment(self)
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Check the size an operator would produce before running it."""
        if operator == "*":
            _check_product(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "+":
            _check_sum(left, right)
        elif operator == "%" and isinstance(left, str):
            _check_format(left, printf=True)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Check the size arguments of a method call, and what it returns; each call is a step."""
        _BUDGET.spend()
        return _checked(super().call(__context, __obj, *_check_method(__obj, args), **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format``: refuse widths past MAX_SIZE before formatting."""
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__, printf=False)
        return wrapped

    def bounded_concat(self, values: Iterable[Any]) -> str:
        """``a ~ b ~ c``: joined only if the result stays within MAX_SIZE."""
        parts = [str(value) for value in values]
        if sum(map(len, parts)) > MAX_SIZE:
            raise _too_big("joining text")
        return "".join(parts)


class _Budget(threading.local):
    """What the render running on this thread may still spend: loop iterations and calls, and time."""

    steps_left: int | None = None
    deadline: float = 0.0

    def spend(self) -> None:
        if self.steps_left is None:
            return
        self.steps_left -= 1
        if self.steps_left < 0 or (self.steps_left % 256 == 0 and time.perf_counter() > self.deadline):
            raise TemplateBudgetExceeded


_BUDGET = _Budget()


def _budgeted(iterable: Iterable[Any]) -> Iterator[Any]:
    """What every ``{% for %}`` in an override iterates through: each item costs one step."""
    for item in iterable:
        _BUDGET.spend()
        yield item


def run_within_budget(render: Callable[[], str], *, seconds: float, steps: int = STEP_BUDGET) -> str:
    """Run ``render``, aborting it after ``steps`` loop iterations and calls, or ``seconds``.

    Loops and calls (macros included) are the only way a template repeats work, and the size
    checks keep each step short, so counting them bounds a render without tracing every line.
    """
    previous = (_BUDGET.steps_left, _BUDGET.deadline)
    _BUDGET.steps_left, _BUDGET.deadline = steps, time.perf_counter() + seconds
    try:
        return render()
    finally:
        _BUDGET.steps_left, _BUDGET.deadline = previous
