"""Who is acting: scope per server or DM, display name, and instructor rights decided in code."""

from __future__ import annotations

import dataclasses

import discord
import pytest

from bot.core.service.study_service import Actor
from bot.discord_frontend import StudyBot
from bot.discord_frontend.actors import member_for
from bot.settings import Settings
from tests.discord_frontend.conftest import StartBot
from tests.discord_frontend.fake_discord import (
    ASSISTANT,
    GUILD_ID,
    INSTRUCTOR,
    STUDENT,
    TA_ROLE,
    FakeDiscord,
    Person,
)

ADMINISTRATOR = 1 << 3


def actor_of(bot: StudyBot, payload: dict) -> Actor:
    return bot.actor(discord.Interaction(data=payload, state=bot._connection))  # type: ignore[arg-type]


async def test_a_guild_member_acts_in_the_guild_scope(fake: FakeDiscord, bot: StudyBot) -> None:
    actor = actor_of(bot, fake.command(STUDENT, "topics"))

    assert actor == Actor(f"guild:{GUILD_ID}", str(STUDENT.id), "Ada", is_instructor=False)


async def test_in_a_dm_nobody_is_an_instructor(fake: FakeDiscord, bot: StudyBot) -> None:
    actor = actor_of(bot, fake.command(INSTRUCTOR, "topics", in_guild=False))

    assert actor == Actor("dm", str(INSTRUCTOR.id), "Prof", is_instructor=False)


@pytest.mark.parametrize(("person", "expected"), [
    (INSTRUCTOR, True),
    (Person(5, "Admin", permissions=ADMINISTRATOR), True),
    (ASSISTANT, True),
    (Person(6, "Other role", roles=(TA_ROLE + 1,)), False),
    (STUDENT, False),
])
async def test_instructor_rights_come_from_manage_server_or_the_role_id(fake: FakeDiscord, bot: StudyBot,
                                                                        person: Person, expected: bool) -> None:
    assert actor_of(bot, fake.command(person, "topics")).is_instructor is expected


async def test_the_instructor_role_may_be_named(fake: FakeDiscord, start_bot: StartBot, settings: Settings) -> None:
    bot = await start_bot(dataclasses.replace(settings, instructor_role="Teachers"))
    await fake.event(bot, "GUILD_CREATE", fake.guild_create({TA_ROLE: "teachers", TA_ROLE + 1: "students"}))

    assert actor_of(bot, fake.command(ASSISTANT, "topics")).is_instructor
    assert not actor_of(bot, fake.command(Person(6, "Pupil", roles=(TA_ROLE + 1,)), "topics")).is_instructor
    reloaded = await fake.interact(bot, fake.command(ASSISTANT, "instructor reload"))
    assert reloaded.followups[0].json["embeds"][0]["title"] == "Content reloaded"


async def test_without_an_instructor_role_only_manage_server_counts(fake: FakeDiscord, start_bot: StartBot,
                                                                    settings: Settings) -> None:
    bot = await start_bot(dataclasses.replace(settings, instructor_role=None))

    assert not actor_of(bot, fake.command(ASSISTANT, "topics")).is_instructor
    assert actor_of(bot, fake.command(INSTRUCTOR, "topics")).is_instructor


async def test_a_member_option_becomes_a_member(fake: FakeDiscord, bot: StudyBot) -> None:
    interaction = discord.Interaction(data=fake.command(STUDENT, "topics"), state=bot._connection)  # type: ignore[arg-type]

    member = member_for(interaction.user)

    assert (member.user_key, member.display_name) == (str(STUDENT.id), "Ada")
