"""The shape of each content file, and pydantic's errors rewritten in plain language."""

from __future__ import annotations

import difflib
import functools
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError, model_validator

from bot.core.content.yaml_document import YamlDocument
from bot.core.problems import Problem

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class SourceSpec(_Strict):
    """A source entry of ``course.yaml``."""

    id: Id
    title: Text
    author: Text
    date: Text
    kind: Literal["analysis", "fiction"]
    file: Text
    publisher: Text | None = None
    identifier: Text | None = None
    note: Text | None = None


class TopicSpec(_Strict):
    """A topic entry of ``course.yaml``."""

    id: Id
    title: Text
    description: Text


class CourseSpec(_Strict):
    """``course.yaml``."""

    title: Text
    description: Text
    sources: list[SourceSpec] = Field(min_length=1)
    topics: list[TopicSpec] = Field(min_length=1)


class CiteSpec(_Strict):
    """A verbatim quote from a source."""

    source: Id
    quote: Text


Cites = Annotated[list[CiteSpec], Field(min_length=1)]


class TermSpec(_Strict):
    """One glossary term."""

    id: Id
    term: Text
    aliases: list[Text] = []
    definition: Text
    background: Text | None = None
    cite: Cites
    see_also: list[Id] = []


class GlossarySpec(_Strict):
    """``glossary.yaml``."""

    terms: list[TermSpec] = Field(min_length=1)


class SynonymSpec(_Strict):
    """One entry of ``synonyms.yaml``: a phrase of the sources and what students say for it."""

    paper: Text
    students: list[Text] = Field(min_length=1)


class SynonymsSpec(_Strict):
    """``synonyms.yaml``."""

    synonyms: list[SynonymSpec] = Field(min_length=1)


class _CardBase(_Strict):
    id: Id
    topic: Id | None = None
    prompt: Text
    explain: Text
    cite: Cites


class ChoiceCardSpec(_CardBase):
    """Multiple choice: 2–5 options, the answer among them."""

    type: Literal["choice"]
    choices: list[Text] = Field(min_length=2, max_length=5)
    answer: Text

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> ChoiceCardSpec:
        if self.answer not in self.choices:
            raise ValueError("answer: the answer must be exactly one of the choices")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError("choices: two choices are the same")
        return self


class TrueFalseCardSpec(_CardBase):
    """A statement that is true or false."""

    type: Literal["truefalse"]
    answer: bool


class ShortCardSpec(_CardBase):
    """A free-text answer; the first accepted answer is the one shown."""

    type: Literal["short"]
    answers: list[Text] = Field(min_length=1)


class FlashcardSpec(_CardBase):
    """Front and back; the learner rates their own recall."""

    type: Literal["flashcard"]
    answer: Text


CardSpec = Annotated[
    ChoiceCardSpec | TrueFalseCardSpec | ShortCardSpec | FlashcardSpec, Field(discriminator="type")
]


class DeckSpec(_Strict):
    """One ``cards/*.yaml`` file."""

    topic: Id
    cards: list[CardSpec] = Field(min_length=1)


_MESSAGES: dict[str, str] = {
    "missing": "required field is missing",
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "list_type": "expected a list",
    "model_type": "expected a mapping of fields",
    "model_attributes_type": "expected a mapping of fields",
    "dict_type": "expected a mapping of fields",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": "is not a valid id",
    "union_tag_not_found": "required field 'type' is missing",
}
_HINTS: dict[str, str] = {
    "string_pattern_mismatch": "ids use lowercase letters, digits and hyphens, 2-40 characters",
    "union_tag_invalid": "use one of: choice, truefalse, short, flashcard",
    "union_tag_not_found": "add type: choice, truefalse, short or flashcard",
    "bool_type": "write true or false without quotes",
}


def validate_document(document: YamlDocument, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    """Validate parsed YAML against ``model``; return the model and located problems.

    When the file has errors, the model returned is *salvaged*: built from the parts that are
    valid, so the cross-file checks (ids, topics, sources, quotes) still run and every mistake
    is reported in one pass. Use :func:`is_complete` before trusting a salvaged part.
    """
    try:
        return model.model_validate(document.data), []
    except ValidationError as exc:
        return _salvage(model, document.data), [_problem(document, model, error) for error in exc.errors()]


def is_complete(spec: BaseModel | None) -> bool:
    """Whether ``spec`` passed validation whole, rather than being salvaged with parts missing."""
    return spec is not None and all(name in spec.model_fields_set
                                    for name, field in type(spec).model_fields.items() if field.is_required())


_INVALID = object()
_FIELD_CONFIG = ConfigDict(coerce_numbers_to_str=True)


def _salvage(model: type[BaseModel], data: Any) -> Any:
    """``model`` built without validation from the fields of ``data`` that are valid (None if none can be).

    Required fields that are missing or invalid are set to None and left out of
    ``model_fields_set``; list items keep their positions (an unusable item becomes None), so
    problems found later still point at the right ``cards[3]``.
    """
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if name in data:
            value = _salvage_value(field.annotation, field.metadata, data[name])
            if value is not _INVALID:
                values[name] = value
    fields_set = set(values)
    values.update({name: None for name, field in model.model_fields.items()
                   if field.is_required() and name not in values})
    return model.model_construct(_fields_set=fields_set, **values)


def _salvage_value(annotation: Any, metadata: list[Any], value: Any) -> Any:
    try:
        return _adapter(Annotated[annotation, *metadata] if metadata else annotation).validate_python(value)
    except ValidationError:
        pass
    if get_origin(annotation) is list and isinstance(value, list):
        [item] = get_args(annotation)
        salvaged_items = (_salvage_value(item, [], element) for element in value)
        return [None if element is _INVALID else element for element in salvaged_items]
    member = _model_of(annotation, value)
    salvaged = _salvage(member, value) if member is not None else None
    return salvaged if salvaged is not None else _INVALID


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    # Models carry their own config; a bare field type needs the one its model would give it.
    return TypeAdapter(annotation, config=None if _contains_model(annotation) else _FIELD_CONFIG)


def _contains_model(annotation: Any) -> bool:
    return _is_model(annotation) or any(_contains_model(arg) for arg in get_args(annotation))


def _problem(document: YamlDocument, model: type[BaseModel], error: Any) -> Problem:
    kind: str = error["type"]
    path = tuple(part for part in error["loc"] if part not in _CARD_TYPE_TAGS)
    if kind == "extra_forbidden":
        name = str(path[-1])
        known = _known_fields(model, path[:-1], document)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known fields: {', '.join(known)}"
        return document.problem(path, f"unknown field '{name}'", hint, key=True)
    if kind == "missing":
        return document.problem(path, f"required field '{path[-1]}' is missing")
    if kind == "value_error":
        field, _, message = str(error["msg"]).removeprefix("Value error, ").partition(": ")
        return document.problem((*path, field), message)
    if kind in ("too_short", "too_long"):
        limits = error.get("ctx", {})
        if kind == "too_short":
            message = f"needs at least {limits.get('min_length')} item(s)"
        else:
            message = f"allows at most {limits.get('max_length')} items"
        return document.problem(path, message)
    if kind == "literal_error":
        return document.problem(path, f"must be one of {error['ctx']['expected']}")
    if kind == "union_tag_invalid":
        return document.problem((*path, "type"), f"unknown card type '{error['ctx']['tag']}'", _HINTS[kind])
    message = _MESSAGES.get(kind, str(error["msg"]).lower())
    return document.problem(path, message, _HINTS.get(kind))


_CARD_TYPE_TAGS = frozenset({"choice", "truefalse", "short", "flashcard"})


def _known_fields(model: type[BaseModel], path: tuple[Any, ...], document: YamlDocument) -> list[str]:
    """Field names allowed at ``path``, found by walking the schema alongside the data.

    A field's model is chosen only once the walk reaches the mapping it describes, so a card's
    ``type`` picks its fields (a short card suggests ``answers``, not a choice card's ``answer``).
    """
    current: Any = model
    pending: Any = None
    data: Any = document.data
    for part in path:
        if isinstance(part, str):
            if pending is not None:
                current, pending = _model_of(pending, data), None
            if not _is_model(current) or part not in current.model_fields:
                return []
            pending = current.model_fields[part].annotation
        data = _child(data, part)
    if pending is not None:
        current = _model_of(pending, data)
    return sorted(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _child(data: Any, part: str | int) -> Any:
    if isinstance(data, dict):
        return data.get(part)
    if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
        return data[part]
    return None


def _model_of(annotation: Any, data: Any) -> Any:
    """The BaseModel inside ``list[...]``/unions; for card unions, the one named by ``type``."""
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg, data)
        if found is not None:
            return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        literal = annotation.model_fields.get("type")
        if literal is None or not isinstance(data, dict):
            return annotation
        return annotation if data.get("type") in getattr(literal.annotation, "__args__", ()) else None
    metadata_origin = getattr(annotation, "__origin__", None)
    return _model_of(metadata_origin, data) if metadata_origin is not None else None
