"""The quiz and review use cases: start a round, show a card, grade a press or a typed answer.

A round is a stored session (its cards, position and score), and every button carries the
session id and card position, so nothing lives in memory between a card and its answer.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta

from bot.core.command_catalog import CARD_TYPES, DEFAULT_QUIZ_LENGTH, MAX_QUIZ_LENGTH
from bot.core.errors import StudyError
from bot.core.models import Card, CardType
from bot.core.presentation import actions
from bot.core.presentation.actions import Action, Verb
from bot.core.presentation.citations import FICTION_LABEL
from bot.core.presentation.rendering import escape_markdown
from bot.core.presentation.replies import Button, ButtonStyle, Reply, TextPrompt, Tone
from bot.core.presentation.time_text import duration, when
from bot.core.progress.records import AnswerInput, AnswerResult, QuizSession, SessionKind
from bot.core.progress.scheduler import Scheduler
from bot.core.quiz.engine import LETTERS, grade_option, grade_text, options_for, pick_cards
from bot.core.service.context import Actor, StudyContext, shown
from bot.core.text import truncate

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
_RATING_STYLES = {1: ButtonStyle.DANGER, 2: ButtonStyle.SECONDARY, 3: ButtonStyle.SUCCESS, 4: ButtonStyle.SUCCESS}
OPEN_ROUND_WINDOW = timedelta(hours=12)
"""An unfinished round started within this long ago is offered back before a new one starts."""
OVERRIDE_NOTICE = ("*Counted as right, at your word. Your instructor sees the wording you used, "
                   "so it can be added to the accepted answers.*\n\n")
_TYPE_NAMES = {
    CardType.CHOICE: "multiple choice",
    CardType.TRUEFALSE: "true or false",
    CardType.SHORT: "short answer",
    CardType.FLASHCARD: "flashcard",
}


class QuizUseCases:
    """``/quiz``, ``/review`` and every press and typed answer of a round."""

    def __init__(self, ctx: StudyContext) -> None:
        self._ctx = ctx

    async def start_quiz(
        self,
        actor: Actor,
        topic: str | None = None,
        count: int = DEFAULT_QUIZ_LENGTH,
        card_type: str | None = None,
        share: bool = False,
    ) -> Reply:
        """Start a round mixing due, new and soon-due cards of a topic (or all topics).

        With a round still open, offers to resume it or to start this one instead.
        """
        ctx = self._ctx
        topic_id = ctx.topic_id(topic) if topic else None
        if card_type is not None and card_type not in CARD_TYPES:
            raise StudyError(f"Unknown card type “{shown(card_type)}”.", hint=f"choose {', '.join(CARD_TYPES)}")
        learner_id = await ctx.learner_id(actor)
        open_round = await ctx.store.open_session(learner_id, ctx.clock() - OPEN_ROUND_WINDOW)
        if open_round is not None:
            return self._open_round_reply(open_round, "quiz", topic_id, count, card_type, share)
        return await self._new_quiz(learner_id, topic_id, count, card_type, share)

    async def review(self, actor: Actor, count: int = DEFAULT_QUIZ_LENGTH) -> Reply:
        """Start a round of the learner's due cards, or say when the next one falls due."""
        ctx = self._ctx
        learner_id = await ctx.learner_id(actor)
        open_round = await ctx.store.open_session(learner_id, ctx.clock() - OPEN_ROUND_WINDOW)
        if open_round is not None:
            return self._open_round_reply(open_round, "review", None, count, None, False)
        return await self._new_review(learner_id, count)

    async def _new_quiz(self, learner_id: int, topic_id: str | None, count: int, card_type: str | None,
                        share: bool) -> Reply:
        ctx = self._ctx
        candidates = ctx.content.cards_for(topic_id, CardType(card_type) if card_type else None)
        if not candidates:
            raise StudyError("There are no cards of that kind in that topic.", hint="try another type or topic")
        states = await ctx.store.card_states(learner_id)
        chosen = pick_cards(candidates, states, ctx.clock(), max(1, count), ctx.rng)
        session = await ctx.store.create_session(learner_id, "quiz", topic_id, chosen, share=share,
                                                 card_type=card_type)
        return await self._ask(session)

    async def _new_review(self, learner_id: int, count: int) -> Reply:
        ctx = self._ctx
        now = ctx.clock()
        cards = ctx.content.cards
        due = [s.card_id for s in await ctx.store.due_cards(learner_id, now, 500) if s.card_id in cards][:count]
        if not due:
            next_due = await ctx.store.next_due(learner_id)
            body = ctx.render("nothing_due.md.j2", next_due=when(next_due, now) if next_due else None)
            return Reply(title="Nothing to review", body=body, tone=Tone.SUCCESS)
        session = await ctx.store.create_session(learner_id, "review", None, due)
        return await self._ask(session)

    def _open_round_reply(self, session: QuizSession, kind: SessionKind, topic_id: str | None, count: int,
                          card_type: str | None, share: bool) -> Reply:
        now = self._ctx.clock()
        label = "review" if session.kind == "review" else "quiz"
        body = (f"Card {min(session.position + 1, len(session.card_ids))} of {len(session.card_ids)}, "
                f"started {when(session.started_at, now)}.\n\n"
                f"Resume it, or start the new {kind} (the open {label} ends where it is).")
        over = actions.encode(Verb.OVER, session.id, kind, topic_id, count, card_type, int(share))
        return Reply(title=f"You have a {label} open", body=body, tone=Tone.WARNING,
                     buttons=(Button("Resume", actions.encode(Verb.NEXT, session.id), ButtonStyle.PRIMARY),
                              Button("Start over", over, ButtonStyle.DANGER)))

    # Presses and typed answers

    async def submit(self, actor: Actor, action: Action, text: str) -> Reply:
        """Grade text typed into a short-answer card's prompt."""
        session, position, card = await self._turn(actor, action, CardType.SHORT)
        if card is None:
            return await self._retired(session, position)
        response = text.strip()
        if not response:
            raise StudyError("Your answer was empty.", hint="type a few words")
        correct = grade_text(card, response)
        result = await self._record(session, position, card, response[:500], correct,
                                    Scheduler.rating_for(correct, None, card.type.value))
        return self._feedback(card, result, response)

    async def press_answer(self, actor: Actor, action: Action) -> Reply:
        """Grade a choice or true/false option."""
        session, position, card = await self._turn(actor, action, CardType.CHOICE, CardType.TRUEFALSE)
        if card is None:
            return await self._retired(session, position)
        graded = grade_option(card, options_for(card, session.id, position), action.number(2))
        if graded is None:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        response, correct = graded
        result = await self._record(session, position, card, response, correct,
                                    Scheduler.rating_for(correct, None, card.type.value))
        return self._feedback(card, result, response)

    async def press_ask(self, actor: Actor, action: Action) -> Reply:
        """Open the text prompt of a short-answer card."""
        session, position, card = await self._turn(actor, action, CardType.SHORT)
        if card is None:
            return await self._retired(session, position)
        if position != session.position or session.finished:
            raise StudyError("You have already answered this card.", hint="press Next to go on")
        return dataclasses.replace(self._card_reply(session, card, None, seen=True), modal=True)

    async def press_show(self, actor: Actor, action: Action) -> Reply:
        """Reveal a flashcard's answer and offer the four self-ratings."""
        session, position, card = await self._turn(actor, action, CardType.FLASHCARD)
        if card is None:
            return await self._retired(session, position)
        if position != session.position or session.finished:
            raise StudyError("You have already rated this card.", hint="press Next to go on")
        rate = [Button(name, actions.encode(Verb.RATE, session.id, position, value, card_version(card)),
                       _RATING_STYLES[value])
                for value, name in RATINGS.items()]
        body = self._ctx.render("feedback.md.j2", verdict=None, answer=card.answer, response=None,
                                explain=card.explain, quotes=self._ctx.quotes(card.citations),
                                fiction_label=FICTION_LABEL)
        return Reply(title=truncate(card.prompt, 200), body=body, footer="How well did you know it?",
                     buttons=tuple(rate))

    async def press_rate(self, actor: Actor, action: Action) -> Reply:
        """Record a flashcard's self-rating and show the next card."""
        session, position, card = await self._turn(actor, action, CardType.FLASHCARD)
        if card is None:
            return await self._retired(session, position)
        rating = action.number(2)
        if rating not in RATINGS:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        result = await self._record(session, position, card, RATINGS[rating], rating > 1, rating)
        state = result.card_state
        notice = f"Rated {RATINGS[rating]}"
        if state is not None and not result.duplicate:
            notice += f"; this card comes back {when(state.due, self._ctx.clock())}"
        return await self._ask(result.session or session, notice + ".")

    async def press_next(self, actor: Actor, action: Action) -> Reply:
        """Show the round's current card (or its summary)."""
        return await self._ask(await self._own_session(actor, action.args[0]))

    async def press_end(self, actor: Actor, action: Action) -> Reply:
        """Finish the round early and show its summary."""
        session = await self._own_session(actor, action.args[0])
        finished = await self._ctx.store.finish_session(session.id) or session
        return await self._summary(finished)

    async def press_right(self, actor: Actor, action: Action) -> Reply:
        """"I was right": count a short answer marked wrong as right, at the learner's word."""
        session, position, card = await self._turn(actor, action, CardType.SHORT, versioned=False)
        if card is None:
            return await self._retired(session, position)
        result = await self._ctx.store.override_answer(session.id, position)
        feedback = self._feedback(card, result, "")
        return dataclasses.replace(feedback, title="Counted as right",
                                   body=feedback.body if result.duplicate else OVERRIDE_NOTICE + feedback.body)

    async def press_over(self, actor: Actor, action: Action) -> Reply:
        """Drop the open round and start the one asked for (the "Start over" button)."""
        old = await self._own_session(actor, action.args[0])
        kind = action.args[1]
        if kind not in ("quiz", "review"):
            raise StudyError("That button is no longer valid.", hint="run the command again")
        count = min(max(1, action.number(3)), MAX_QUIZ_LENGTH)
        card_type = action.optional(4)
        topic = action.optional(2)
        if card_type is not None and card_type not in CARD_TYPES:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        topic_id = self._ctx.topic_id(topic) if topic else None
        await self._ctx.store.finish_session(old.id)
        if kind == "review":
            return await self._new_review(old.learner_id, count)
        return await self._new_quiz(old.learner_id, topic_id, count, card_type, action.args[5] == "1")

    async def press_retry(self, actor: Actor, action: Action) -> Reply:
        """A new round of the cards missed (at the first try) in a finished one."""
        session = await self._own_session(actor, action.args[0])
        cards = self._ctx.content.cards
        missed = [a.card_id for a in await self._ctx.store.session_answers(session.id)
                  if not a.correct and not session.is_retry(a.position) and a.card_id in cards]
        if not missed:
            raise StudyError("There is nothing missed in that round to retry.", hint="start a new one with /quiz")
        retry = await self._ctx.store.create_session(session.learner_id, "quiz", session.topic, missed,
                                                     card_type=session.card_type)
        return await self._ask(retry)

    async def press_again(self, actor: Actor, action: Action) -> Reply:
        """A new round like a finished one: the same topic, kind of card and length."""
        session = await self._own_session(actor, action.args[0])
        count = min(len(set(session.card_ids)), MAX_QUIZ_LENGTH)
        if session.kind == "review":
            return await self._new_review(session.learner_id, count)
        topic_id = session.topic if session.topic in self._ctx.content.topics else None
        return await self._new_quiz(session.learner_id, topic_id, count, session.card_type, session.share)

    async def card_changed(self, changed: CardChanged) -> Reply:
        """Answer a press on a card a reload changed: nothing is graded; show it as it reads now."""
        session, position, card = changed.session, changed.position, changed.card
        if session.finished or position != session.position:
            return Reply(title="This card has changed",
                         body="The instructor changed this card after it was shown, so nothing was recorded.",
                         buttons=(_next_button(session),), tone=Tone.WARNING)
        state = await self._ctx.store.card_state(session.learner_id, card.id)
        notice = "The instructor changed this card after it was shown, so that answer was not counted. It now reads:"
        return self._card_reply(session, card, notice, seen=state is not None)

    # Steps of a round

    async def _ask(self, session: QuizSession, notice: str | None = None) -> Reply:
        """Show the session's current card, skipping cards retired since it started."""
        while not session.finished:
            card = self._ctx.content.cards.get(session.card_ids[session.position])
            if card is not None:
                state = await self._ctx.store.card_state(session.learner_id, card.id)
                return self._card_reply(session, card, notice, seen=state is not None)
            skipped = await self._ctx.store.skip_position(session.id, session.position)
            if skipped is None:
                break
            session = skipped
        return await self._summary(session, notice)

    def _card_reply(self, session: QuizSession, card: Card, notice: str | None, *, seen: bool) -> Reply:
        position = session.position
        version = card_version(card)
        options = options_for(card, session.id, position)
        buttons: list[Button] = []
        prompt = None
        if card.type is CardType.CHOICE:
            buttons = [Button(f"{LETTERS[i]}. {text}", actions.encode(Verb.ANSWER, session.id, position, i, version))
                       for i, text in enumerate(options)]
        elif card.type is CardType.TRUEFALSE:
            buttons = [Button(text, actions.encode(Verb.ANSWER, session.id, position, i, version), ButtonStyle.PRIMARY)
                       for i, text in enumerate(options)]
        elif card.type is CardType.SHORT:
            buttons = [Button("Answer", actions.encode(Verb.ASK, session.id, position, version), ButtonStyle.PRIMARY)]
            prompt = TextPrompt(actions.encode(Verb.TEXT, session.id, position, version), "Your answer",
                                truncate(card.prompt, 45), placeholder="A few words are enough")
        else:
            buttons = [Button("Show answer", actions.encode(Verb.SHOW, session.id, position, version),
                              ButtonStyle.PRIMARY)]
        buttons.append(Button("End", actions.encode(Verb.END, session.id), ButtonStyle.DANGER))
        topic = self._ctx.content.topics.get(card.topic)
        label = "Review" if session.kind == "review" else "Quiz"
        stage = "second try" if session.is_retry(position) else "review" if seen else "new card"
        body = self._ctx.render(
            "card.md.j2", prompt=card.prompt, kind=card.type.value, notice=notice,
            options=[(LETTERS[i], text) for i, text in enumerate(options)] if card.type is CardType.CHOICE else [],
        )
        return Reply(
            title=f"{label} · card {position + 1} of {len(session.card_ids)}",
            body=body,
            footer=f"{topic.title if topic else card.topic} · {_TYPE_NAMES[card.type]} · {stage}",
            buttons=tuple(buttons),
            prompt=prompt,
        )

    async def _turn(self, actor: Actor, action: Action, *kinds: CardType,
                    versioned: bool = True) -> tuple[QuizSession, int, Card | None]:
        """Load the pressed session, check it is this learner's, and that the verb suits the card.

        Each verb belongs to some card types only (options to choice and true/false cards,
        the text prompt to short answers, show and rate to flashcards), so a forged id cannot
        reveal an answer or self-rate a card that the bot grades. A ``versioned`` id ends with
        the version of the card as shown: a card a reload changed since then raises
        :class:`CardChanged` instead of being graded against words the learner never saw.
        """
        session = await self._own_session(actor, action.args[0])
        position = action.number(1)
        if position >= len(session.card_ids):
            raise StudyError("That button is no longer valid.", hint="run the command again")
        card = self._ctx.content.cards.get(session.card_ids[position])
        if card is not None and card.type not in kinds:
            raise StudyError("That button is no longer valid.", hint="run the command again")
        if card is not None and versioned and action.args[-1] != card_version(card):
            raise CardChanged(session, position, card)
        return session, position, card

    async def _retired(self, session: QuizSession, position: int) -> Reply:
        """A press for a card a reload removed: skip it, say so, and offer to go on."""
        updated = await self._ctx.store.skip_position(session.id, position) or session
        return Reply(
            title="This card was retired",
            body="The instructor removed or replaced this card since it was shown, so it no longer counts.",
            buttons=(_next_button(updated),),
            tone=Tone.WARNING,
        )

    async def _own_session(self, actor: Actor, session_id: str) -> QuizSession:
        store = self._ctx.store
        session = await store.get_session(session_id)
        if session is None:
            raise StudyError("That quiz no longer exists.", hint="start a new one with /quiz")
        if await store.learner_id(actor.scope, actor.user_key) != session.learner_id:
            # A round started from a reminder's "Review now" is a server's, answered in a DM.
            owner = await store.learner_by_id(session.learner_id)
            if owner is None or owner.user_key != actor.user_key:
                raise StudyError("This quiz belongs to someone else.", hint="start your own with /quiz")
        return session

    async def _record(self, session: QuizSession, position: int, card: Card, response: str,
                      correct: bool, rating: int) -> AnswerResult:
        return await self._ctx.store.record_answer(AnswerInput(
            learner_id=session.learner_id, card_id=card.id, card_hash=card.content_hash, response=response,
            correct=correct, rating=rating, session_id=session.id, position=position,
        ))

    def _feedback(self, card: Card, result: AnswerResult, response: str) -> Reply:
        body = self._ctx.render(
            "feedback.md.j2", verdict="correct" if result.correct else "wrong", answer=card.answer,
            response=None if result.duplicate else response, explain=card.explain,
            quotes=self._ctx.quotes(card.citations), fiction_label=FICTION_LABEL,
        )
        session = result.session
        title = "Correct!" if result.correct else "Not quite"
        buttons = [_next_button(session)] if session else []
        if session and card.type is CardType.SHORT and not result.correct and not result.duplicate:
            position = session.position - 1 if session.position else 0
            buttons.insert(0, Button("I was right", actions.encode(Verb.RIGHT, session.id, position)))
        return Reply(
            title=f"{title} (already answered)" if result.duplicate else title,
            body=body,
            buttons=tuple(buttons),
            tone=Tone.SUCCESS if result.correct else Tone.WARNING,
        )

    async def _summary(self, session: QuizSession, notice: str | None = None) -> Reply:
        ctx = self._ctx
        store = ctx.store
        now = ctx.clock()
        answers = await store.session_answers(session.id)
        first_tries = [a for a in answers if not session.is_retry(a.position)]
        retries = [a for a in answers if session.is_retry(a.position)]
        topics = ctx.content.card_topics
        wrong = Counter(topics.get(a.card_id, "") for a in first_tries if not a.correct)
        asked = Counter(topics.get(a.card_id, "") for a in first_tries)
        weakest = None
        if wrong:
            topic_id = max(wrong, key=lambda t: (wrong[t] / asked[t], wrong[t]))
            topic = ctx.content.topics.get(topic_id)
            weakest = topic.title if topic else None
        score = sum(a.correct for a in first_tries)
        next_due = await store.next_due(session.learner_id)
        body = ctx.render(
            "summary.md.j2", notice=notice, score=score, answered=len(first_tries),
            total=len(set(session.card_ids)), retried=len(retries), retried_right=sum(a.correct for a in retries),
            duration=duration((session.finished_at or now) - session.started_at), weakest=weakest,
            due_now=await store.due_count(session.learner_id, now),
            next_due=when(next_due, now) if next_due else None,
        )
        learner = await store.learner_by_id(session.learner_id)
        name = escape_markdown(learner.display_name) if learner else "You"
        buttons = [Button("New round", actions.encode(Verb.AGAIN, session.id), ButtonStyle.PRIMARY)]
        if score < len(first_tries):
            buttons.insert(0, Button("Retry missed", actions.encode(Verb.RETRY, session.id), ButtonStyle.PRIMARY))
        return Reply(
            title=f"{'Review' if session.kind == 'review' else 'Quiz'} finished: {score}/{len(first_tries)}",
            body=body,
            footer=f"{name} · start another with /quiz or /review",
            buttons=tuple(buttons),
            ephemeral=not (session.share and first_tries),
            tone=Tone.SUCCESS,
        )


class CardChanged(Exception):
    """A press or typed answer for a card that a reload changed after it was shown."""

    def __init__(self, session: QuizSession, position: int, card: Card) -> None:
        super().__init__(card.id)
        self.session, self.position, self.card = session, position, card


def card_version(card: Card) -> str:
    """A short version of the card's content, carried by its buttons (see :meth:`QuizUseCases._turn`)."""
    return card.content_hash[:8]


def _next_button(session: QuizSession) -> Button:
    label = "See results" if session.finished else "Next"
    return Button(label, actions.encode(Verb.NEXT, session.id), ButtonStyle.PRIMARY)
