"""A loopback fake of Discord's REST API, and builders of the gateway payloads a bot receives.

The real discord.py talks to it (``discord.http.Route.BASE`` points here), so tests exercise
the library's own request building, parsing and dispatch (DESIGN.md §7). The fake keeps the
messages the bot creates, so a test can click a button of a message the way Discord would
send it: with the message, its components and its interaction metadata.

Usage::

    fake = FakeDiscord(); base = await fake.start()
    monkeypatch.setattr(discord.http.Route, "BASE", base)
    await bot.login("x")
    exchange = await fake.interact(bot, fake.command(STUDENT, "quiz", {"type": "short"}))
    exchange = await fake.interact(bot, fake.click(STUDENT, exchange.message_id, "sb:ask:…"))

Responses carry ``Content-Type: application/json`` exactly: discord.py compares the header
with ``==`` and would otherwise treat the body as text.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

API = "/api/v10"
APP_ID = 900_000_000_000_000_001
GUILD_ID = 800_000_000_000_000_001
CHANNEL_ID = 700_000_000_000_000_001
DM_CHANNEL_ID = 700_000_000_000_000_002
EPHEMERAL = 64
MANAGE_GUILD = 1 << 5
TIMESTAMP = "2024-05-01T09:00:00.000000+00:00"
DISPATCH_TASKS = ("CommandTree-invoker", "discord-ui-dynamic-item", "discord-ui-view-dispatch",
                  "discord-ui-modal-dispatch", "discord.py: ")
"""Names of the tasks discord.py starts to handle one incoming event (see :meth:`FakeDiscord.settle`)."""

BOT_USER = {"id": str(APP_ID), "username": "studybot", "discriminator": "0", "global_name": "Study Bot",
            "avatar": None, "bot": True, "flags": 0, "verified": True, "mfa_enabled": False}


@dataclass(frozen=True)
class Person:
    """Someone who uses the bot: a Discord user, and in the guild a member with roles and permissions."""

    id: int
    name: str
    permissions: int = 0
    roles: tuple[int, ...] = ()

    def user(self) -> dict[str, Any]:
        return {"id": str(self.id), "username": self.name.lower(), "discriminator": "0",
                "global_name": self.name, "avatar": None, "public_flags": 0}

    def member(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"roles": [str(r) for r in self.roles], "flags": 0, "joined_at": TIMESTAMP,
                                "deaf": False, "mute": False, "nick": None, "avatar": None,
                                "permissions": str(self.permissions)}
        if with_user:
            data["user"] = self.user()
        return data


STUDENT = Person(111_000_000_000_000_001, "Ada")
OTHER = Person(111_000_000_000_000_002, "Grace")
INSTRUCTOR = Person(111_000_000_000_000_003, "Prof", permissions=MANAGE_GUILD)
TA_ROLE = 222_000_000_000_000_001
ASSISTANT = Person(111_000_000_000_000_004, "Tutor", roles=(TA_ROLE,))
"""A member without Manage Server but with the role the test settings name as the instructor role."""


@dataclass(frozen=True)
class FakeAttachment:
    """A file attached to a command option; its bytes are served by the fake at ``url``."""

    id: int
    filename: str
    data: bytes
    url: str

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "filename": self.filename, "size": len(self.data), "url": self.url,
                "proxy_url": self.url, "content_type": "application/x-yaml"}


@dataclass
class Request:
    """One request the bot made; ``json`` is the body (``payload_json`` for multipart), ``files`` the parts."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    message_id: int | None = None
    """The message this request created or changed, in the fake's message store."""

    @property
    def kind(self) -> str:
        if self.path.endswith("/callback"):
            return "callback"
        if self.path.startswith(f"{API}/webhooks/"):
            return "followup"
        if self.path.startswith(f"{API}/channels/") and "/messages" in self.path:
            return "channel"
        return "api"

    @property
    def message(self) -> dict[str, Any] | None:
        """The message body sent: a callback's ``data``, a followup's body, or a channel message or edit."""
        if self.kind == "callback":
            return self.json.get("data") if self.json.get("type") in (4, 7) else None
        if self.kind in ("followup", "channel"):
            return self.json
        return None


@dataclass
class Exchange:
    """Everything the bot sent to Discord while handling one interaction."""

    requests: list[Request]

    @property
    def callbacks(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "callback"]

    @property
    def callback(self) -> Request:
        """The one interaction response (Discord accepts exactly one)."""
        assert len(self.callbacks) == 1, f"expected one interaction response, got {self.requests}"
        return self.callbacks[0]

    @property
    def followups(self) -> list[Request]:
        return [r for r in self.requests if r.kind == "followup"]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Message bodies sent (responses and followups), in order."""
        return [m for r in self.requests if (m := r.message) is not None]

    @property
    def message(self) -> dict[str, Any]:
        """The last message body sent."""
        assert self.messages, f"no message was sent: {self.requests}"
        return self.messages[-1]

    @property
    def embed(self) -> dict[str, Any]:
        """The embed of the last message sent."""
        embeds = self.message.get("embeds") or []
        assert len(embeds) == 1, self.message
        return embeds[0]

    @property
    def text(self) -> str:
        """Title, description, fields and footer of the last embed, as one string to search."""
        embed = self.embed
        parts = [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(parts)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The buttons of the last message sent."""
        return list(buttons_of(self.message))

    @property
    def message_id(self) -> int:
        """The id of the message the last request created or updated (to click its buttons)."""
        ids = [r.message_id for r in self.requests if r.message_id is not None]
        assert ids, f"no message was created: {self.requests}"
        return ids[-1]

    def button(self, prefix: str) -> dict[str, Any]:
        """The first button of the last message whose custom_id starts with ``prefix``."""
        for button in self.buttons:
            if button["custom_id"].startswith(prefix):
                return button
        raise AssertionError(f"no button {prefix!r} in {[b['custom_id'] for b in self.buttons]}")


def buttons_of(message: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for row in message.get("components") or []:
        for component in row.get("components", []):
            if component.get("type") == 2:
                yield component


def flags_of(message: Mapping[str, Any]) -> int:
    return int(message.get("flags") or 0)


class FakeDiscord:
    """Discord's REST API on 127.0.0.1, recording what the bot sends and keeping its messages."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self._ids = itertools.count(1_000_000_000_000_000_001)
        self._tokens = itertools.count(1)
        self._interactions: dict[str, dict[str, Any]] = {}
        self._deferred: dict[str, int] = {}
        self._failures: list[tuple[str, str, int]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # Server lifecycle

    async def start(self) -> str:
        """Start serving; returns the API base to put in ``discord.http.Route.BASE``."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        await web.SockSite(self._runner, listener).start()
        self.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        return self.base_url + API

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # Feeding interactions

    async def interact(self, bot: Any, payload: dict[str, Any]) -> Exchange:
        """Deliver an INTERACTION_CREATE event and return what the bot sent while handling it."""
        return await self.event(bot, "INTERACTION_CREATE", payload)

    async def event(self, bot: Any, name: str, payload: dict[str, Any]) -> Exchange:
        """Deliver any gateway event (the bot must be logged in) and return what the bot sent."""
        first = len(self.requests)
        bot._connection.parsers[name](payload)
        await self.settle()
        return Exchange(self.requests[first:])

    @staticmethod
    async def settle() -> None:
        """Wait until every task discord.py started for the events so far has finished.

        Only dispatch tasks are waited for (by name), not the server's connection tasks or a
        view's 15-minute timeout; new ones started meanwhile are waited for too.
        """
        me = asyncio.current_task()
        while True:
            pending = [t for t in asyncio.all_tasks()
                       if t is not me and not t.done() and t.get_name().startswith(DISPATCH_TASKS)]
            if not pending:
                return
            _, still = await asyncio.wait(pending, timeout=10)
            assert not still, f"tasks did not finish: {still}"

    def fail(self, method: str, path_part: str, status: int = 403) -> None:
        """Answer matching requests with an error from now on (Discord having a bad day).

        discord.py retries 5xx answers with backoff, so tests that must stay fast use a 4xx.
        """
        self._failures.append((method, path_part, status))

    def recover(self) -> None:
        """Stop failing requests (undoes every :meth:`fail`)."""
        self._failures.clear()

    def requests_to(self, method: str, path_part: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and path_part in r.path]

    # Payload builders

    def command(self, person: Person, name: str, options: Mapping[str, Any] | None = None, *,
                in_guild: bool = True) -> dict[str, Any]:
        """A slash command; ``name`` may be ``"instructor reload"``. Values: str, int, bool,
        :class:`Person` (a user option) or :class:`FakeAttachment`."""
        resolved: dict[str, dict[str, Any]] = {}
        built = [self._option(key, value, resolved, in_guild) for key, value in (options or {}).items()]
        head, *rest = name.split()
        if rest:
            built = [{"name": rest[0], "type": 1, "options": built}]
        data: dict[str, Any] = {"id": "1", "name": head, "type": 1, "options": built}
        if resolved:
            data["resolved"] = resolved
        return self._interaction(2, person, data, in_guild=in_guild)

    def autocomplete(self, person: Person, name: str, option: str, value: str) -> dict[str, Any]:
        """Discord asking for choices while ``person`` types ``value`` into ``option``."""
        head, *rest = name.split()
        built: list[dict[str, Any]] = [{"name": option, "type": 3, "value": value, "focused": True}]
        if rest:
            built = [{"name": rest[0], "type": 1, "options": built}]
        return self._interaction(4, person, {"id": "1", "name": head, "type": 1, "options": built})

    def click(self, person: Person, message_id: int, custom_id: str) -> dict[str, Any]:
        """A press of the button ``custom_id`` on a message the bot sent earlier."""
        message = self.messages[message_id]
        ids = [b["custom_id"] for b in buttons_of(message)]
        assert custom_id in ids, f"{custom_id!r} is not a button of message {message_id}: {ids}"
        payload = self._interaction(3, person, {"custom_id": custom_id, "component_type": 2})
        payload["message"] = json.loads(json.dumps(message))
        return payload

    def submit(self, person: Person, modal: Mapping[str, Any], text: str, *,
               message_id: int | None = None) -> dict[str, Any]:
        """Submitting a modal the bot opened (``modal`` is the callback's data) with ``text`` typed in."""
        fields = [c["component"] for c in modal["components"] if c.get("type") == 18]
        components = [{"type": 18, "id": i + 1, "component": {"type": 4, "id": i + 100,
                                                                "custom_id": f["custom_id"], "value": text}}
                      for i, f in enumerate(fields)]
        payload = self._interaction(5, person, {"custom_id": modal["custom_id"], "components": components})
        if message_id is not None:
            payload["message"] = json.loads(json.dumps(self.messages[message_id]))
        return payload

    @staticmethod
    def guild_create(roles: Mapping[int, str]) -> dict[str, Any]:
        """The GUILD_CREATE the guilds intent brings: the test guild with these roles (id → name)."""
        everyone = {int(GUILD_ID): "@everyone"}
        return {
            "id": str(GUILD_ID), "name": "Class", "owner_id": "1", "unavailable": False, "member_count": 1,
            "features": [], "emojis": [], "stickers": [], "channels": [], "members": [], "threads": [],
            "roles": [{"id": str(role_id), "name": name, "permissions": "0", "position": position, "color": 0,
                       "hoist": False, "managed": False, "mentionable": False, "flags": 0}
                      for position, (role_id, name) in enumerate({**everyone, **roles}.items())],
        }

    def attachment(self, filename: str, data: bytes) -> FakeAttachment:
        """A file a user attaches to a command, downloadable from the fake."""
        item = FakeAttachment(next(self._ids), filename, data, f"{self.base_url}/attachments/{filename}")
        self.files[filename] = data
        return item

    def _interaction(self, kind: int, person: Person, data: dict[str, Any], *,
                     in_guild: bool = True) -> dict[str, Any]:
        token = f"token-{next(self._tokens)}"
        payload: dict[str, Any] = {
            "id": str(next(self._ids)), "application_id": str(APP_ID), "type": kind, "token": token,
            "version": 1, "data": data, "locale": "en-US", "attachment_size_limit": 25 * 1024 * 1024,
            "app_permissions": "0", "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)},
        }
        if in_guild:
            payload.update(
                guild_id=str(GUILD_ID), guild={"id": str(GUILD_ID), "locale": "en-US", "features": []},
                guild_locale="en-US", context=0, member=person.member(), channel_id=str(CHANNEL_ID),
                channel={"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "study",
                         "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None},
            )
        else:
            payload.update(
                user=person.user(), context=1, channel_id=str(DM_CHANNEL_ID),
                channel={"id": str(DM_CHANNEL_ID), "type": 1, "recipients": [person.user()],
                         "last_message_id": None, "flags": 0},
            )
        self._interactions[token] = payload
        return payload

    def _option(self, name: str, value: Any, resolved: dict[str, dict[str, Any]], in_guild: bool) -> dict[str, Any]:
        if isinstance(value, Person):
            resolved.setdefault("users", {})[str(value.id)] = value.user()
            if in_guild:
                resolved.setdefault("members", {})[str(value.id)] = value.member(with_user=False)
            return {"name": name, "type": 6, "value": str(value.id)}
        if isinstance(value, FakeAttachment):
            resolved.setdefault("attachments", {})[str(value.id)] = value.payload()
            return {"name": name, "type": 11, "value": str(value.id)}
        if isinstance(value, bool):
            return {"name": name, "type": 5, "value": value}
        if isinstance(value, int):
            return {"name": name, "type": 4, "value": value}
        return {"name": name, "type": 3, "value": str(value)}

    # Serving

    async def _handle(self, request: web.Request) -> web.Response:
        body, files = await _read_body(request)
        recorded = Request(request.method, request.path, dict(request.query), body, files)
        self.requests.append(recorded)
        path = request.path
        for method, part, status in self._failures:
            if request.method == method and part in path:
                return _json({"message": "the fake was told to fail", "code": 0}, status=status)
        if path.startswith("/attachments/"):
            data = self.files.get(path.rsplit("/", 1)[-1])
            return web.Response(body=data, status=200 if data is not None else 404)
        parts = path.removeprefix(API).strip("/").split("/")
        if request.method == "GET" and parts == ["users", "@me"]:
            return _json(BOT_USER)
        if request.method == "GET" and parts == ["oauth2", "applications", "@me"]:
            return _json(_application())
        if request.method == "PUT" and parts[0] == "applications" and parts[-1] == "commands":
            guild_id = parts[3] if len(parts) == 5 else None
            return _json([{**c, "id": str(next(self._ids)), "application_id": str(APP_ID), "version": "1",
                           **({"guild_id": guild_id} if guild_id else {})} for c in body])
        if request.method == "POST" and parts[0] == "interactions" and parts[-1] == "callback":
            return self._callback(parts[2], recorded)
        if parts[0] == "webhooks" and len(parts) >= 3:
            return self._webhook(request.method, parts, recorded)
        if parts[0] == "channels" and len(parts) in (3, 4) and parts[2] == "messages":
            return self._channel_message(request.method, parts, recorded)
        return _json({"message": f"the fake has no {request.method} {path}", "code": 0}, status=404)

    def _callback(self, token: str, recorded: Request) -> web.Response:
        interaction = self._interactions[token]
        kind = recorded.json["type"]
        data = recorded.json.get("data") or {}
        message_id: int | None = None
        if kind == 4:  # a new message
            message_id = self._store(next(self._ids), data, recorded.files, interaction)
        elif kind == 5:  # "thinking…": the first followup fills this message in
            message_id = self._store(next(self._ids), {"flags": data.get("flags", 0)}, {}, interaction)
            self._deferred[token] = message_id
        elif kind == 7:  # the pressed message, updated
            message_id = int(interaction["message"]["id"])
            self.messages[message_id].update({k: v for k, v in data.items() if k != "allowed_mentions"})
        recorded.message_id = message_id
        response: dict[str, Any] = {"interaction": {
            "id": interaction["id"], "type": interaction["type"],
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags_of(data) & EPHEMERAL),
        }}
        if message_id is not None:
            response["interaction"]["response_message_id"] = str(message_id)
            response["resource"] = {"type": kind, "message": self.messages[message_id]}
        return _json(response)

    def _webhook(self, method: str, parts: list[str], recorded: Request) -> web.Response:
        token = parts[2]
        interaction = self._interactions[token]
        if method == "POST" and len(parts) == 3:
            message_id = self._deferred.pop(token, None)
            if message_id is None:
                message_id = next(self._ids)
            else:  # the first followup after a defer replaces the "thinking" message
                recorded.json.setdefault("flags", self.messages[message_id]["flags"])
            self._store(message_id, recorded.json, recorded.files, interaction)
        elif method == "PATCH" and len(parts) == 5:
            message_id = self._deferred.get(token) if parts[4] == "@original" else int(parts[4])
            assert message_id is not None
            self.messages[message_id].update(recorded.json)
        else:
            return _json({"message": f"the fake has no {method} webhook route", "code": 0}, status=404)
        recorded.message_id = message_id
        return _json(self.messages[message_id])

    def _channel_message(self, method: str, parts: list[str], recorded: Request) -> web.Response:
        """A message the bot posts in a channel (not as an interaction response), or its edit."""
        if method == "POST" and len(parts) == 3:
            message_id = next(self._ids)
            self._store(message_id, recorded.json, recorded.files, {"channel_id": parts[1]})
            self.messages[message_id].pop("interaction_metadata")
            self.messages[message_id].pop("webhook_id")
        elif method == "PATCH" and len(parts) == 4 and int(parts[3]) in self.messages:
            message_id = int(parts[3])
            self.messages[message_id].update({k: v for k, v in recorded.json.items() if k != "allowed_mentions"})
            self.messages[message_id]["edited_timestamp"] = TIMESTAMP
        else:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        recorded.message_id = message_id
        return _json(self.messages[message_id])

    def _store(self, message_id: int, data: Mapping[str, Any], files: Mapping[str, tuple[str, bytes]],
               interaction: Mapping[str, Any]) -> int:
        user = interaction.get("member", {}).get("user") or interaction.get("user")
        self.messages[message_id] = {
            "id": str(message_id), "channel_id": interaction.get("channel_id", str(CHANNEL_ID)), "type": 0,
            "content": data.get("content") or "", "author": BOT_USER, "embeds": data.get("embeds") or [],
            "components": data.get("components") or [], "flags": flags_of(data),
            "attachments": [{"id": str(next(self._ids)), "filename": name, "size": len(blob),
                             "url": f"{self.base_url}/attachments/{name}", "proxy_url": ""}
                            for name, blob in files.values()],
            "mentions": [], "mention_roles": [], "mention_everyone": False, "pinned": False, "tts": False,
            "timestamp": TIMESTAMP, "edited_timestamp": None, "application_id": str(APP_ID),
            "webhook_id": str(APP_ID),
            "interaction_metadata": {"id": interaction.get("id"), "type": interaction.get("type"), "user": user,
                                     "authorizing_integration_owners": {}},
        }
        return message_id


def _application() -> dict[str, Any]:
    return {"id": str(APP_ID), "name": "Study Bot", "description": "", "icon": None, "bot_public": True,
            "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
            "owner": {**BOT_USER, "id": "1", "username": "owner", "bot": False}}


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(data).encode("utf-8"), status=status,
                        headers={"Content-Type": "application/json"})


async def _read_body(request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    if not request.can_read_body:
        return None, {}
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: dict[str, tuple[str, bytes]] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":
                payload = json.loads(data)
            else:
                files[str(part.name)] = (str(part.filename), bytes(data))  # type: ignore[union-attr]
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), {}
