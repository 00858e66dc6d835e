"""Users and the personas that hold API tokens (owner, site auditor, members)."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass

from faker import Faker

ROLES = ("owner", "auditor", "member")
_ALPHANUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class User:
    """A Coder user as ``MinimalUser`` shows it (name and avatar omitted when empty)."""

    id: str
    username: str
    name: str = ""
    avatar_url: str = ""
    role: str = "member"

    def minimal(self) -> dict[str, str]:
        """``codersdk.MinimalUser`` in Go field order, with omitempty applied."""
        body = {"id": self.id, "username": self.username}
        if self.name:
            body["name"] = self.name
        if self.avatar_url:
            body["avatar_url"] = self.avatar_url
        return body


@dataclass(frozen=True)
class Persona:
    """A user the mock hands a session token to."""

    user: User
    token: str

    @property
    def key_id(self) -> str:
        return self.token.split("-", 1)[0]

    @property
    def secret(self) -> str:
        return self.token.split("-", 1)[1]


_PERSONA_USERS = (
    ("admin", "Ada Admin", "owner"),
    ("auditor", "Audrey Auditor", "auditor"),
    ("alice", "Alice Member", "member"),
    ("bob", "", "member"),
)


def _digest(seed: int, label: str) -> bytes:
    return hashlib.sha256(f"aibridge-mock:{seed}:{label}".encode()).digest()


def seeded_uuid(seed: int, label: str) -> str:
    """A version-4 UUID that is a pure function of the seed and a label."""
    raw = bytearray(_digest(seed, label)[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def seeded_chars(seed: int, label: str, length: int) -> str:
    """``length`` alphanumeric characters that are a pure function of the seed and a label."""
    digest = _digest(seed, label) + _digest(seed, label + "+")
    return "".join(_ALPHANUM[b % len(_ALPHANUM)] for b in digest[:length])


def build_personas(seed: int) -> list[Persona]:
    """The four personas; same seed, same ids and tokens (Coder format: 10-char id, 22-char secret)."""
    personas = []
    for username, name, role in _PERSONA_USERS:
        user = User(
            id=seeded_uuid(seed, f"user:{username}"),
            username=username,
            name=name,
            avatar_url=_avatar(int.from_bytes(_digest(seed, username)[:3], "big"))
            if role != "member" or name
            else "",
            role=role,
        )
        token = f"{seeded_chars(seed, f'key:{username}', 10)}-{seeded_chars(seed, f'secret:{username}', 22)}"
        personas.append(Persona(user, token))
    return personas


def generate_users(seed: int, count: int, taken: set[str]) -> list[User]:
    """``count`` realistic members; some have no display name or avatar, as real deployments do."""
    fake = Faker("en_US")
    users: list[User] = []
    for index in range(count):
        fake.seed_instance(f"{seed}:user:{index}")
        first, last = fake.first_name(), fake.last_name()
        username = _unique(f"{first[0]}{last}".lower().replace("'", ""), taken)
        has_name = fake.random.random() < 0.85
        has_avatar = fake.random.random() < 0.7
        users.append(
            User(
                id=seeded_uuid(seed, f"user:{index}"),
                username=username,
                name=f"{first} {last}" if has_name else "",
                avatar_url=_avatar(fake.random.randint(1_000, 190_000_000)) if has_avatar else "",
            )
        )
    return users


def _avatar(github_id: int) -> str:
    return f"https://avatars.githubusercontent.com/u/{github_id}?v=4"


def _unique(base: str, taken: set[str]) -> str:
    candidate, suffix = base, 1
    while candidate.lower() in taken:
        suffix += 1
        candidate = f"{base}{suffix}"
    taken.add(candidate.lower())
    return candidate
