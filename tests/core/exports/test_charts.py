"""Charts decode as PNGs of the expected size; the numbers behind them are checked exactly."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone

from PIL import Image, ImageDraw

from bot.core.exports.chart_data import (
    CardScore,
    CardShare,
    DayCount,
    TopicBars,
    card_shares,
    due_forecast,
    topic_bars,
)
from bot.core.exports.charts import (
    ALT_TEXT_LIMIT,
    DRAWABLE_CHARACTERS,
    _font,
    card_share_chart,
    drawable,
    due_chart,
    mastery_chart,
)
from bot.core.models import Topic
from bot.core.presentation.replies import Attachment
from bot.core.progress.export_queries import LearnerTopic

NOW = datetime(2024, 5, 1, 22, 30, tzinfo=UTC)


def png(attachment: Attachment) -> Image.Image:
    image = Image.open(io.BytesIO(attachment.data))
    assert image.format == "PNG"
    image.load()
    return image.convert("RGB")


# The data


def test_topic_bars_follow_course_order_and_skip_topics_without_cards() -> None:
    rows = [LearnerTopic(1, "b", 4, 3, 2, 1), LearnerTopic(1, "a", 2, 0, 0, 0), LearnerTopic(1, "empty", 0, 0, 0, 0)]
    topics = [Topic("a", "Alpha", ""), Topic("empty", "Empty", ""), Topic("b", "Beta", ""), Topic("c", "Gone", "")]
    assert topic_bars(rows, topics) == [TopicBars("Alpha", 2, 0, 0, 0), TopicBars("Beta", 4, 3, 2, 1)]


def test_due_forecast_puts_overdue_today_and_stops_after_the_last_day() -> None:
    tokyo = timezone(timedelta(hours=9))
    dues = [
        NOW - timedelta(days=30),  # overdue: today
        NOW,
        NOW + timedelta(hours=1, minutes=29),  # 23:59 UTC: still today
        NOW + timedelta(hours=2),  # tomorrow, UTC
        datetime(2024, 5, 3, 8, 0, tzinfo=tokyo),  # 2 May 23:00 UTC
        datetime(2024, 5, 14, 23, 59, tzinfo=UTC),  # the 14th day
        datetime(2024, 5, 15, 0, 0, tzinfo=UTC),  # day 15: left out
    ]
    days = due_forecast(dues, NOW)
    assert len(days) == 14 and days[0].day == date(2024, 5, 1) and days[-1].day == date(2024, 5, 14)
    assert {d.day.day: d.count for d in days if d.count} == {1: 3, 2: 2, 14: 1}
    assert sum(d.count for d in due_forecast([], NOW, days=3)) == 0


def test_card_shares_are_weakest_first_and_skip_unanswered_cards() -> None:
    scores = [CardScore("easy", 4, 4), CardScore("never", 0, 0), CardScore("half-few", 2, 1),
              CardScore("half-many", 10, 5), CardScore("hard", 3, 0)]
    assert card_shares(scores) == [CardShare("hard", 0.0, 3), CardShare("half-many", 0.5, 10),
                                   CardShare("half-few", 0.5, 2), CardShare("easy", 1.0, 4)]


# The images


def test_mastery_chart_size_bars_and_alt_text() -> None:
    bars = [TopicBars("Trade – café", 10, 10, 5, 0), TopicBars("History", 4, 2, 1, 1)]
    attachment = mastery_chart(bars)
    image = png(attachment)
    assert image.size == (800, 76 + 2 * 56 + 16)
    seen_row_end = (800 - 16 - 96 - 1, 76 + 5)  # the first topic's "seen" bar is full: 10 of 10
    assert image.getpixel(seen_row_end) == (0x56, 0xB4, 0xE9)
    assert image.getpixel((800 - 16 - 96 - 1, 76 + 30 + 5)) != (0x00, 0x9E, 0x73)  # nothing mastered
    assert attachment.description == (
        "Bar chart of mastery per topic. Trade – café: 10 of 10 cards seen, 5 right, 0 mastered; "
        "History: 2 of 4 cards seen, 1 right, 1 mastered.")
    assert attachment.filename == "progress-mastery.png"
    assert mastery_chart(bars).data == attachment.data
    assert png(mastery_chart([])).size == (800, 76 + 56 + 16)
    assert png(mastery_chart([TopicBars("No cards", 0, 0, 0, 0), TopicBars("Odd", 2, 5, 0, 0)])).size == (800, 204)


def test_due_chart_size_columns_and_alt_text() -> None:
    days = [DayCount(date(2024, 5, 1) + timedelta(days=n), count) for n, count in enumerate([3, 0, 6] + [0] * 11)]
    attachment = due_chart(days)
    image = png(attachment)
    assert image.size == (800, 320)
    slot = (800 - 16 - (2 * 16 + 24)) / 14
    column = round(2 * 16 + 24 + slot * 2.5)
    assert image.getpixel((column, 60 + 2)) == (0x00, 0x72, 0xB2)  # the busiest day reaches the top line
    assert image.getpixel((round(2 * 16 + 24 + slot * 1.5), 320 - 44 - 2)) == (255, 255, 255)  # an empty day
    assert attachment.description == (
        "Bar chart of reviews due each day for the next 14 days: 9 in all (today's include overdue cards). "
        "today 3, Fri 3 May 6; none on the other days.")
    assert due_chart([DayCount(date(2024, 5, 1), 0)]).description.endswith("1 days: 0 in all.")


def test_card_share_chart_shows_the_weakest_twenty_and_says_how_many_more() -> None:
    shares = card_shares([CardScore(f"card-{n:02}", 10, n % 11) for n in range(25)])
    attachment = card_share_chart(shares, "Trade")
    image = png(attachment)
    assert image.size == (800, 76 + 20 * 26 + 26 + 16)
    assert attachment.description.startswith(
        "Bar chart of the share of right answers per card in Trade, weakest first: card-00 0% of 10 answers; "
        "card-11 0% of 10 answers; card-22 0% of 10 answers; card-01 10% of 10 answers;")
    assert attachment.description.endswith("; 5 stronger cards not shown.")
    assert attachment.filename == "stats-trade.png"
    weakest_bar_row = 76 + 3 * 26 + 13  # card-01: 10% right, drawn orange from the bar's left edge
    assert image.getpixel((2 * 16 + 300 + 2, weakest_bar_row)) == (0xD5, 0x5E, 0x00)
    assert png(card_share_chart([], "Trade")).size == (800, 76 + 26 + 16)


def test_alt_text_is_cut_to_discords_limit() -> None:
    bars = [TopicBars(f"A rather long topic title number {n}", 9, 9, 9, 9) for n in range(40)]
    assert len(mastery_chart(bars).description) <= ALT_TEXT_LIMIT


def test_only_characters_the_bundled_font_has_are_drawn() -> None:
    font = _font(14)

    def rendered(text: str) -> bytes:
        image = Image.new("L", (60, 30))
        ImageDraw.Draw(image).text((5, 5), text, font=font, fill=255)
        return image.tobytes()

    missing = rendered("\U0010fffd")
    assert [char for char in DRAWABLE_CHARACTERS if char != " " and rendered(char) == missing] == []
    assert drawable("Café – über 日本") == "Cafe - uber ??"
