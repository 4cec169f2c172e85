"""Word knowledge for marking short answers: spelling folds and the words around an answer.

A typed answer often wraps the key in other words. Which of those a teacher lets pass is
decided by what kind of word it is, listed here:

- filler that says nothing about the answer (articles, "about", "the answer is", "I think");
- words that reverse or hedge it (``not``, ``or``), which always make it wrong, and words that
  list a second answer beside it (``and``), which do unless the paper's own sentence reads so;
- relations (``before``, ``after``, ``near``, ``until``, ``successor``) that turn the key into
  a different answer unless the question itself asks in those terms ("Near which lake");
- descriptors that only say what kind of thing the answer is ("lake", "treaty", "Mr");
- dates: months and parts of a year, which only make a year more specific.
"""

from __future__ import annotations

import re

from bot.core.quiz.answer_quantities import MONTH_NAMES

_SPELLING = (  # British → American, applied to both sides so either spelling matches either
    (re.compile(r"(?<=\w{2})our$"), "or"),  # colour, labour, favour (not four, hour, your)
    (re.compile(r"(?<=\w{2})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),  # normalise, organisation
    (re.compile(r"(?<=\w{2})ys(e|ed|es|ing)$"), r"yz\1"),  # analyse
    (re.compile(r"(?<=\w{2})tre(s?)$"), r"ter\1"),  # centre, metre
    (re.compile(r"(?<=\w{2})ence$"), "ense"),  # defence, licence
    (re.compile(r"(?<=\w{2})ogue$"), "og"),  # catalogue, dialogue
    (re.compile(r"(?<=\w)ll(ed|ing|er)$"), r"l\1"),  # travelled, cancelling
)
_WORD_VARIANTS = {"programme": "program", "railroad": "railway", "grey": "gray", "towards": "toward",
                  "amongst": "among", "whilst": "while", "mister": "mr", "till": "until", "til": "until"}
MIN_PLURAL_STEM = 4
"""A plural ending is only folded when this many letters stay: "airs" is not "air", "islands" is "island"."""


def fold_word(word: str) -> str:
    """One spelling for singular and plural and for British and American forms of a word."""
    word = _WORD_VARIANTS.get(word, word)
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    if word.endswith("ies") and len(word) - 3 >= MIN_PLURAL_STEM - 1:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")) and len(word) - 2 >= MIN_PLURAL_STEM:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) - 1 >= MIN_PLURAL_STEM:
        return word[:-1]
    return word


def stem(word: str) -> str:
    """A rough stem for recognising a word the question used ("hinted" echoes "hint")."""
    for ending in ("ing", "ed", "ly", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= MIN_PLURAL_STEM:
            return word[: -len(ending)]
    return word


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold_word(w) for w in words.split())


FILLER = _folded(
    "the a an in on at of by to from for with into during around about approximately approx roughly some "
    "nearly almost circa ca c just only exactly precisely somewhere estimated est more greater increased up over "
    "concerning regarding surrounding total overall much many then here fairly quite very really definitely "
    "certainly surely should could might must will go "
    "i think believe guess suppose reckon probably perhaps maybe possibly likely pretty sure im id say would "
    "its it is was were be been being that this thats answer response called named known as so well ok okay "
    "hmm um uh er yes yeah correct right my he she they there which what who",
)
NEGATIONS = _folded(
    "not no never neither nor none nothing nobody isnt wasnt werent arent dont doesnt didnt cannot cant wont "
    "without except unlike instead rather nope false wrong incorrect non anti",
)
HEDGES = _folded("or either whether versus vs unsure idk dunno")
LISTS = _folded("and plus also both")
"""Right beside the key these add a second answer ("Takeshita and Nakasone"), unless the paper says so."""
UNSURE = _folded("sure certain")
"""After "not" these hedge the student's confidence, not the answer: "not sure, 1956" stands."""
RELATIONS = _folded(
    "before after until since prior pre post near nearby under above below less fewer than least "
    "most beyond outside inside successor predecessor deputy vice former ex rival opposite other another "
    "different besides between north south east west",
)
DESCRIPTORS = _folded(
    "year lake sea city island isle archipelago region area river mount mountain railway rail line mainline "
    "road treaty pact accord dispute issue question problem controversy conflict quarrel theory doctrine "
    "principle concept idea view company firm corporation corp co ltd inc group people person delegate "
    "participant attendee mr comrade premier prime minister pm chairman secretary general leader foreign "
    "official nickname name phrase expression word term share fraction portion amount sum plant complex works "
    "mill steelworks project field oilfield oil deposit basin",
)
MONTHS = {
    **{m: m for m in MONTH_NAMES},
    "jan": "january", "feb": "february", "mar": "march", "apr": "april", "jun": "june", "jul": "july",
    "aug": "august", "sep": "september", "sept": "september", "oct": "october", "nov": "november",
    "dec": "december",
}
PARTS_OF_YEAR = _folded("early mid middle late end start beginning spring summer autumn fall winter ad ce")
PATRONYMIC = re.compile(r"(ovich|evich|ovna|evna)$")
"""A Russian middle name ("Nikolai Ivanovich Ryzhkov") names the same person as the surname alone."""
QUESTION_WORDS = frozenset({"what", "which", "who", "whom", "whose", "how", "when", "where"})
