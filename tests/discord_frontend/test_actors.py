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

    assert actor == Actor(f"guild:{GUILD_ID}", str(STUDENT.id), "Ada", is_instructor=False, course_editor=False)


async def test_in_a_dm_nobody_is_an_instructor(fake: FakeDiscord, bot: StudyBot) -> None:
    actor = actor_of(bot, fake.command(INSTRUCTOR, "topics", in_guild=False))

    assert actor == Actor("dm", str(INSTRUCTOR.id), "Prof", is_instructor=False, course_editor=False)


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


async def test_only_course_servers_instructors_and_the_owner_may_change_the_course(
        fake: FakeDiscord, start_bot: StartBot, settings: Settings) -> None:
    in_course = await start_bot(settings)
    assert actor_of(in_course, fake.command(INSTRUCTOR, "topics")).may_edit_course
    assert not actor_of(in_course, fake.command(STUDENT, "topics")).may_edit_course
    elsewhere = await start_bot(dataclasses.replace(settings, course_guild_ids=(GUILD_ID + 1,)))
    teacher = actor_of(elsewhere, fake.command(INSTRUCTOR, "topics"))
    assert teacher.is_instructor and not teacher.may_edit_course  # stats, export, reset stay per server
    owner = Person(1, "Owner")  # the application's owner, as Discord reports it at login
    assert actor_of(elsewhere, fake.command(owner, "topics")).may_edit_course


def test_course_servers_default_to_the_dev_guild_then_the_only_server() -> None:
    assert Settings(course_guild_ids=(5, 6)).course_guilds([1, 2]) == {5, 6}
    assert Settings(dev_guild_id=7).course_guilds([1, 2]) == {7}
    assert Settings().course_guilds([1]) == {1}
    assert Settings().course_guilds([1, 2]) is None  # several servers, none named: only the owner
    assert Settings.from_env({"STUDYBOT_COURSE_GUILDS": "12, 34"}, env_file=None).course_guild_ids == (12, 34)
    with pytest.raises(ValueError, match="STUDYBOT_COURSE_GUILDS"):
        Settings.from_env({"STUDYBOT_COURSE_GUILDS": "12,abc"})
