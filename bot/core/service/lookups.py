"""Looking things up: ``/define``, ``/excerpt``, full passages, ``/topics``, ``/sources``, ``/help``."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from bot.core.command_catalog import COMMANDS
from bot.core.content.snapshot import ContentSnapshot
from bot.core.errors import StudyError
from bot.core.lookup.excerpt_search import SearchHit
from bot.core.lookup.glossary import CHOICE_NAME_LIMIT, MAX_CHOICES
from bot.core.models import Term
from bot.core.presentation import actions
from bot.core.presentation.actions import Action, Verb
from bot.core.presentation.citations import FICTION_LABEL, format_citation, short_reference
from bot.core.presentation.rendering import highlight
from bot.core.presentation.replies import ACTION_ID_LIMIT, Button, ButtonStyle, Reply, Tone
from bot.core.service.context import Actor, StudyContext, shown
from bot.core.service.views import ExcerptView
from bot.core.text import strip_markup, truncate

EXCERPTS_PER_PAGE = 3
T = TypeVar("T")


class LookupUseCases:
    """Terms, excerpts and the course's own description; nothing here writes progress."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    def complete(self, kind: str, text: str) -> list[tuple[str, str]]:
        """Autocomplete choices ``(label, value)`` for a topic, term or source option."""
        snapshot = self._ctx.content
        needle = text.casefold().strip()
        if kind == "term":
            return snapshot.glossary.autocomplete(text)
        if kind == "topic":
            pairs = [(t.title, t.id) for t in snapshot.course.topics]
        elif kind == "source":
            pairs = [(s.title if s.is_fiction else f"{s.title} ({short_reference(s)})", s.id)
                     for s in snapshot.course.sources]
        else:
            raise ValueError(f"nothing to complete for {kind!r}")
        return [(truncate(label, CHOICE_NAME_LIMIT), value) for label, value in pairs
                if not needle or needle in label.casefold() or needle in value][:MAX_CHOICES]

    # Terms

    async def define(self, actor: Actor, term: str, *, by_id: bool = False) -> Reply:
        """Explain a term, or say what it might have been and where the text discusses it."""
        snapshot = self._ctx.content
        if by_id:
            found = snapshot.glossary.terms.get(term)
            if found is None:
                raise StudyError("That term is no longer in the glossary.", hint="try /define again")
            return self._term_reply(found, None)
        definition = await _off_the_loop_if_slow(snapshot, snapshot.define, term)
        lookup = definition.lookup
        if lookup.term is not None:
            note = None if lookup.exact else f"Closest match to “{shown(term)}”"
            return self._term_reply(lookup.term, note)
        hits = [self._excerpt_view(hit) for hit in definition.passages]
        body = self._ctx.render("define_miss.md.j2", query=truncate(term, 100),
                                suggestions=[t.term for t in lookup.suggestions], hits=hits,
                                fiction_label=FICTION_LABEL)
        buttons = [Button(t.term, actions.encode(Verb.DEFINE, t.id), ButtonStyle.PRIMARY)
                   for t in lookup.suggestions[:5]]
        buttons += [Button(f"Full passage {i}", actions.encode(Verb.PASSAGE, hit.passage.key))
                    for i, hit in enumerate(definition.passages[:5], start=1)]
        return Reply(title="No such term in the glossary", body=body, buttons=tuple(buttons[:10]), tone=Tone.WARNING)

    async def press_define(self, actor: Actor, action: Action) -> Reply:
        """A see-also or suggested term's button."""
        return await self.define(actor, action.args[0], by_id=True)

    def _term_reply(self, term: Term, note: str | None) -> Reply:
        ctx = self._ctx
        terms = ctx.content.glossary.terms
        see_also = [terms[t] for t in term.see_also if t in terms]
        body = ctx.render("term.md.j2", term=term, quotes=ctx.quotes(term.citations), see_also=see_also,
                          fiction_label=FICTION_LABEL)
        buttons = [Button("Quote", actions.encode(Verb.PASSAGE, term.citations[0].passage_key), ButtonStyle.PRIMARY)]
        buttons += [Button(f"See also: {t.term}", actions.encode(Verb.DEFINE, t.id)) for t in see_also[:4]]
        return Reply(title=term.term, body=f"*{note}*\n\n{body}" if note else body, buttons=tuple(buttons))

    # Excerpts and passages

    async def excerpt(self, actor: Actor, query: str, source: str | None = None, *, offset: int = 0) -> Reply:
        """Ranked passages for a query, three per page, with paging and full-passage buttons."""
        ctx = self._ctx
        snapshot = ctx.content
        source_id = ctx.source_id(source) if source else None
        page = await _off_the_loop_if_slow(snapshot, snapshot.index.search, query, source_id=source_id,
                                           offset=offset, limit=EXCERPTS_PER_PAGE)
        if not page.query:
            raise StudyError("Type some words to search for.", hint="e.g. /excerpt query:Toshiba submarine")
        encoded = _query_for_button(page.query, source_id)
        if not page.hits and page.total:  # a page past the end (an old Next button, or a typed offset)
            first = Button("First page", actions.encode(Verb.EXCERPT, source_id, 0, encoded), ButtonStyle.PRIMARY)
            return Reply(title=f"No more excerpts for “{page.query}”",
                         body=f"There are {page.total} in all; this page is past the last one.",
                         buttons=(first,), tone=Tone.WARNING)
        buttons: list[Button] = []
        if page.total > EXCERPTS_PER_PAGE:
            buttons.append(Button("Prev", actions.encode(Verb.EXCERPT, source_id, max(0, offset - EXCERPTS_PER_PAGE),
                                                         encoded), disabled=offset == 0))
            buttons.append(Button("Next", actions.encode(Verb.EXCERPT, source_id, offset + EXCERPTS_PER_PAGE, encoded),
                                  disabled=offset + EXCERPTS_PER_PAGE >= page.total))
        if page.hits:
            buttons += [Button(f"Full passage {offset + i}", actions.encode(Verb.PASSAGE, hit.passage.key),
                               ButtonStyle.PRIMARY) for i, hit in enumerate(page.hits, start=1)]
        elif page.suggestion:
            buttons.append(Button(f"Search “{page.suggestion}”", actions.encode(
                Verb.EXCERPT, source_id, 0, _query_for_button(page.suggestion, source_id)), ButtonStyle.PRIMARY))
        body = ctx.render(
            "excerpt.md.j2", query=page.query, hits=[self._excerpt_view(h) for h in page.hits], total=page.total,
            first=offset + 1, last=offset + len(page.hits), suggestion=page.suggestion, shortened=page.shortened,
            fiction_label=FICTION_LABEL,
        )
        source_name = f" in {short_reference(snapshot.sources[source_id])}" if source_id else ""
        title = f"Excerpts for “{page.query}”{source_name}" if page.hits else f"No passages match “{page.query}”"
        footer = f"Results {offset + 1}–{offset + len(page.hits)} of {page.total}" if page.hits else None
        return Reply(title=title, body=body, footer=footer, buttons=tuple(buttons),
                     tone=Tone.INFO if page.hits else Tone.WARNING)

    async def press_excerpt(self, actor: Actor, action: Action) -> Reply:
        """Prev/Next of an excerpt list, or a "did you mean" search."""
        return await self.excerpt(actor, action.args[2], action.optional(0), offset=action.number(1))

    async def press_passage(self, actor: Actor, action: Action) -> Reply:
        """A passage in full, with its footnotes and citation."""
        snapshot = self._ctx.content
        passage = snapshot.passage_by_key.get(action.args[0])
        if passage is None:
            raise StudyError("That passage has moved or is no longer in the text.", hint="search again with /excerpt")
        source = snapshot.sources[passage.source_id]
        body = self._ctx.render("passage.md.j2", text=strip_markup(passage.text),
                                citation=format_citation(source, passage), fiction=source.is_fiction,
                                footnotes=passage.footnotes, fiction_label=FICTION_LABEL)
        return Reply(title=truncate(f"{source.title}: {passage.heading}", 256), body=body,
                     footer=f"{source.author}, {source.date}" if source.author else source.date)

    def _excerpt_view(self, hit: SearchHit) -> ExcerptView:
        source = self._ctx.content.sources[hit.passage.source_id]
        return ExcerptView(format_citation(source, hit.passage), highlight(hit.snippet), source.is_fiction)

    # What the course offers

    async def topics(self, actor: Actor) -> Reply:
        """The topics and how many cards of each type they have."""
        snapshot = self._ctx.content
        counts = Counter(card.topic for card in snapshot.cards.values())
        rows = [{"title": t.title, "id": t.id, "description": t.description, "cards": counts[t.id]}
                for t in snapshot.course.topics]
        return Reply(title=snapshot.course.title, body=self._ctx.render("topics.md.j2", topics=rows),
                     footer="Start with /quiz topic:<name>")

    async def sources(self, actor: Actor) -> Reply:
        """The texts the course studies, fiction labelled as such."""
        snapshot = self._ctx.content
        return Reply(title="Sources", body=self._ctx.render("sources.md.j2", sources=snapshot.course.sources,
                                                              fiction_label=FICTION_LABEL),
                     footer="Search them with /excerpt")

    async def help(self, actor: Actor) -> Reply:
        """What each command does; instructor tools listed for instructors."""
        commands = [c for c in COMMANDS.values() if not c.instructor]
        tools = [c for c in COMMANDS.values() if c.instructor] if actor.is_instructor else []
        return Reply(title="How to study with this bot",
                     body=self._ctx.render("help.md.j2", commands=commands, tools=tools))


async def _off_the_loop_if_slow(snapshot: ContentSnapshot, search: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a search on a worker thread when it ranks by meaning (encoding a question takes 5-15 ms of CPU).

    A search by words alone takes well under a millisecond, less than the hop to a thread.
    """
    if snapshot.index.ranks_by_meaning:
        return await asyncio.to_thread(search, *args, **kwargs)
    return search(*args, **kwargs)


def _query_for_button(query: str, source_id: str | None) -> str:
    """The query as it fits in an excerpt button's id (shortened at a word if need be)."""
    budget = ACTION_ID_LIMIT - len(actions.encode(Verb.EXCERPT, source_id, 9999, ""))
    if len(query) <= budget:
        return query
    cut = query[:budget]
    return cut[: cut.rfind(" ")] if " " in cut else cut
