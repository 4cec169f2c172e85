"""PNG charts for ``/progress`` and ``/instructor stats``, drawn with Pillow.

Pillow rather than matplotlib: a chart here is a few dozen rectangles and labels. Measured
on the 2-core development machine, matplotlib with its Agg backend and its dependencies
(numpy, fontTools, kiwisolver, contourpy, Pillow itself) adds about 170 MB to a virtualenv,
0.85 s and 50 MB of RSS to start-up and ~100 ms per bar chart; Pillow adds about 21 MB,
~25 ms to start-up, and draws each of these charts in 10-35 ms (``python -m
benchmarks.charts``). Pillow's default font is a scalable FreeType font it ships, so the
output does not depend on the fonts of the machine.

Every function is pure (data in, PNG bytes out), quick, and touches no event loop: callers
run it in a worker thread. Every image carries alt text with the figures a screen reader
user needs, cut to Discord's limit for attachment descriptions.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from bot.core.exports.chart_data import CardShare, DayCount, TopicBars
from bot.core.exports.file_names import slug
from bot.core.presentation.replies import Attachment
from bot.core.text import strip_accents, truncate

WIDTH = 800
ALT_TEXT_LIMIT = 1024
"""Discord's limit on an attachment's description."""
CARD_ROWS_SHOWN = 20
"""The per-card chart shows the weakest cards only: past this, bars are too many to read."""

_MARGIN = 16
_HEADER = 76
_TOPIC_ROW = 56
_CARD_ROW = 26
_DUE_HEIGHT = 320
_LABEL_WIDTH = 230
_CARD_LABEL_WIDTH = 300
_VALUE_WIDTH = 96
_INK = "#1f2328"
_MUTED = "#59636e"
_TRACK = "#eaeef2"
_GRID = "#d0d7de"
# Okabe-Ito colours: told apart with every common colour-vision deficiency.
_SERIES = (("seen", "#56b4e9"), ("right", "#0072b2"), ("mastered", "#009e73"))
_WEAK = "#d55e00"
_STRONG = "#0072b2"

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
DRAWABLE_CHARACTERS = frozenset(map(chr, range(32, 127))) | frozenset("…·‘’“”«»°")
"""What Pillow's bundled font draws: printable ASCII and a little typography."""
_PLAIN_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-") | {"\u00a0": " "})


@lru_cache(maxsize=8)
def _font(size: int) -> _Font:
    """Pillow's bundled scalable font (FreeType is in every Pillow wheel)."""
    return ImageFont.load_default(size=size)


def mastery_chart(bars: Sequence[TopicBars]) -> Attachment:
    """Seen / right / mastered bars per topic, each against the topic's number of cards."""
    height = _HEADER + max(len(bars), 1) * _TOPIC_ROW + _MARGIN
    image, draw = _canvas(height, "Mastery per topic")
    x = _MARGIN
    for name, colour in _SERIES:
        draw.rectangle((x, 48, x + 14, 62), fill=colour)
        draw.text((x + 20, 55), name, fill=_INK, font=_font(14), anchor="lm")
        x += 40 + int(_font(14).getlength(name))
    left, right = 2 * _MARGIN + _LABEL_WIDTH, WIDTH - _MARGIN - _VALUE_WIDTH
    if not bars:
        draw.text((_MARGIN, _HEADER + _TOPIC_ROW // 2), "No cards yet.", fill=_MUTED, font=_font(14), anchor="lm")
    for index, topic in enumerate(bars):
        top = _HEADER + index * _TOPIC_ROW
        draw.text((_MARGIN, top + 22), _fit(topic.title, _font(14), _LABEL_WIDTH), fill=_INK, font=_font(14),
                  anchor="lm")
        for series, ((_, colour), value) in enumerate(zip(_SERIES, (topic.seen, topic.right, topic.mastered),
                                                          strict=True)):
            y = top + series * 15
            draw.rectangle((left, y, right, y + 11), fill=_TRACK)
            if value and topic.cards:
                length = round((right - left) * min(value / topic.cards, 1.0))
                draw.rectangle((left, y, left + length, y + 11), fill=colour)
            draw.text((right + 8, y + 6), f"{value}/{topic.cards}", fill=_MUTED, font=_font(12), anchor="lm")
    parts = [f"{t.title}: {t.seen} of {t.cards} cards seen, {t.right} right, {t.mastered} mastered" for t in bars]
    alt = "Bar chart of mastery per topic. " + ("; ".join(parts) + "." if parts else "No cards yet.")
    return _attachment("progress-mastery.png", image, alt)


def due_chart(days: Sequence[DayCount]) -> Attachment:
    """Reviews due on each coming day, one column per day; the first column includes overdue cards."""
    image, draw = _canvas(_DUE_HEIGHT, f"Reviews due, next {len(days)} days")
    top, bottom, left, right = _HEADER - 16, _DUE_HEIGHT - 44, 2 * _MARGIN + 24, WIDTH - _MARGIN
    peak = max((d.count for d in days), default=0)
    scale = max(peak, 1)
    draw.line((left, bottom, right, bottom), fill=_GRID, width=1)
    draw.text((left - 8, bottom), "0", fill=_MUTED, font=_font(12), anchor="rm")
    if peak:
        draw.line((left, top, right, top), fill=_GRID, width=1)
        draw.text((left - 8, top), str(peak), fill=_MUTED, font=_font(12), anchor="rm")
    slot = (right - left) / max(len(days), 1)
    for index, day in enumerate(days):
        middle = left + slot * (index + 0.5)
        if day.count:
            height = (bottom - top) * day.count / scale
            draw.rectangle((middle - slot * 0.35, bottom - height, middle + slot * 0.35, bottom), fill=_STRONG)
            draw.text((middle, bottom - height - 4), str(day.count), fill=_INK, font=_font(12), anchor="md")
        label = "today" if index == 0 else f"{day.day:%a} {day.day.day}"
        draw.text((middle, bottom + 8), label, fill=_MUTED, font=_font(12), anchor="ma")
    total = sum(d.count for d in days)
    busy = [f"{'today' if i == 0 else f'{d.day:%a} {d.day.day} {d.day:%b}'} {d.count}"
            for i, d in enumerate(days) if d.count]
    alt = f"Bar chart of reviews due each day for the next {len(days)} days: {total} in all"
    quiet = "; none on the other days" if len(busy) < len(days) else ""
    alt += f" (today's include overdue cards). {', '.join(busy)}{quiet}." if busy else "."
    return _attachment("progress-due.png", image, alt)


def card_share_chart(shares: Sequence[CardShare], topic_title: str) -> Attachment:
    """Share of right answers per card, weakest first; only the weakest ``CARD_ROWS_SHOWN`` are drawn."""
    shown, hidden = shares[:CARD_ROWS_SHOWN], len(shares) - CARD_ROWS_SHOWN
    height = _HEADER + max(len(shown), 1) * _CARD_ROW + (_CARD_ROW if hidden > 0 else 0) + _MARGIN
    image, draw = _canvas(height, f"Share right per card · {topic_title}")
    draw.text((_MARGIN, 55), "weakest first; orange: under half right", fill=_MUTED, font=_font(12), anchor="lm")
    left, right = 2 * _MARGIN + _CARD_LABEL_WIDTH, WIDTH - _MARGIN - _VALUE_WIDTH
    if not shown:
        draw.text((_MARGIN, _HEADER + _CARD_ROW // 2), "No answers yet.", fill=_MUTED, font=_font(14), anchor="lm")
    for index, card in enumerate(shown):
        middle = _HEADER + index * _CARD_ROW + _CARD_ROW // 2
        draw.text((_MARGIN, middle), _fit(card.card_id, _font(13), _CARD_LABEL_WIDTH), fill=_INK, font=_font(13),
                  anchor="lm")
        draw.rectangle((left, middle - 7, right, middle + 7), fill=_TRACK)
        if card.share > 0:
            draw.rectangle((left, middle - 7, left + round((right - left) * min(card.share, 1.0)), middle + 7),
                           fill=_WEAK if card.share < 0.5 else _STRONG)
        draw.text((right + 8, middle), f"{card.share:.0%} of {card.attempts}", fill=_MUTED, font=_font(12),
                  anchor="lm")
    if hidden > 0:
        draw.text((_MARGIN, _HEADER + len(shown) * _CARD_ROW + _CARD_ROW // 2), f"… and {hidden} stronger cards",
                  fill=_MUTED, font=_font(13), anchor="lm")
    parts = [f"{c.card_id} {c.share:.0%} of {c.attempts} answers" for c in shown]
    alt = f"Bar chart of the share of right answers per card in {topic_title}, weakest first: "
    alt += ("; ".join(parts) if parts else "no answers yet") + (f"; {hidden} stronger cards not shown." if hidden > 0
                                                              else ".")
    return _attachment(f"stats-{slug(topic_title, 'topic')}.png", image, alt)


def _canvas(height: int, title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A white image of the chart width with the title drawn."""
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((_MARGIN, 24), _fit(title, _font(20), WIDTH - 2 * _MARGIN), fill=_INK, font=_font(20), anchor="lm")
    return image, draw


def drawable(text: str) -> str:
    """``text`` in the characters Pillow's bundled font has: accents dropped, dashes plain, others ``?``.

    The font covers little beyond ASCII, and a missing glyph would print as a box; the alt
    text keeps the exact words.
    """
    folded = strip_accents(unicodedata.normalize("NFKC", text)).translate(_PLAIN_DASHES)
    return "".join(char if char in DRAWABLE_CHARACTERS else "?" for char in folded)


def _fit(text: str, font: _Font, width: int) -> str:
    """``text``, cut with an ellipsis where it would run past ``width`` pixels (a binary search)."""
    text = drawable(text)
    if font.getlength(text) <= width:
        return text
    short, long = 0, len(text)  # text[:short] + "…" fits; text[:long] + "…" does not
    while long - short > 1:
        middle = (short + long) // 2
        if font.getlength(text[:middle] + "…") <= width:
            short = middle
        else:
            long = middle
    return text[:short].rstrip() + "…"


def _attachment(filename: str, image: Image.Image, alt: str) -> Attachment:
    """Encode the PNG and attach the alt text, cut to what Discord accepts."""
    out = io.BytesIO()
    image.save(out, "PNG")
    return Attachment(filename, out.getvalue(), truncate(alt, ALT_TEXT_LIMIT))
