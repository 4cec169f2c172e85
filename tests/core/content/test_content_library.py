from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.content.library import ContentLibrary
from bot.core.lookup.semantic.meaning import MeaningModel
from bot.core.problems import ContentError
from bot.core.service.template_samples import template_samples


async def test_broken_reload_keeps_old_content_then_fix_goes_live(content_dir: Path) -> None:
    library = ContentLibrary(content_dir, template_samples)
    old = library.load()
    deck = content_dir / "cards/history.yaml"
    original = deck.read_text(encoding="utf-8")

    deck.write_text(original.replace('prompt: "What has the island dispute blocked?"',
                                     'prompt: "What has the dispute blocked?"\n    prompt: again'), encoding="utf-8")
    failed = await library.reload()
    assert not failed.ok
    assert [str(p) for p in failed.problems] == [
        "cards/history.yaml:6:5: cards[0].prompt: duplicate key 'prompt' (it was already given on line 5; keep one)"
    ]
    assert library.snapshot is old
    assert library.snapshot.cards["hist-occupied"].prompt == "What has the island dispute blocked?"
    assert library.snapshot.index.search("Toshiba").total == 1

    deck.write_text(original.replace("What has the island dispute blocked?", "What did the dispute block?"),
                    encoding="utf-8")
    fixed = await library.reload()
    assert fixed.ok
    assert library.snapshot is fixed.snapshot is not old
    assert library.snapshot.cards["hist-occupied"].prompt == "What did the dispute block?"
    assert library.snapshot.card_hashes["hist-occupied"] != old.card_hashes["hist-occupied"]
    assert library.snapshot.card_hashes["trade-toshiba"] == old.card_hashes["trade-toshiba"]


async def test_explanation_edits_keep_the_card_hash(content_dir: Path) -> None:
    library = ContentLibrary(content_dir, template_samples)
    old = library.load()
    deck = content_dir / "cards/history.yaml"
    deck.write_text(deck.read_text(encoding="utf-8").replace("The paper says", "Clark says"), encoding="utf-8")
    assert (await library.reload()).snapshot.card_hashes == old.card_hashes


def test_first_load_of_broken_content_refuses(content_dir: Path) -> None:
    (content_dir / "course.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError):
        ContentLibrary(content_dir, template_samples).load()


async def test_uploaded_deck_is_checked_against_live_content(content_dir: Path) -> None:
    library = ContentLibrary(content_dir, template_samples)
    library.load()
    upload = "topic: trade\ncards:\n  - id: hist-occupied\n    type: flashcard\n    prompt: p\n" \
             "    answer: a\n    explain: e\n    cite: [{source: paper, quote: \"COCOM export controls\"}]\n"
    with pytest.raises(ContentError) as caught:
        await library.check(extra_decks={"upload.yaml": upload})
    assert [str(p) for p in caught.value.problems] == [
        "cards/upload.yaml:3:9: cards[0].id: duplicate card id 'hist-occupied' (first used at cards/history.yaml:3:9)"
    ]


async def test_each_snapshot_that_goes_live_is_encoded_for_search_by_meaning(
        content_dir: Path, meaning_model: MeaningModel) -> None:
    library = ContentLibrary(content_dir, template_samples)
    library.load()
    assert not library.snapshot.index.ranks_by_meaning
    library.rank_by_meaning(meaning_model)
    assert library.wait_for_meaning(timeout=120)
    (content_dir / "sources").joinpath("paper.md").open("a", encoding="utf-8").write(
        "\n\nA new closing paragraph about orchestras touring Vladivostok.\n")
    reloaded = await library.reload()
    assert reloaded.ok
    assert library.wait_for_meaning(timeout=120)
    assert reloaded.snapshot.index.ranks_by_meaning
    assert "orchestras" in reloaded.snapshot.index.search("orchestras on tour in vladivostok").hits[0].passage.text
