"""Deterministic fakes for a recording that leaves the building (``--anonymize``).

Replaced: user names, usernames, avatars, e-mail addresses and usernames inside interception
metadata, prompts, the model's thoughts, tool inputs and tool errors. Dropped: credential hints
and API key ids. Kept: ids (interceptions, users, sessions, sub-records), times, models,
providers, clients, tools, token counts and provider response ids, so the recording orders,
filters, paginates and sums exactly like the original.

A fake is a pure function of the real value (HMAC-SHA256 keyed with an optional secret salt):
the same user or prompt gets the same fake in every recording. Without a salt anyone can test
a guess ("is this user jdoe?"); with one (``AIBRIDGE_MOCK_PROXY_ANONYMIZE_SALT``) nobody can.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from faker import Faker

__all__ = ["Anonymizer"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ALNUM = re.compile(r"[^a-z0-9]")


class Anonymizer:
    """Turns real values into fakes; not thread-safe (the recorder's writer is its only caller)."""

    def __init__(self, salt: str = "") -> None:
        self._key = b"aibridge-mock-anonymize\x00" + salt.encode()
        self._faker = Faker("en_US")
        self._usernames: dict[str, str] = {}  # real (lower case) -> fake, for metadata values

    def _seed(self, kind: str, value: str) -> bytes:
        digest = hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()
        self._faker.seed_instance(int.from_bytes(digest[:8], "big"))
        return digest

    def user(self, user: dict[str, str]) -> dict[str, str]:
        """A minimal user with the same id and a fake username, name and avatar."""
        digest = self._seed("user", user["id"])
        first, last = self._faker.first_name(), self._faker.last_name()
        stem = _ALNUM.sub("", f"{first[0]}{last}".lower())[:20] or "user"
        username = f"{stem}-{digest[8:11].hex()}"  # the suffix keeps fakes unique and apart from personas
        self._usernames[user["username"].lower()] = username
        fake = {"id": user["id"], "username": username}
        if user.get("name"):
            fake["name"] = f"{first} {last}"
        if user.get("avatar_url"):
            fake["avatar_url"] = f"https://www.gravatar.com/avatar/{digest[11:27].hex()}?d=identicon"
        return fake

    def text(self, value: str, kind: str = "text") -> str:
        """Fake prose of about the same number of words; empty stays empty."""
        if not value:
            return value
        self._seed(kind, value)
        words = max(3, min(60, len(value.split())))
        return str(self._faker.sentence(nb_words=words, variable_nb_words=False))

    def tool_input(self, value: str) -> str:
        """JSON arguments keep their shape (keys, numbers, booleans); every string becomes a fake."""
        try:
            parsed = json.loads(value)
        except ValueError:
            return self.text(value, "tool-input")
        return json.dumps(self._strings(parsed), ensure_ascii=False, separators=(",", ":"))

    def _strings(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self._strings(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._strings(v) for v in value]
        if isinstance(value, str) and value:
            self._seed("tool-string", value)
            return "-".join(self._faker.words(nb=max(1, min(8, len(value) // 8))))
        return value

    def metadata(self, value: Any) -> Any:
        """Interception metadata with usernames (users must be faked first) and e-mails replaced."""
        if isinstance(value, dict):
            return {k: self.metadata(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.metadata(v) for v in value]
        if isinstance(value, str):
            fake = self._usernames.get(value.lower())
            if fake is not None:
                return fake
            if _EMAIL.fullmatch(value):
                digest = self._seed("email", value.lower())
                return f"user-{digest[:4].hex()}@example.com"
        return value

    def interception(self, record: dict[str, Any]) -> dict[str, Any]:
        """A fixture interception with its personal and secret parts replaced."""
        fake = dict(record)
        if "api_key_id" in fake:
            fake["api_key_id"] = None
        fake.pop("credential_hint", None)
        if "metadata" in fake:
            fake["metadata"] = self.metadata(fake["metadata"])
        fake["user_prompts"] = [
            p | {"prompt": self.text(p["prompt"], "prompt")} for p in record["user_prompts"]
        ]
        fake["tool_usages"] = [
            t
            | {
                "input": self.tool_input(t["input"])
                if isinstance(t.get("input"), str)
                else t.get("input", ""),
                "invocation_error": self.text(t.get("invocation_error", ""), "tool-error"),
            }
            for t in record["tool_usages"]
        ]
        fake["model_thoughts"] = [
            m | {"text": self.text(m["text"], "thought")} for m in record["model_thoughts"]
        ]
        return fake
