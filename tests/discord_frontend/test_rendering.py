"""Reply → discord.py objects: embed, rows of buttons, files, modal; and reading a submitted modal."""

from __future__ import annotations

import discord

from bot.core.presentation.replies import Attachment, Button, ButtonStyle, Field, Reply, TextPrompt, Tone
from bot.discord_frontend.action_button import ActionButton
from bot.discord_frontend.components import submitted_text
from bot.discord_frontend.rendering import PROMPT_FIELD_ID, prompt_modal, reply_kwargs


async def test_a_reply_becomes_an_embed_coloured_by_its_tone() -> None:
    reply = Reply(title="Title", body="**Body**", fields=(Field("Name", "Value", inline=True),), footer="Foot",
                  tone=Tone.WARNING)

    kwargs = reply_kwargs(reply)

    embed = kwargs["embed"]
    assert embed.to_dict() == {
        "title": "Title", "description": "**Body**", "color": discord.Colour.gold().value, "type": "rich",
        "fields": [{"name": "Name", "value": "Value", "inline": True}], "footer": {"text": "Foot"}, "flags": 0,
    }
    assert kwargs["ephemeral"] is True
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert "view" not in kwargs and "files" not in kwargs


async def test_buttons_fill_rows_of_five_with_their_action_as_custom_id() -> None:
    buttons = tuple(Button(f"B{i}", f"sb:def:t{i}", ButtonStyle.DANGER if i == 0 else ButtonStyle.SECONDARY,
                           disabled=i == 6) for i in range(7))

    view = reply_kwargs(Reply(title="t", buttons=buttons))["view"]

    assert view.timeout is None
    assert all(isinstance(item, ActionButton) for item in view.children)
    rows = view.to_components()
    assert [len(row["components"]) for row in rows] == [5, 2]
    first, last = rows[0]["components"][0], rows[1]["components"][1]
    assert (first["custom_id"], first["label"], first["style"]) == ("sb:def:t0", "B0", discord.ButtonStyle.danger.value)
    assert (last["custom_id"], last["disabled"]) == ("sb:def:t6", True)


async def test_attachments_become_files_and_public_replies_are_not_ephemeral() -> None:
    reply = Reply(title="Export", ephemeral=False, attachments=(Attachment("a.csv", b"x,y\n", "numbers"),))

    kwargs = reply_kwargs(reply)

    [file] = kwargs["files"]
    assert (file.filename, file.description, file.fp.read()) == ("a.csv", "numbers", b"x,y\n")
    assert kwargs["ephemeral"] is False


async def test_an_edit_clears_buttons_and_attachments_it_does_not_have() -> None:
    kwargs = reply_kwargs(Reply(title="Done"), edit=True)

    assert kwargs["view"] is None
    assert kwargs["attachments"] == []
    assert "ephemeral" not in kwargs


async def test_a_prompt_becomes_a_modal_with_one_labelled_text_field() -> None:
    prompt = TextPrompt("sb:txt:abc:0", "Your answer", "Which company?", placeholder="A few words", max_length=300)

    modal = prompt_modal(prompt)

    data = modal.to_dict()
    assert (data["custom_id"], data["title"]) == ("sb:txt:abc:0", "Your answer")
    [label] = data["components"]
    assert (label["type"], label["label"]) == (18, "Which company?")
    field = label["component"]
    assert {k: field[k] for k in ("type", "custom_id", "placeholder", "required", "max_length")} == {
        "type": 4, "custom_id": PROMPT_FIELD_ID, "placeholder": "A few words", "required": True, "max_length": 300}


def test_the_submitted_text_is_found_in_a_label_or_an_action_row() -> None:
    labelled = {"components": [{"type": 18, "component": {"type": 4, "custom_id": PROMPT_FIELD_ID, "value": "a"}}]}
    in_row = {"components": [{"type": 1, "components": [{"type": 4, "custom_id": PROMPT_FIELD_ID, "value": "b"}]}]}

    assert submitted_text(labelled) == "a"
    assert submitted_text(in_row) == "b"
    assert submitted_text({"components": []}) == ""
