"""Term lookup: exact (folded) match on term or alias, then fuzzy, then autocomplete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.models import Term
from bot.core.text import lookup_key, truncate

MAX_CHOICES = 25
CHOICE_NAME_LIMIT = 100
# A fuzzy score at or above ACCEPT is taken as the term; SUGGEST..ACCEPT become "did you mean".
ACCEPT_SCORE = 88.0
SUGGEST_SCORE = 60.0


@dataclass(frozen=True, slots=True)
class Lookup:
    """The term found (if any), how, and close alternatives."""

    term: Term | None
    exact: bool
    suggestions: tuple[Term, ...] = ()
    by_first_word: bool = False
    """Found only because the query is the first word of one term's name (see :meth:`Glossary.lookup`)."""


def _score(query: str, choice: str, **_: object) -> float:
    """Whole-string similarity, tolerant of word order; partial matches don't count."""
    return max(fuzz.ratio(query, choice), fuzz.token_sort_ratio(query, choice))


class Glossary:
    """All terms, indexed by the folded form of every name and alias."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self.terms = {t.id: t for t in terms}
        self._by_key: dict[str, Term] = {}
        for term in terms:
            for name in (term.term, *term.aliases):
                self._by_key.setdefault(lookup_key(name), term)
        self._keys = list(self._by_key)

    def __len__(self) -> int:
        return len(self.terms)

    def lookup(self, text: str) -> Lookup:
        """Find a term by id, name or alias; fall back to the closest names."""
        if text in self.terms:
            return Lookup(self.terms[text], exact=True)
        key = lookup_key(text)
        if not key:
            return Lookup(None, exact=False)
        if key in self._by_key:
            return Lookup(self._by_key[key], exact=True)
        starting = {t.id: t for k, t in self._by_key.items() if k.startswith(f"{key} ")}
        if len(starting) == 1:  # "toshiba" names only "Toshiba affair (1987)"
            (only,) = starting.values()
            return Lookup(only, exact=False, by_first_word=True)
        ranked = self._ranked(key, SUGGEST_SCORE)
        if ranked and ranked[0][1] >= ACCEPT_SCORE:
            return Lookup(ranked[0][0], exact=False, suggestions=tuple(t for t, _ in ranked[1:4]))
        return Lookup(None, exact=False, suggestions=tuple(t for t, _ in ranked[:5]))

    def autocomplete(self, text: str) -> list[tuple[str, str]]:
        """Up to 25 ``(label, term id)`` pairs: prefix matches first, then fuzzy ones."""
        key = lookup_key(text)
        chosen: dict[str, str] = {}
        if not key:
            names = sorted(self.terms.values(), key=lambda t: t.term.casefold())
            return [(truncate(t.term, CHOICE_NAME_LIMIT), t.id) for t in names[:MAX_CHOICES]]
        prefix = sorted(
            (k for k in self._keys if k.startswith(key) or f" {key}" in f" {k}"),
            key=lambda k: (not k.startswith(key), len(k)),
        )
        for name in prefix:
            self._add_choice(chosen, name)
        scored = process.extract(key, self._keys, scorer=fuzz.partial_ratio, limit=MAX_CHOICES * 2,
                                 score_cutoff=60)
        for name, _, _ in scored:
            self._add_choice(chosen, name)
        return [(label, term_id) for term_id, label in list(chosen.items())[:MAX_CHOICES]]

    def _add_choice(self, chosen: dict[str, str], key: str) -> None:
        term = self._by_key[key]
        if term.id in chosen:
            return
        alias = next((a for a in term.aliases if lookup_key(a) == key), None)
        label = f"{term.term} ({alias})" if alias else term.term
        chosen[term.id] = truncate(label, CHOICE_NAME_LIMIT)

    def _ranked(self, key: str, cutoff: float) -> list[tuple[Term, float]]:
        results = process.extract(key, self._keys, scorer=_score, limit=20, score_cutoff=cutoff)
        best: dict[str, tuple[Term, float]] = {}
        for name, score, _ in results:
            term = self._by_key[name]
            if term.id not in best or best[term.id][1] < score:
                best[term.id] = (term, score)
        return sorted(best.values(), key=lambda pair: -pair[1])
