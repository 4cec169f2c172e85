"""The printed table: each figure beside its target (the README lists them) and whether it is met."""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.stats import Latency


@dataclass(frozen=True)
class Row:
    """One line of the table; ``met`` is ``None`` for a figure with no target of its own."""

    measure: str
    result: str
    target: str = ""
    met: bool | None = None
    brief: str = ""
    """How the summary line names a judged row, e.g. "service throughput"."""

    @property
    def verdict(self) -> str:
        """"met", "NOT MET" or blank."""
        if self.met is None:
            return ""
        return "met" if self.met else "NOT MET"


def judged(brief: str, measure: str, result: str, target: str, met: bool) -> Row:
    """A row with a target."""
    return Row(measure, result, target, met, brief)


def section(title: str) -> Row:
    """A heading line inside the table."""
    return Row(title, "")


def rate(value: float) -> str:
    """Format a throughput."""
    return f"{value:,.0f} answers/s"


def latency(value: Latency) -> str:
    """Format p50/p95/p99 in milliseconds."""
    return f"p50 {value.p50:.2f} / p95 {value.p95:.2f} / p99 {value.p99:.2f} ms"


def short_latency(value: Latency) -> str:
    """Format p50/p99 in milliseconds."""
    return f"p50 {value.p50:.3f} / p99 {value.p99:.3f} ms"


def summary_line(rows: list[Row], figures: str) -> str:
    """One line: how many targets were met, which were not, then the headline figures."""
    judged_rows = [r for r in rows if r.met is not None]
    missed = [r for r in judged_rows if not r.met]
    verdict = f"bench: {len(judged_rows) - len(missed)}/{len(judged_rows)} targets met"
    if missed:
        verdict += "; NOT MET: " + ", ".join(f"{r.brief} {r.result} (target {r.target})" for r in missed)
    return f"{verdict} | {figures}"


def render(rows: list[Row]) -> str:
    """Lay the rows out as a fixed-width table."""
    headers = Row("Measurement", "Result", "Target")
    widths = [
        max(len(r.measure) for r in [headers, *rows]),
        max(len(r.result) for r in [headers, *rows]),
        max(len(r.target) for r in [headers, *rows]),
    ]
    lines = []
    for index, row in enumerate([headers, *rows]):
        verdict = "Verdict" if index == 0 else row.verdict
        if index > 0 and not row.result and not row.target:
            lines.append(row.measure)  # a section heading
            continue
        lines.append(
            f"{row.measure:<{widths[0]}}  {row.result:<{widths[1]}}  {row.target:<{widths[2]}}  {verdict}".rstrip()
        )
        if index == 0:
            lines.append("-" * len(lines[0].ljust(sum(widths) + 6 + len("Verdict"))))
    return "\n".join(lines)


def clip(text: str, width: int) -> str:
    """Shorten text to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
