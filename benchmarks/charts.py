"""``python -m benchmarks.charts``: median render time of each chart on the shipped content.

Each chart is drawn from the shipped course at its largest: every topic, the topic with the
most cards, and all 164 cards due over the next 14 days. The first render (fonts loading) is
reported apart; the median of ``--repeats`` renders after it is what the 200 ms target
is about. Also times ``import bot.core.exports.charts`` in a fresh process (Pillow's start-up
cost, alone and with the bot modules the charts import). Not part of ``python -m benchmarks``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.content.loader import load_content
from bot.core.exports.chart_data import CardScore, TopicBars, card_shares, due_forecast
from bot.core.exports.charts import card_share_chart, due_chart, mastery_chart
from bot.core.presentation.replies import Attachment
from bot.core.service.template_samples import template_samples
from bot.settings import DEFAULT_CONTENT_DIR

TARGET_MS = 200.0
ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def charts_of_shipped_content(content_dir: Path) -> dict[str, Callable[[], Attachment]]:
    """The three charts, each fed the largest data the shipped course gives it."""
    snapshot = load_content(content_dir, template_samples)
    sizes = Counter(card.topic for card in snapshot.cards.values())
    bars = [TopicBars(t.title, sizes[t.id], sizes[t.id], sizes[t.id] * 2 // 3, sizes[t.id] // 3)
            for t in snapshot.course.topics if sizes[t.id]]
    dues = [NOW + timedelta(hours=2 * n) for n in range(len(snapshot.cards))]
    days = due_forecast(dues, NOW)
    biggest, _ = sizes.most_common(1)[0]
    scores = [CardScore(card.id, 10 + n, n % 11) for n, card in enumerate(snapshot.cards_for(biggest))]
    shares = card_shares(scores)
    title = snapshot.topics[biggest].title
    return {
        f"mastery ({len(bars)} topics)": lambda: mastery_chart(bars),
        f"due ({len(dues)} cards, 14 days)": lambda: due_chart(days),
        f"per card ({len(shares)} cards)": lambda: card_share_chart(shares, title),
    }


def fresh_import_ms(statement: str) -> float:
    """Milliseconds ``statement`` (an import) takes in a new interpreter."""
    code = f"import time; t = time.perf_counter(); {statement}; print((time.perf_counter() - t) * 1000)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.charts", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="renders per chart after the first (default 15)")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR, help="content folder")
    args = parser.parse_args()
    for statement in ("from PIL import Image, ImageDraw, ImageFont", "import bot.core.exports.charts"):
        imports = sorted(fresh_import_ms(statement) for _ in range(3))
        print(f"{statement} in a fresh process: median {imports[1]:.0f} ms")
    print(f"{'chart':<30} {'first ms':>9} {'median ms':>10} {'max ms':>8} {'PNG':>10}  size")
    worst = 0.0
    for name, render in charts_of_shipped_content(args.content).items():
        started = time.perf_counter()
        attachment = render()
        first = (time.perf_counter() - started) * 1000
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            render()
            times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        worst = max(worst, median)
        width = int.from_bytes(attachment.data[16:20], "big")
        height = int.from_bytes(attachment.data[20:24], "big")
        print(f"{name:<30} {first:>9.1f} {median:>10.1f} {max(times):>8.1f} {len(attachment.data):>8} B"
              f"  {width}x{height}")
    verdict = "met" if worst <= TARGET_MS else "NOT met"
    print(f"slowest chart median {worst:.1f} ms against the {TARGET_MS:.0f} ms target: {verdict}")


if __name__ == "__main__":
    main()
