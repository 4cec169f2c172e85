"""BERT's uncased WordPiece tokenizer, as the bundled sentence encoder was trained with it.

Written out (about fifty lines) rather than taken from the ``tokenizers`` package, which
would bring the Hugging Face hub client along with it. It follows BertNormalizer,
BertPreTokenizer and WordPiece with lower-casing and accent stripping; a test checks it
gives the reference tokenizer's ids on the shipped content.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

MAX_WORD_CHARS = 100
"""A longer word becomes [UNK], as in BERT."""


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2A6DF
            or 0x2A700 <= code <= 0x2B73F or 0x2B740 <= code <= 0x2B81F or 0x2B820 <= code <= 0x2CEAF
            or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F)


def _normalise(text: str) -> str:
    """Drop control characters, space out CJK characters, lower-case and strip accents."""
    out = []
    for char in text:
        code = ord(char)
        if code in (0, 0xFFFD) or (unicodedata.category(char).startswith("C") and char not in "\t\n\r"):
            continue
        if char.isspace():
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(out).lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _pieces(text: str) -> list[str]:
    """Whitespace-separated words with every punctuation character a piece of its own."""
    pieces: list[str] = []
    for word in text.split():
        start = 0
        for i, char in enumerate(word):
            if _is_punctuation(char):
                if start < i:
                    pieces.append(word[start:i])
                pieces.append(char)
                start = i + 1
        if start < len(word):
            pieces.append(word[start:])
    return pieces


class WordPiece:
    """Text -> vocabulary ids, [CLS] ... [SEP], cut to a maximum length."""

    def __init__(self, vocab_file: Path) -> None:
        tokens = vocab_file.read_text(encoding="utf-8").splitlines()
        self._ids = {token: i for i, token in enumerate(tokens)}
        self._unk = self._ids["[UNK]"]
        self.cls, self.sep, self.pad = self._ids["[CLS]"], self._ids["[SEP]"], self._ids["[PAD]"]
        self._word_ids = lru_cache(maxsize=65536)(self._split_word)

    def encode(self, text: str, max_length: int) -> list[int]:
        """The ids of ``text`` between [CLS] and [SEP], at most ``max_length`` in all."""
        ids: list[int] = []
        for piece in _pieces(_normalise(text)):
            ids.extend(self._word_ids(piece))
        return [self.cls, *ids[: max_length - 2], self.sep]

    def _split_word(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first split into known pieces, or [UNK] for the whole word."""
        if len(word) > MAX_WORD_CHARS:
            return (self._unk,)
        ids = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else f"##{word[start:end]}"
                if piece in self._ids:
                    ids.append(self._ids[piece])
                    break
                end -= 1
            else:
                return (self._unk,)
            start = end
        return tuple(ids)
