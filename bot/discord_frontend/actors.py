"""Who is acting, from a Discord interaction: scope, user key, name and instructor rights."""

from __future__ import annotations

from typing import Any, Protocol, cast

import discord

from bot.core.service.study_service import Actor, Member, StudyService


def actor_for(interaction: discord.Interaction[Any], instructor_role: str | None,
              course_guilds: frozenset[int] | None = None, owners: frozenset[int] = frozenset()) -> Actor:
    """The :class:`Actor` behind an interaction; progress is kept per server ("guild:<id>") or "dm".

    Instructors may change the course content only in ``course_guilds`` (``None``: nowhere, until
    the setting names one); the application's ``owners`` always may.
    """
    user = interaction.user
    scope = f"guild:{interaction.guild_id}" if interaction.guild_id else "dm"
    instructor = is_instructor(interaction, instructor_role)
    course_editor = user.id in owners or (
        instructor and course_guilds is not None and interaction.guild_id in course_guilds)
    return Actor(scope, str(user.id), user.display_name, instructor, course_editor=course_editor)


def member_for(user: discord.Member | discord.User) -> Member:
    """A member named in a command option."""
    return Member(str(user.id), user.display_name)


def is_instructor(interaction: discord.Interaction[Any], instructor_role: str | None) -> bool:
    """Whether the user may use instructor tools here, decided in code (not by Discord's UI hint).

    Only in a server: Manage Server (or Administrator) in the interaction's resolved
    permissions, or the configured instructor role, given as a role id or a role name.
    """
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return False
    permissions = interaction.permissions
    if permissions.manage_guild or permissions.administrator:
        return True
    return instructor_role is not None and has_role(member, instructor_role)


def has_role(member: discord.Member, role: str) -> bool:
    """Whether ``member`` has the role with this id or (case-insensitive) name.

    Ids are checked against the role ids Discord sends with every interaction, so they work
    even when the server's roles are not cached; names need the cached roles (guilds intent).
    """
    wanted = role.strip()
    if wanted.isdigit() and member._roles.has(int(wanted)):
        return True
    folded = wanted.casefold()
    return any(r.name.casefold() == folded for r in member.roles)


class StudyHost(Protocol):
    """What answering an interaction needs from the bot (:class:`client.StudyBot` is one)."""

    @property
    def service(self) -> StudyService:
        """The study service."""
        ...

    def actor(self, interaction: discord.Interaction[Any]) -> Actor:
        """Who is acting in ``interaction``."""
        ...

    async def answer_press(self, interaction: discord.Interaction[Any], action_id: str) -> None:
        """Answer a press of the button whose custom_id is ``action_id``."""
        ...


def study_host(interaction: discord.Interaction[Any]) -> StudyHost:
    """The bot behind ``interaction``, seen through what the handlers need of it."""
    return cast(StudyHost, interaction.client)
