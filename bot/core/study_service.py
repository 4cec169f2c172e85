"""The study bot's use cases; both front ends call only this and show the Replies it returns.

Front ends say who is acting (an :class:`Actor`, with instructor rights already worked out
from Discord permissions or the console's ``instructor on``) and what they asked for; the
service checks rights, reads content, records progress and renders a :class:`Reply`.
Button presses and text prompts come back through :meth:`StudyService.press` and
:meth:`StudyService.submit` with the action id the reply carried, so nothing lives in memory
between a reply and the press that answers it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core import actions
from bot.core.actions import Action, Verb
from bot.core.bot_state import BotState
from bot.core.citations import FICTION_LABEL, CitedQuote, cited_quote, format_citation, short_reference
from bot.core.clock import Clock, system_clock
from bot.core.command_catalog import CARD_TYPES, COMMANDS, DEFAULT_QUIZ_LENGTH
from bot.core.content_library import ContentLibrary
from bot.core.content_problems import ContentError, Problem
from bot.core.content_snapshot import ContentSnapshot
from bot.core.database import Database
from bot.core.errors import StudyError
from bot.core.excerpt_search import SearchHit
from bot.core.glossary import CHOICE_NAME_LIMIT, MAX_CHOICES
from bot.core.instructor_files import check_upload_size, deck_filename, export_csv
from bot.core.migrations import migrate
from bot.core.models import Card, CardType, Citation, Term
from bot.core.progress_store import LEADERBOARD_MIN_ATTEMPTS, AnswerInput, AnswerResult, ProgressStore, QuizSession
from bot.core.quiz_engine import LETTERS, grade_option, grade_text, options_for, pick_cards
from bot.core.rendering import escape_markdown, highlight
from bot.core.replies import ACTION_ID_LIMIT, Attachment, Button, ButtonStyle, Reply, TextPrompt, Tone
from bot.core.scheduler import Scheduler
from bot.core.template_samples import template_samples
from bot.core.text import collapse_spaces, strip_markup, truncate
from bot.core.time_text import duration, when

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
_RATING_STYLES = {1: ButtonStyle.DANGER, 2: ButtonStyle.SECONDARY, 3: ButtonStyle.SUCCESS, 4: ButtonStyle.SUCCESS}
EXCERPTS_PER_PAGE = 3
PROBLEMS_PER_PAGE = 10
STATS_PER_PAGE = 10
PERIOD_DAYS = {"week": 7, "month": 30, "all": None}
COMMAND_SCHEMA_KEY = "command_schema_hash"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: one person in one scope ("guild:<id>", "dm" or "console")."""

    scope: str
    user_key: str
    display_name: str
    is_instructor: bool = False


@dataclass(frozen=True, slots=True)
class Member:
    """Another person named in a command (``/progress member``, ``/instructor reset``)."""

    user_key: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Upload:
    """A file attached to ``/instructor upload``."""

    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ExcerptView:
    """A search hit as templates show it."""

    citation: str
    snippet: str
    fiction: bool


@dataclass(frozen=True, slots=True)
class TopicRow:
    """One topic line of ``/progress``."""

    title: str
    seen: int
    total: int
    accuracy: float
    attempts: int
    mastered: int


@dataclass(frozen=True, slots=True)
class Pager:
    """Which page of a long list is shown, and its Prev/Next buttons."""

    page: int
    pages: int
    first: int

    @classmethod
    def of(cls, total: int, page: int, per_page: int) -> Pager:
        """Clamp ``page`` (from 1) to the pages ``total`` items make."""
        pages = max(1, -(-total // per_page))
        page = min(max(1, page), pages)
        return cls(page, pages, (page - 1) * per_page)

    @property
    def footer(self) -> str:
        """``Page 2 of 5``."""
        return f"Page {self.page} of {self.pages}"

    def buttons(self, action_for: Callable[[int], str]) -> tuple[Button, ...]:
        """Prev/Next buttons (none for a single page); ``action_for(n)`` is page n's action id."""
        if self.pages == 1:
            return ()
        return (Button("Prev", action_for(self.page - 1), disabled=self.page == 1),
                Button("Next", action_for(self.page + 1), disabled=self.page == self.pages))


class StudyService:
    """Every use case of the bot, over one content library and one progress store."""

    def __init__(
        self,
        library: ContentLibrary,
        store: ProgressStore,
        db: Database,
        clock: Clock = system_clock,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.library = library
        self.store = store
        self._db = db
        self._clock = clock
        self._rng = rng or random.Random()
        self._state = BotState(db, clock)
        self.commands: dict[str, Callable[..., Awaitable[Reply]]] = {
            "quiz": self.start_quiz, "review": self.review, "define": self.define, "excerpt": self.excerpt,
            "progress": self.progress, "leaderboard": self.leaderboard, "topics": self.topics,
            "sources": self.sources, "help": self.help, "instructor reload": self.reload,
            "instructor check": self.check, "instructor stats": self.stats, "instructor export": self.export,
            "instructor upload": self.upload, "instructor reset": self.reset,
        }
        """Catalogue command name -> the use case that runs it (see :meth:`execute`)."""
        self._press_handlers: dict[Verb, Callable[[Actor, Action], Awaitable[Reply]]] = {
            Verb.ANSWER: self._press_answer,
            Verb.ASK: self._press_ask,
            Verb.SHOW: self._press_show,
            Verb.RATE: self._press_rate,
            Verb.NEXT: self._press_next,
            Verb.END: self._press_end,
            Verb.DEFINE: lambda actor, action: self.define(actor, action.args[0], by_id=True),
            Verb.PASSAGE: lambda actor, action: self._passage(action.args[0]),
            Verb.EXCERPT: self._press_excerpt,
            Verb.CHECK: lambda actor, action: self.check(actor, page=action.number(0)),
            Verb.STATS: lambda actor, action: self.stats(actor, action.optional(0), page=action.number(1)),
            Verb.RESET: self._press_reset,
            Verb.KEEP: self._press_keep,
        }

    # Lifecycle

    @classmethod
    async def open(
        cls,
        *,
        db_path: Path,
        content_dir: Path,
        migrations_dir: Path,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
    ) -> StudyService:
        """Migrate the database, load and validate the content, and reset changed cards.

        Raises ContentError (every problem listed) or MigrationError, so a broken course or
        database refuses to start instead of serving half of itself.
        """
        db = await Database.open(db_path)
        try:
            await migrate(db, migrations_dir)
            library = ContentLibrary(content_dir, template_samples)
            await asyncio.to_thread(library.load)
            store = ProgressStore(db, clock, Scheduler())
            await store.sync_card_versions(library.snapshot.card_hashes)
        except BaseException:
            await db.close()
            raise
        return cls(library, store, db, clock, rng=rng)

    async def close(self) -> None:
        """Close the database (waits for a write in progress)."""
        await self._db.close()

    @property
    def content(self) -> ContentSnapshot:
        """The content serving now."""
        return self.library.snapshot

    # Commands by name (the console's entry point; Discord cogs call the methods directly)

    async def execute(self, actor: Actor, command: str, options: Mapping[str, Any]) -> Reply:
        """Run a catalogue command with already-validated options."""
        if command not in self.commands:
            raise StudyError(f"There is no /{_shown(command)} command.", hint="type /help to see them all")
        renamed = {"type": "card_type"}
        return await self.commands[command](actor, **{renamed.get(k, k): v for k, v in options.items()})

    def complete(self, kind: str, text: str) -> list[tuple[str, str]]:
        """Autocomplete choices ``(label, value)`` for a topic, term or source option."""
        snapshot = self.content
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

    async def press(self, actor: Actor, action_id: str) -> Reply:
        """Handle a button press."""
        action = actions.decode(action_id)
        if action.verb is Verb.TEXT:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        return await self._press_handlers[action.verb](actor, action)

    async def submit(self, actor: Actor, action_id: str, text: str) -> Reply:
        """Handle text typed into an open prompt (a short answer)."""
        action = actions.decode(action_id)
        if action.verb is not Verb.TEXT:
            raise StudyError("There is no open question to answer.", hint="press a button instead")
        session, position, card = await self._turn(actor, action)
        if card is None:
            return await self._retired(session, position)
        response = text.strip()
        if not response:
            raise StudyError("Your answer was empty.", hint="type a few words")
        correct = grade_text(card, response)
        result = await self._record(actor, session, position, card, response[:500], correct,
                                    Scheduler.rating_for(correct, None, card.type.value))
        return self._feedback(card, result, response)

    # Quiz and review

    async def start_quiz(
        self,
        actor: Actor,
        topic: str | None = None,
        count: int = DEFAULT_QUIZ_LENGTH,
        card_type: str | None = None,
        share: bool = False,
    ) -> Reply:
        """Start a round mixing due, new and soon-due cards of a topic (or all topics)."""
        snapshot = self.content
        topic_id = self._topic_id(topic) if topic else None
        if card_type is not None and card_type not in CARD_TYPES:
            raise StudyError(f"Unknown card type “{_shown(card_type)}”.", hint=f"choose {', '.join(CARD_TYPES)}")
        kind = CardType(card_type) if card_type else None
        candidates = snapshot.cards_for(topic_id, kind)
        if not candidates:
            raise StudyError("There are no cards of that kind in that topic.", hint="try another type or topic")
        learner_id = await self._learner_id(actor)
        states = await self.store.card_states(learner_id)
        chosen = pick_cards(candidates, states, self._clock(), max(1, count), self._rng)
        session = await self.store.create_session(learner_id, "quiz", topic_id, chosen, share=share)
        return await self._ask(session)

    async def review(self, actor: Actor, count: int = DEFAULT_QUIZ_LENGTH) -> Reply:
        """Start a round of the learner's due cards, or say when the next one falls due."""
        learner_id = await self._learner_id(actor)
        now = self._clock()
        cards = self.content.cards
        due = [s.card_id for s in await self.store.due_cards(learner_id, now, 500) if s.card_id in cards][:count]
        if not due:
            next_due = await self.store.next_due(learner_id)
            body = self._render("nothing_due.md.j2", next_due=when(next_due, now) if next_due else None)
            return Reply(title="Nothing to review", body=body, tone=Tone.SUCCESS)
        session = await self.store.create_session(learner_id, "review", None, due)
        return await self._ask(session)

    async def _ask(self, session: QuizSession, notice: str | None = None) -> Reply:
        """Show the session's current card, skipping cards retired since it started."""
        while not session.finished:
            card = self.content.cards.get(session.card_ids[session.position])
            if card is not None:
                return self._card_reply(session, card, notice)
            skipped = await self.store.skip_position(session.id, session.position)
            if skipped is None:
                break
            session = skipped
        return await self._summary(session, notice)

    def _card_reply(self, session: QuizSession, card: Card, notice: str | None) -> Reply:
        position = session.position
        options = options_for(card, session.id, position)
        buttons: list[Button] = []
        prompt = None
        if card.type is CardType.CHOICE:
            buttons = [Button(f"{LETTERS[i]}. {text}", actions.encode(Verb.ANSWER, session.id, position, i))
                       for i, text in enumerate(options)]
        elif card.type is CardType.TRUEFALSE:
            buttons = [Button(text, actions.encode(Verb.ANSWER, session.id, position, i), ButtonStyle.PRIMARY)
                       for i, text in enumerate(options)]
        elif card.type is CardType.SHORT:
            buttons = [Button("Answer", actions.encode(Verb.ASK, session.id, position), ButtonStyle.PRIMARY)]
            prompt = TextPrompt(actions.encode(Verb.TEXT, session.id, position), "Your answer",
                                truncate(card.prompt, 45), placeholder="A few words are enough")
        else:
            buttons = [Button("Show answer", actions.encode(Verb.SHOW, session.id, position), ButtonStyle.PRIMARY)]
        buttons.append(Button("End", actions.encode(Verb.END, session.id), ButtonStyle.DANGER))
        topic = self.content.topics.get(card.topic)
        label = "Review" if session.kind == "review" else "Quiz"
        body = self._render(
            "card.md.j2", prompt=card.prompt, kind=card.type.value, notice=notice,
            options=[(LETTERS[i], text) for i, text in enumerate(options)] if card.type is CardType.CHOICE else [],
        )
        return Reply(
            title=f"{label} · card {position + 1} of {len(session.card_ids)}",
            body=body,
            footer=f"{topic.title if topic else card.topic} · {_TYPE_NAMES[card.type]}",
            buttons=tuple(buttons),
            prompt=prompt,
        )

    async def _turn(self, actor: Actor, action: Action) -> tuple[QuizSession, int, Card | None]:
        """Load the pressed session and check it is this learner's and this card's turn."""
        session = await self._own_session(actor, action.args[0])
        position = action.number(1)
        if position >= len(session.card_ids):
            raise StudyError("That button is no longer valid.", hint="run the command again")
        return session, position, self.content.cards.get(session.card_ids[position])

    async def _retired(self, session: QuizSession, position: int) -> Reply:
        """A press for a card a reload removed: skip it, say so, and offer to go on."""
        updated = await self.store.skip_position(session.id, position) or session
        return Reply(
            title="This card was retired",
            body="The instructor removed or replaced this card since it was shown, so it no longer counts.",
            buttons=(self._next_button(updated),),
            tone=Tone.WARNING,
        )

    async def _press_answer(self, actor: Actor, action: Action) -> Reply:
        session, position, card = await self._turn(actor, action)
        if card is None:
            return await self._retired(session, position)
        graded = grade_option(card, options_for(card, session.id, position), action.number(2))
        if graded is None:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        response, correct = graded
        result = await self._record(actor, session, position, card, response, correct,
                                    Scheduler.rating_for(correct, None, card.type.value))
        return self._feedback(card, result, response)

    async def _press_ask(self, actor: Actor, action: Action) -> Reply:
        session, position, card = await self._turn(actor, action)
        if card is None:
            return await self._retired(session, position)
        if position != session.position or session.finished:
            raise StudyError("You have already answered this card.", hint="press Next to go on")
        return dataclasses.replace(self._card_reply(session, card, None), modal=True)

    async def _press_show(self, actor: Actor, action: Action) -> Reply:
        session, position, card = await self._turn(actor, action)
        if card is None:
            return await self._retired(session, position)
        if position != session.position or session.finished:
            raise StudyError("You have already rated this card.", hint="press Next to go on")
        rate = [Button(name, actions.encode(Verb.RATE, session.id, position, value), _RATING_STYLES[value])
                for value, name in RATINGS.items()]
        body = self._render("feedback.md.j2", verdict=None, answer=card.answer, response=None, explain=card.explain,
                            quotes=self._quotes(card.citations), fiction_label=FICTION_LABEL)
        return Reply(title=truncate(card.prompt, 200), body=body, footer="How well did you know it?",
                     buttons=tuple(rate))

    async def _press_rate(self, actor: Actor, action: Action) -> Reply:
        session, position, card = await self._turn(actor, action)
        if card is None:
            return await self._retired(session, position)
        rating = action.number(2)
        if rating not in RATINGS:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        result = await self._record(actor, session, position, card, RATINGS[rating], rating > 1, rating)
        state = result.card_state
        notice = f"Rated {RATINGS[rating]}"
        if state is not None and not result.duplicate:
            notice += f"; this card comes back {when(state.due, self._clock())}"
        return await self._ask(result.session or session, notice + ".")

    async def _press_next(self, actor: Actor, action: Action) -> Reply:
        session = await self._own_session(actor, action.args[0])
        return await self._ask(session)

    async def _press_end(self, actor: Actor, action: Action) -> Reply:
        session = await self._own_session(actor, action.args[0])
        finished = await self.store.finish_session(session.id) or session
        return await self._summary(finished)

    async def _own_session(self, actor: Actor, session_id: str) -> QuizSession:
        session = await self.store.get_session(session_id)
        if session is None:
            raise StudyError("That quiz no longer exists.", hint="start a new one with /quiz")
        if await self.store.learner_id(actor.scope, actor.user_key) != session.learner_id:
            raise StudyError("This quiz belongs to someone else.", hint="start your own with /quiz")
        return session

    async def _record(self, actor: Actor, session: QuizSession, position: int, card: Card, response: str,
                      correct: bool, rating: int) -> AnswerResult:
        return await self.store.record_answer(AnswerInput(
            learner_id=session.learner_id, card_id=card.id, card_hash=card.content_hash, response=response,
            correct=correct, rating=rating, session_id=session.id, position=position,
        ))

    def _feedback(self, card: Card, result: AnswerResult, response: str) -> Reply:
        body = self._render(
            "feedback.md.j2", verdict="correct" if result.correct else "wrong", answer=card.answer,
            response=None if result.duplicate else response, explain=card.explain,
            quotes=self._quotes(card.citations), fiction_label=FICTION_LABEL,
        )
        session = result.session
        title = "Correct!" if result.correct else "Not quite"
        return Reply(
            title=f"{title} (already answered)" if result.duplicate else title,
            body=body,
            buttons=(self._next_button(session),) if session else (),
            tone=Tone.SUCCESS if result.correct else Tone.WARNING,
        )

    @staticmethod
    def _next_button(session: QuizSession) -> Button:
        label = "See results" if session.finished else "Next"
        return Button(label, actions.encode(Verb.NEXT, session.id), ButtonStyle.PRIMARY)

    async def _summary(self, session: QuizSession, notice: str | None = None) -> Reply:
        now = self._clock()
        answers = await self.store.session_attempts(session.id)
        topics = self.content.card_topics
        wrong = Counter(topics.get(card_id, "") for card_id, correct in answers if not correct)
        asked = Counter(topics.get(card_id, "") for card_id, _ in answers)
        weakest = None
        if wrong:
            topic_id = max(wrong, key=lambda t: (wrong[t] / asked[t], wrong[t]))
            topic = self.content.topics.get(topic_id)
            weakest = topic.title if topic else None
        score = sum(correct for _, correct in answers)
        next_due = await self.store.next_due(session.learner_id)
        body = self._render(
            "summary.md.j2", notice=notice, score=score, answered=len(answers), total=len(session.card_ids),
            duration=duration((session.finished_at or now) - session.started_at), weakest=weakest,
            due_now=await self.store.due_count(session.learner_id, now),
            next_due=when(next_due, now) if next_due else None,
        )
        learner = await self.store.learner_by_id(session.learner_id)
        name = escape_markdown(learner.display_name) if learner else "You"
        return Reply(
            title=f"{'Review' if session.kind == 'review' else 'Quiz'} finished: {score}/{len(answers)}",
            body=body,
            footer=f"{name} · start another with /quiz or /review",
            ephemeral=not session.share,
            tone=Tone.SUCCESS,
        )

    # Terms and excerpts

    async def define(self, actor: Actor, term: str, *, by_id: bool = False) -> Reply:
        """Explain a term, or say what it might have been and where the text discusses it."""
        snapshot = self.content
        if by_id:
            found = snapshot.glossary.terms.get(term)
            if found is None:
                raise StudyError("That term is no longer in the glossary.", hint="try /define again")
            return self._term_reply(found, None)
        definition = snapshot.define(term)
        lookup = definition.lookup
        if lookup.term is not None:
            note = None if lookup.exact else f"Closest match to “{_shown(term)}”"
            return self._term_reply(lookup.term, note)
        hits = [self._excerpt_view(hit) for hit in definition.passages]
        body = self._render("define_miss.md.j2", query=truncate(term, 100),
                            suggestions=[t.term for t in lookup.suggestions], hits=hits, fiction_label=FICTION_LABEL)
        buttons = [Button(t.term, actions.encode(Verb.DEFINE, t.id), ButtonStyle.PRIMARY)
                   for t in lookup.suggestions[:5]]
        buttons += [Button(f"Full passage {i}", actions.encode(Verb.PASSAGE, hit.passage.key))
                    for i, hit in enumerate(definition.passages[:5], start=1)]
        return Reply(title="No such term in the glossary", body=body, buttons=tuple(buttons[:10]), tone=Tone.WARNING)

    def _term_reply(self, term: Term, note: str | None) -> Reply:
        snapshot = self.content
        see_also = [snapshot.glossary.terms[t] for t in term.see_also if t in snapshot.glossary.terms]
        body = self._render("term.md.j2", term=term, quotes=self._quotes(term.citations), see_also=see_also,
                            fiction_label=FICTION_LABEL)
        buttons = [Button("Quote", actions.encode(Verb.PASSAGE, term.citations[0].passage_key), ButtonStyle.PRIMARY)]
        buttons += [Button(f"See also: {t.term}", actions.encode(Verb.DEFINE, t.id)) for t in see_also[:4]]
        return Reply(title=term.term, body=body, footer=note, buttons=tuple(buttons))

    async def excerpt(self, actor: Actor, query: str, source: str | None = None, *, offset: int = 0) -> Reply:
        """Ranked passages for a query, three per page, with paging and full-passage buttons."""
        snapshot = self.content
        source_id = self._source_id(source) if source else None
        page = snapshot.index.search(query, source_id=source_id, offset=offset, limit=EXCERPTS_PER_PAGE)
        if not page.query:
            raise StudyError("Type some words to search for.", hint="e.g. /excerpt query:Toshiba submarine")
        encoded = _query_for_button(page.query, source_id)
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
        body = self._render(
            "excerpt.md.j2", query=page.query, hits=[self._excerpt_view(h) for h in page.hits], total=page.total,
            first=offset + 1, last=offset + len(page.hits), suggestion=page.suggestion, shortened=page.shortened,
            fiction_label=FICTION_LABEL,
        )
        source_name = f" in {short_reference(snapshot.sources[source_id])}" if source_id else ""
        title = f"Excerpts for “{page.query}”{source_name}" if page.hits else f"No passages match “{page.query}”"
        footer = f"Results {offset + 1}–{offset + len(page.hits)} of {page.total}" if page.hits else None
        return Reply(title=title, body=body, footer=footer, buttons=tuple(buttons),
                     tone=Tone.INFO if page.hits else Tone.WARNING)

    async def _press_excerpt(self, actor: Actor, action: Action) -> Reply:
        return await self.excerpt(actor, action.args[2], action.optional(0), offset=action.number(1))

    def _excerpt_view(self, hit: SearchHit) -> ExcerptView:
        source = self.content.sources[hit.passage.source_id]
        return ExcerptView(format_citation(source, hit.passage), highlight(hit.snippet), source.is_fiction)

    async def _passage(self, key: str) -> Reply:
        passage = self.content.passage_by_key.get(key)
        if passage is None:
            raise StudyError("That passage has moved or is no longer in the text.", hint="search again with /excerpt")
        source = self.content.sources[passage.source_id]
        body = self._render("passage.md.j2", text=strip_markup(passage.text), citation=format_citation(source, passage),
                            fiction=source.is_fiction, footnotes=passage.footnotes, fiction_label=FICTION_LABEL)
        return Reply(title=truncate(f"{source.title}: {passage.heading}", 256), body=body,
                     footer=f"{source.author}, {source.date}" if source.author else source.date)

    def _quotes(self, citations: tuple[Citation, ...]) -> list[CitedQuote]:
        snapshot = self.content
        return [cited_quote(c, snapshot.sources[c.source_id], snapshot.passage_by_key[c.passage_key])
                for c in citations if c.passage_key in snapshot.passage_by_key]

    # Progress and the class

    async def progress(self, actor: Actor, member: Member | None = None) -> Reply:
        """A learner's standing per topic; someone else's needs instructor rights."""
        if member is not None and member.user_key != actor.user_key:
            self._require_instructor(actor, "see another member's progress")
            learner = await self.store.get_learner(actor.scope, member.user_key)
            if learner is None:
                raise StudyError(f"{escape_markdown(member.display_name)} has not studied here yet.")
            learner_id, name = learner.id, escape_markdown(member.display_name)
        else:
            learner_id, name = await self._learner_id(actor), escape_markdown(actor.display_name)
        now = self._clock()
        snapshot = self.content
        by_topic = await self.store.topic_progress(learner_id, snapshot.card_topics)
        rows = [TopicRow(topic.title, p.seen, p.total, p.accuracy, p.attempts, p.mastered)
                for topic in snapshot.course.topics if (p := by_topic.get(topic.id)) is not None]
        next_due = await self.store.next_due(learner_id)
        body = self._render(
            "progress.md.j2", rows=rows, streak=await self.store.streak(learner_id, now.date()),
            due=await self.store.due_count(learner_id, now), next_due=when(next_due, now) if next_due else None,
        )
        seen = sum(r.seen for r in rows)
        total = sum(r.total for r in rows)
        return Reply(title=f"Progress of {name}", body=body, footer=f"{seen} of {total} cards seen")

    async def leaderboard(self, actor: Actor, period: str = "week") -> Reply:
        """Rank this scope's learners by cards mastered, then accuracy (never by volume)."""
        if actor.scope == "dm":
            raise StudyError("Leaderboards belong to a server.", hint="use /leaderboard in a server channel")
        if period not in PERIOD_DAYS:
            raise StudyError(f"Unknown period “{_shown(period)}”.", hint="choose week, month or all")
        days = PERIOD_DAYS[period]
        since = self._clock() - timedelta(days=days) if days else None
        rows = await self.store.leaderboard(actor.scope, since, limit=10)
        body = self._render("leaderboard.md.j2", rows=rows, period=period, min_attempts=LEADERBOARD_MIN_ATTEMPTS)
        return Reply(title=f"Leaderboard · {'all time' if period == 'all' else 'this ' + period}", body=body,
                     footer="Ranked by cards mastered, then accuracy")

    async def topics(self, actor: Actor) -> Reply:
        """The topics and how many cards of each type they have."""
        snapshot = self.content
        counts = Counter(card.topic for card in snapshot.cards.values())
        rows = [{"title": t.title, "id": t.id, "description": t.description, "cards": counts[t.id]}
                for t in snapshot.course.topics]
        return Reply(title=snapshot.course.title, body=self._render("topics.md.j2", topics=rows),
                     footer="Start with /quiz topic:<name>")

    async def sources(self, actor: Actor) -> Reply:
        """The texts the course studies, fiction labelled as such."""
        snapshot = self.content
        return Reply(title="Sources", body=self._render("sources.md.j2", sources=snapshot.course.sources,
                                                          fiction_label=FICTION_LABEL),
                     footer="Search them with /excerpt")

    async def help(self, actor: Actor) -> Reply:
        """What each command does; instructor tools listed for instructors."""
        commands = [c for c in COMMANDS.values() if not c.instructor]
        tools = [c for c in COMMANDS.values() if c.instructor] if actor.is_instructor else []
        return Reply(title="How to study with this bot",
                     body=self._render("help.md.j2", commands=commands, tools=tools))

    # Instructor tools

    async def reload(self, actor: Actor) -> Reply:
        """Validate the content files and swap them in; on errors, keep serving the old content."""
        self._require_instructor(actor, "reload the content")
        result = await self.library.reload()
        if not result.ok:
            return self._problems_reply(list(result.problems), 1, "Reload refused: the old content is still live")
        return await self._went_live("Content reloaded", result.snapshot)

    async def _went_live(self, title: str, snapshot: ContentSnapshot) -> Reply:
        """Reset learners' state for changed cards and say what is live now."""
        changed = await self.store.sync_card_versions(snapshot.card_hashes)
        note = f"\n\n{len(changed)} changed card(s) start over for their learners." if changed else ""
        return Reply(title=title, body=snapshot.summary() + note, tone=Tone.SUCCESS)

    async def check(self, actor: Actor, page: int = 1) -> Reply:
        """Validate the content files without swapping anything in."""
        self._require_instructor(actor, "check the content")
        try:
            snapshot = await self.library.check()
        except ContentError as exc:
            return self._problems_reply(list(exc.problems), page, "Content has problems")
        return Reply(title="Content is valid", body=snapshot.summary(), tone=Tone.SUCCESS)

    def _problems_reply(self, problems: list[Problem], page: int, title: str) -> Reply:
        pager = Pager.of(len(problems), page, PROBLEMS_PER_PAGE)
        shown = problems[pager.first:pager.first + PROBLEMS_PER_PAGE]
        body = self._render("problems.md.j2", problems=[str(p) for p in shown], total=len(problems),
                            first=pager.first + 1, last=pager.first + len(shown))
        return Reply(title=f"{title} ({len(problems)})", body=body, footer=pager.footer,
                     buttons=pager.buttons(lambda n: actions.encode(Verb.CHECK, n)), tone=Tone.ERROR)

    async def stats(self, actor: Actor, topic: str | None = None, page: int = 1) -> Reply:
        """Item analysis: per card attempts, share correct and the most chosen wrong answer."""
        self._require_instructor(actor, "see class statistics")
        snapshot = self.content
        topic_id = self._topic_id(topic) if topic else None
        cards = {c.id: c for c in snapshot.cards_for(topic_id)}
        items = [i for i in await self.store.item_analysis(actor.scope, cards) if i.attempts]
        pager = Pager.of(len(items), page, STATS_PER_PAGE)
        rows = [{"prompt": cards[i.card_id].prompt, "id": i.card_id, "attempts": i.attempts, "accuracy": i.accuracy,
                 "wrong": i.wrong_responses[0] if i.wrong_responses else None}
                for i in items[pager.first:pager.first + STATS_PER_PAGE]]
        body = self._render("stats.md.j2", rows=rows, first=pager.first + 1, total=len(items))
        title_topic = snapshot.topics[topic_id].title if topic_id else "all topics"
        return Reply(title=f"Class statistics · {title_topic}", body=body, footer=pager.footer,
                     buttons=pager.buttons(lambda n: actions.encode(Verb.STATS, topic_id, n)))

    async def export(self, actor: Actor, attempts: bool = False) -> Reply:
        """Per-learner progress (and optionally every answer) as CSV attachments."""
        self._require_instructor(actor, "export progress")
        stamp = f"{self._clock():%Y-%m-%d}"
        progress = await self.store.export_progress_rows(actor.scope)
        files = [Attachment(f"progress-{stamp}.csv", export_csv(progress), "Per-learner, per-card progress")]
        if attempts:
            answers = await self.store.export_attempt_rows(actor.scope)
            files.append(Attachment(f"attempts-{stamp}.csv", export_csv(answers), "Every answer, oldest first"))
        return Reply(title="Progress export", body="\n".join(f"`{f.filename}`: {f.description}" for f in files),
                     attachments=tuple(files))

    async def upload(self, actor: Actor, file: Upload) -> Reply:
        """Validate an uploaded deck against the live content; write it and reload only if valid."""
        self._require_instructor(actor, "upload decks")
        name = deck_filename(file.filename)
        check_upload_size(len(file.data))
        try:
            text = file.data.decode("utf-8")
        except UnicodeDecodeError:
            raise StudyError("The file is not UTF-8 text.", hint="save it as UTF-8 in your editor") from None
        result = await self.library.install_deck(name, text)
        if not result.ok:
            return self._problems_reply(list(result.problems), 1, f"Deck {name} was not saved")
        return await self._went_live(f"Deck {name} saved", result.snapshot)

    async def reset(self, actor: Actor, member: Member) -> Reply:
        """Ask for confirmation before erasing a learner's progress."""
        self._require_instructor(actor, "reset progress")
        learner = await self.store.get_learner(actor.scope, member.user_key)
        if learner is None:
            raise StudyError(f"{escape_markdown(member.display_name)} has no progress here to reset.")
        return Reply(
            title=f"Erase all progress of {escape_markdown(member.display_name)}?",
            body="Every answer and review schedule they have in this server will be deleted. This cannot be undone.",
            buttons=(Button("Erase", actions.encode(Verb.RESET, learner.id), ButtonStyle.DANGER),
                     Button("Keep", actions.encode(Verb.KEEP))),
            tone=Tone.WARNING,
        )

    async def _press_reset(self, actor: Actor, action: Action) -> Reply:
        self._require_instructor(actor, "reset progress")
        learner = await self.store.learner_by_id(action.number(0))
        if learner is None or learner.scope != actor.scope:
            raise StudyError("That learner is not here any more.")
        erased = await self.store.reset_learner(learner.id)
        return Reply(title=f"Progress of {escape_markdown(learner.display_name)} erased",
                     body=f"{erased} answer(s) deleted.",
                     tone=Tone.SUCCESS)

    async def _press_keep(self, actor: Actor, action: Action) -> Reply:
        return Reply(title="Nothing was erased", body="The learner's progress is unchanged.")

    # Command sync bookkeeping (the Discord front end syncs only when its schema changed)

    async def command_schema_changed(self, digest: str) -> bool:
        """Whether ``digest`` differs from the schema last synced."""
        return await self._state.get(COMMAND_SCHEMA_KEY) != digest

    async def remember_command_schema(self, digest: str) -> None:
        """Record that the schema with ``digest`` was synced."""
        await self._state.set(COMMAND_SCHEMA_KEY, digest)

    # Helpers

    async def _learner_id(self, actor: Actor) -> int:
        return await self.store.upsert_learner(actor.scope, actor.user_key, actor.display_name)

    @staticmethod
    def _require_instructor(actor: Actor, what: str) -> None:
        if not actor.is_instructor:
            raise StudyError(f"Only instructors can {what}.",
                             hint="this needs the Manage Server permission or the instructor role")

    def _topic_id(self, text: str) -> str:
        topics = self.content.topics
        wanted = text.strip().casefold()
        for topic in topics.values():
            if wanted in (topic.id.casefold(), topic.title.casefold()):
                return topic.id
        raise StudyError(f"There is no topic “{_shown(text)}”.",
                         hint=f"topics are: {', '.join(topics)}")

    def _source_id(self, text: str) -> str:
        sources = self.content.sources
        wanted = text.strip().casefold()
        for source in sources.values():
            if wanted in (source.id, source.title.casefold(), short_reference(source).casefold()):
                return source.id
        raise StudyError(f"There is no source “{_shown(text)}”.",
                         hint=f"sources are: {', '.join(sources)}")

    def _render(self, template: str, **context: Any) -> str:
        return self.content.templates.render(template, **context)


_TYPE_NAMES = {
    CardType.CHOICE: "multiple choice",
    CardType.TRUEFALSE: "true or false",
    CardType.SHORT: "short answer",
    CardType.FLASHCARD: "flashcard",
}


def _shown(text: str) -> str:
    """User text quoted back in a message: shortened, Markdown and mentions defused."""
    return escape_markdown(truncate(collapse_spaces(text), 60))


def _query_for_button(query: str, source_id: str | None) -> str:
    """The query as it fits in an excerpt button's id (shortened at a word if need be)."""
    budget = ACTION_ID_LIMIT - len(actions.encode(Verb.EXCERPT, source_id, 9999, ""))
    if len(query) <= budget:
        return query
    cut = query[:budget]
    return cut[: cut.rfind(" ")] if " " in cut else cut
