"""Words as search sees them: tokens, stems, the words that carry no content, and named phrases.

One analyser serves the index, the query and the snippet, so a word highlighted in a snippet
is exactly a word that counted in the ranking. Stopwords and question words ("why", "did",
"the") are kept apart from content words: they never decide a rank and are never
highlighted; "us" is a content word where it cannot be the pronoun ("the us position"), and
the text's "U.S." is the word "us". Glossary names and aliases become *concepts*: a phrase
found in a passage or a question stands for its term, so "Kurils" in a question reaches
passages that say "Northern Territories". Entries of the instructor's synonym file become concepts the same way, except
that only the source's own phrase marks a passage, while the question may use any of the
words students say for it ("foreign money" reaches "hard currency").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from bot.core.models import Synonym, Term

# Numbers keep their decimal point ("1.6", "3.6"); words keep inner apostrophes ("Japan's"); initialisms
# ("U.S.", "U.S.S.R.") are one token, a word once their full stops go (token_word).
TOKEN = re.compile(r"\d+(?:[.,]\d+)*|(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:['’][^\W\d_]+)*")
_PARENTHESES = re.compile(r"\s*\([^)]*\)")

# Function words of English, and the words that frame a question rather than say what it is
# about ("why did", "how much", "what happened", "according to").
_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can cannot could did do does doing done down during each either else even ever few for
from further had has have having he her here hers herself him himself his how i if in into is it its itself
just let me more most my myself neither no nor not now of off on once only or other ought our ours ourselves
out over own same shall she should so some such than that the their theirs them themselves then there these
they this those through thus to too under until up upon us very was we were what whatever when whenever where
whereas whether which while who whom whose why will with within without would yet you your yours yourself
according actually anyway happen happened happening happens mean meant means really tell explain describe
kind sort thing things way ways get got gets go goes went come came much many whats s t d ll re ve m
wo ca sha
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

# Names that stand for the same state in writing about foreign policy: the capital for its
# government, the adjective and the people for the country ("Tokyo's view", "the Japanese").
SAME_STATE = (
    frozenset({"soviet", "soviets", "ussr", "moscow", "russia", "russian", "russians", "kremlin"}),
    frozenset({"japan", "japanese", "tokyo"}),
    frozenset({"china", "chinese", "beijing", "peking", "prc", "sino"}),
    frozenset({"america", "american", "americans", "washington", "us", "usa"}),
)
# Words that name a work of fiction: a question saying "in the story" or "in the novel" is about
# the fiction, whatever else it says ("why was Moscow so friendly in the story").
FICTION_WORDS = frozenset({"fiction", "fictional", "novel", "novels", "novella", "story", "stories", "tale", "tales"})
MIN_VARIANT_PREFIX = 5
"""Two stems are variants of one word when the shorter, at least this long, begins the longer."""

_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower-case, drop accents, straighten apostrophes: the form every word is compared in."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a folded word; numbers are their own stem."""
    return word if word[0].isdigit() else _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return [token_word(t) for t in TOKEN.findall(fold(text))]


def token_word(token: str) -> str:
    """A folded token as a word: an initialism without its full stops ("U.S." -> "us")."""
    return token.replace(".", "") if token.endswith(".") else token


# Words after which "us" cannot be the pronoun (an object): an article, "and"/"or", an auxiliary.
_BEFORE_STATE_US = frozenset({"the", "and", "or", "did", "does", "do", "is", "was", "were", "has", "have", "had",
                              "will", "would", "can", "could", "should"})


def content_words(tokens: Sequence[str]) -> list[str]:
    """The content words of a question, in order; "us" counts where it can only be the United States.

    The pronoun is an object, so it never opens a question or follows an article, an
    auxiliary or "and": "the us position", "how did us and japanese goals differ".
    """
    return [w for i, w in enumerate(tokens)
            if is_content(w) or (w == "us" and (i == 0 or tokens[i - 1] in _BEFORE_STATE_US))]


def is_content(word: str) -> bool:
    """Whether a folded word says what a question is about (not a stopword or question word).

    Contractions and inflections count as their base: "didn't", "mostly", "Japan's".
    """
    base = word[:-3] if word.endswith("n't") else word.split("'")[0]
    return (len(base) > 1 or base.isdigit()) and not {word, base, stem(base)} & STOPWORDS


def same_state(word: str) -> frozenset[str]:
    """The other names of the state ``word`` names (empty for any other word)."""
    return next((names - {word} for names in SAME_STATE if word in names), frozenset())


CONCEPT_PREFIX = "@"
SYNONYM_PREFIX = f"{CONCEPT_PREFIX}="
"""Concept tokens of synonym entries start so (a term id cannot hold "=")."""


def concept_token(term_id: str) -> str:
    """The index token standing for a glossary term (cannot collide with a word stem)."""
    return f"{CONCEPT_PREFIX}{term_id}"


@dataclass(frozen=True, slots=True)
class Phrase:
    """A glossary name or alias (or a synonym entry's phrase) as a sequence of stems, and the concept it names."""

    stems: tuple[str, ...]
    term_id: str


def _phrase(text: str, term_id: str) -> Phrase | None:
    """``text`` as stems naming ``term_id``, unless it has no content word."""
    stems = tuple(stem(w) for w in words(_PARENTHESES.sub("", text)))
    return Phrase(stems, term_id) if stems and any(is_content(w) for w in words(text)) else None


def glossary_phrases(terms: Iterable[Term]) -> list[Phrase]:
    """Every name and alias of every term (without parenthesised dates), longest first."""
    phrases: dict[tuple[str, ...], Phrase] = {}
    for term in terms:
        for name in (term.term, *term.aliases):
            phrase = _phrase(name, term.id)
            if phrase is not None:
                phrases.setdefault(phrase.stems, phrase)
    return sorted(phrases.values(), key=lambda p: -len(p.stems))


def synonym_phrases(synonyms: Iterable[Synonym], *, students: bool) -> list[Phrase]:
    """Each entry's source phrase, and with ``students`` the words students say for it, longest first.

    All of an entry's phrases name one concept: the passages using the source's phrase carry
    it, and a question using any of them asks for it.
    """
    phrases: dict[tuple[str, ...], Phrase] = {}
    for synonym in synonyms:
        concept = SYNONYM_PREFIX[1:] + "-".join(stem(w) for w in words(synonym.paper))
        for text in (synonym.paper, *(synonym.students if students else ())):
            phrase = _phrase(text, concept)
            if phrase is not None:
                phrases.setdefault(phrase.stems, phrase)
    return sorted(phrases.values(), key=lambda p: -len(p.stems))


class PhraseFinder:
    """Finds named phrases in a sequence of stems: longest match first, no overlaps within a layer.

    Layers (glossary names, synonym entries) are searched independently, so a glossary name
    does not hide a synonym entry that shares its words.
    """

    def __init__(self, *layers: Sequence[Phrase]) -> None:
        self._layers: list[dict[str, list[Phrase]]] = []
        for phrases in layers:
            by_first: dict[str, list[Phrase]] = {}
            for phrase in phrases:  # already longest first
                by_first.setdefault(phrase.stems[0], []).append(phrase)
            self._layers.append(by_first)

    def find(self, stems: Sequence[str]) -> list[tuple[int, Phrase]]:
        """``(start, phrase)`` for each phrase occurrence in ``stems``, in order of start."""
        found = [match for layer in self._layers for match in self._find(layer, stems)]
        return sorted(found, key=lambda match: match[0]) if len(self._layers) > 1 else found

    @staticmethod
    def _find(starts: Mapping[str, list[Phrase]], stems: Sequence[str]) -> list[tuple[int, Phrase]]:
        found = []
        i, end = 0, len(stems)
        while i < end:
            candidates = starts.get(stems[i])
            match = None
            if candidates is not None:
                match = next((p for p in candidates if tuple(stems[i:i + len(p.stems)]) == p.stems), None)
            if match is None:
                i += 1
                continue
            found.append((i, match))
            i += len(match.stems)
        return found
