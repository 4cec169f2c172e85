"""The slash commands Discord receives are exactly the core's catalogue (nothing retyped, nothing drifted)."""

from __future__ import annotations

from typing import Any

from bot.core.command_catalog import COMMANDS, GROUPS, CommandSpec, OptionSpec, OptionType
from bot.discord_frontend import StudyBot
from tests.discord_frontend.fake_discord import FakeDiscord

OPTION_TYPES = {OptionType.STRING: 3, OptionType.INTEGER: 4, OptionType.BOOLEAN: 5, OptionType.USER: 6,
                OptionType.ATTACHMENT: 11}
MANAGE_GUILD = 1 << 5
GUILD_ONLY = [0]


def expected_option(spec: OptionSpec) -> dict[str, Any]:
    option: dict[str, Any] = {"name": spec.name, "description": spec.description, "type": OPTION_TYPES[spec.type],
                              "required": spec.required, "autocomplete": spec.autocomplete is not None}
    if spec.choices:
        option["choices"] = [{"name": c, "value": c} for c in spec.choices]
    for key in ("min_value", "max_value", "max_length"):
        if getattr(spec, key) is not None:
            option[key] = getattr(spec, key)
    return option


def sent_option(option: dict[str, Any]) -> dict[str, Any]:
    kept = {k: option[k] for k in ("name", "description", "type", "required", "choices", "min_value",
                                   "max_value", "max_length") if k in option}
    if "choices" in kept:
        kept["choices"] = [{"name": c["name"], "value": c["value"]} for c in kept["choices"]]
    kept["autocomplete"] = option.get("autocomplete", False)
    return kept


def expected_command(spec: CommandSpec) -> dict[str, Any]:
    return {"name": spec.name.split()[-1], "description": spec.description,
            "options": [expected_option(o) for o in spec.options]}


def sent_command(command: dict[str, Any]) -> dict[str, Any]:
    return {"name": command["name"], "description": command["description"],
            "options": [sent_option(o) for o in command.get("options", [])]}


def synced_schema(fake: FakeDiscord) -> list[dict[str, Any]]:
    [put] = fake.requests_to("PUT", "/commands")
    return put.json


async def test_the_synced_commands_are_the_catalogue(fake: FakeDiscord, bot: StudyBot) -> None:
    schema = {command["name"]: command for command in synced_schema(fake)}

    top_level = {spec.name for spec in COMMANDS.values() if " " not in spec.name}
    assert set(schema) == top_level | set(GROUPS)
    for name in top_level:
        assert sent_command(schema[name]) == expected_command(COMMANDS[name]), name
        assert schema[name]["type"] == 1

    for group_name, group_description in GROUPS.items():
        group = schema[group_name]
        assert group["description"] == group_description
        subcommands = {option["name"]: option for option in group["options"]}
        in_group = {spec.name.split()[1]: spec for spec in COMMANDS.values() if spec.name.startswith(f"{group_name} ")}
        assert set(subcommands) == set(in_group)
        for name, spec in in_group.items():
            assert subcommands[name]["type"] == 1
            assert sent_command(subcommands[name]) == expected_command(spec), name


async def test_only_instructor_commands_are_hidden_and_guild_only(fake: FakeDiscord, bot: StudyBot) -> None:
    schema = {command["name"]: command for command in synced_schema(fake)}

    assert schema["instructor"]["default_member_permissions"] == MANAGE_GUILD
    assert schema["instructor"]["contexts"] == GUILD_ONLY
    assert all(c["default_member_permissions"] is None for name, c in schema.items() if name != "instructor")
    assert schema["class"]["contexts"] == GUILD_ONLY  # /class scores is for everyone, but only in a server
    # every command says where it works on purpose: installed to servers only, usable there and in a DM
    assert all(c["integration_types"] == [0] for c in schema.values())
    assert all(c["contexts"] == [0, 1] for name, c in schema.items() if name not in ("instructor", "class"))


async def test_every_description_fits_discord(fake: FakeDiscord, bot: StudyBot) -> None:
    def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [x for item in items for x in (item, *walk(item.get("options", [])))]

    for item in walk(synced_schema(fake)):
        assert 1 <= len(item["description"]) <= 100, item["name"]
        assert 1 <= len(item["name"]) <= 32 and item["name"] == item["name"].lower()
