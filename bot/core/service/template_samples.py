"""Sample contexts for test-rendering templates at load, one per built-in template.

An instructor's override is rendered with these before it may replace a built-in, so the
samples use the same shapes the study service passes (content models and view dataclasses).
A test renders every built-in with its sample, so a template without one fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.core.command_catalog import COMMANDS
from bot.core.models import Citation, Footnote, Source, SourceKind, Term
from bot.core.presentation.citations import FICTION_LABEL, CitedQuote
from bot.core.progress.records import LeaderRow
from bot.core.reminders.message import ReminderPlace
from bot.core.service.views import ExcerptView, TopicRow

_QUOTE = CitedQuote(
    quote="the Soviets prefer to separate economics from politics",
    citation="Clark 1988, B. Soviet-Japanese Relations: Historical Perspective, ¶4, p. 6",
    fiction=False,
    passage_key="clark-1988:12",
)
_FICTION_QUOTE = CitedQuote(
    quote="The islands were handed back at dawn.",
    citation="Fiction excerpt, The Kuril Handover, ¶2",
    fiction=True,
    passage_key="kuril-fiction:2",
)
_TERM = Term(
    id="linkage-politics",
    term="Linkage politics",
    aliases=("linkage", "seikei fukabun"),
    definition="Japan's insistence that economic cooperation follow progress on the islands.",
    citations=(Citation("clark-1988", _QUOTE.quote, _QUOTE.passage_key),),
    see_also=("northern-territories",),
    background="Japanese officials call it seikei fukabun.",
)


def _excerpt_view(fiction: bool = False) -> ExcerptView:
    return ExcerptView(
        citation=_FICTION_QUOTE.citation if fiction else _QUOTE.citation,
        snippet="the Soviets prefer to separate **economics** from politics",
        fiction=fiction,
    )


def _topic_row() -> TopicRow:
    return TopicRow(title="Trade and perestroika", seen=12, total=34, accuracy=0.75, attempts=20, mastered=3)


def _term() -> dict[str, Any]:
    return {"term": _TERM, "quotes": [_QUOTE, _FICTION_QUOTE], "see_also": [_TERM], "fiction_label": FICTION_LABEL}


def _card() -> dict[str, Any]:
    return {"prompt": "What does the anti-hegemony clause oppose?", "kind": "choice", "notice": "Rated Good.",
            "options": [("A", "Soviet expansion in Asia"), ("B", "Any power seeking hegemony in the region")]}


def _feedback() -> dict[str, Any]:
    return {"verdict": "wrong", "answer": "1956", "response": "1965",
            "explain": "The Joint Declaration dates from 1956.", "quotes": [_QUOTE, _FICTION_QUOTE],
            "fiction_label": FICTION_LABEL}


def _summary() -> dict[str, Any]:
    return {"notice": "Rated Easy.", "score": 7, "answered": 9, "total": 10, "retried": 2, "retried_right": 1,
            "duration": "4 min 12 s",
            "weakest": "Trade and perestroika", "due_now": 2, "next_due": "in 3 h (Nov 25, 14:00 UTC)"}


def _nothing_due() -> dict[str, Any]:
    return {"next_due": "in 2 days (Nov 27, 09:00 UTC)"}


def _define_miss() -> dict[str, Any]:
    return {"query": "linkge", "suggestions": ["Linkage politics", "Northern Territories"],
            "hits": [_excerpt_view(), _excerpt_view(fiction=True)], "fiction_label": FICTION_LABEL}


def _excerpt() -> dict[str, Any]:
    return {"query": "toshiba submarine", "hits": [_excerpt_view(), _excerpt_view(fiction=True)], "total": 7,
            "first": 1, "last": 2, "suggestion": None, "shortened": True, "fiction_label": FICTION_LABEL}


def _passage() -> dict[str, Any]:
    return {"text": "Moscow has long argued that economics and politics should be kept apart.",
            "citation": _QUOTE.citation, "fiction": False, "footnotes": [Footnote("3", "Pravda, 12 May 1986.")],
            "fiction_label": FICTION_LABEL}


def _progress() -> dict[str, Any]:
    return {"rows": [_topic_row()], "streak": 3, "due": 0, "next_due": "in 5 h (Nov 22, 19:00 UTC)"}


def _leaderboard() -> dict[str, Any]:
    return {"rows": [LeaderRow(1, "Aiko", 12, 40, 0.85), LeaderRow(2, "Boris", 3, 4, 1.0)], "period": "week",
            "min_attempts": 5}


def _topics() -> dict[str, Any]:
    return {"topics": [{"title": "Trade and perestroika", "id": "trade", "description": "Section D.", "cards": 34}]}


def _sources() -> dict[str, Any]:
    return {"sources": [
        Source("clark-1988", "Japan's Role in Gorbachev's Agenda", "Susan L. Clark", "1988", SourceKind.ANALYSIS,
               "sources/clark-1988.md", note="IDA Paper P-2131."),
        Source("kuril-fiction", "The Kuril Handover", "", "2020", SourceKind.FICTION, "sources/kuril-fiction.md"),
    ], "fiction_label": FICTION_LABEL}


def _help() -> dict[str, Any]:
    return {"commands": [c for c in COMMANDS.values() if not c.instructor],
            "tools": [c for c in COMMANDS.values() if c.instructor]}


def _problems() -> dict[str, Any]:
    return {"problems": ["cards/trade.yaml:14:21: cards[1].cite[0].source: unknown source 'papr'"], "total": 12,
            "first": 1, "last": 1}


def _stats() -> dict[str, Any]:
    return {"rows": [{"prompt": "When was the Joint Declaration signed?", "id": "history-joint-declaration",
                      "attempts": 14, "accuracy": 0.43, "wrong": ("1965", 5), "overridden": [("in 1956", 2)]}],
            "first": 1, "total": 30}


def _reminder() -> dict[str, Any]:
    return {"places": [ReminderPlace("guild:1", "History 101", 7, streak=4, studied_today=False),
                       ReminderPlace("console", "the console", 2, streak=3, studied_today=True)],
            "multiple": True}


_STANDINGS = [{"rank": 1, "name": "Aiko", "points": 1840, "right": 2},
              {"rank": 2, "name": "Boris", "points": 950, "right": 1}]


def _class_question() -> dict[str, Any]:
    return {"prompt": "What does the anti-hegemony clause oppose?", "kind": "choice",
            "options": [("A", "Soviet expansion in Asia"), ("B", "Any power seeking hegemony in the region")],
            "answered": 12, "deadline": 1_714_554_030, "seconds": 30}


def _class_reveal() -> dict[str, Any]:
    return {"prompt": "What does the anti-hegemony clause oppose?", "answered": 14,
            "options": [{"label": "A. Soviet expansion in Asia", "count": 3, "right": False},
                        {"label": "B. Any power seeking hegemony", "count": 11, "right": True}],
            "answer": "Any power seeking hegemony", "explain": "The clause names no country.", "quotes": [_QUOTE],
            "fiction_label": FICTION_LABEL, "top": _STANDINGS, "next_at": 1_714_554_040}


def _class_final() -> dict[str, Any]:
    return {"stopped": False, "played": 2, "total": 2, "standings": _STANDINGS, "more": 3,
            "shares": [{"number": 1, "share": 0.75, "answered": 4}, {"number": 2, "share": 0.25, "answered": 4}],
            "hardest": {"number": 2, "share": 0.25, "prompt": "When was the Joint Declaration signed?"}}


def _class_scores() -> dict[str, Any]:
    return {"played": 1, "total": 5, "finished": False, "standings": _STANDINGS, "more": 0, "mine": _STANDINGS[1]}


def template_samples() -> Mapping[str, Callable[[], dict[str, Any]]]:
    """Template name → a function building its sample context."""
    return {
        "card.md.j2": _card,
        "class_final.md.j2": _class_final,
        "class_question.md.j2": _class_question,
        "class_reveal.md.j2": _class_reveal,
        "class_scores.md.j2": _class_scores,
        "define_miss.md.j2": _define_miss,
        "excerpt.md.j2": _excerpt,
        "feedback.md.j2": _feedback,
        "help.md.j2": _help,
        "leaderboard.md.j2": _leaderboard,
        "nothing_due.md.j2": _nothing_due,
        "passage.md.j2": _passage,
        "problems.md.j2": _problems,
        "progress.md.j2": _progress,
        "reminder.md.j2": _reminder,
        "sources.md.j2": _sources,
        "stats.md.j2": _stats,
        "summary.md.j2": _summary,
        "term.md.j2": _term,
        "topics.md.j2": _topics,
    }
