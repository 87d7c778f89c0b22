from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

Username = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=40,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="3-40 letters, digits, '_', '.' or '-', starting with a letter or digit",
    ),
]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LanguageCode = Annotated[
    str,
    msgspec.Meta(
        min_length=2,
        max_length=20,
        pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$",
        description="a BCP 47 language tag such as 'fr' or 'pt-BR'",
    ),
]
Languages = Annotated[list[LanguageCode], msgspec.Meta(max_length=20)]
Email = Annotated[str, msgspec.Meta(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class AccountCreate(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password
    languages: Languages = msgspec.field(default_factory=list)
    email: Email | None = None


class AccountCreated(msgspec.Struct):
    id: int
    username: str
    level: int


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    password: Password


class TokenCreated(msgspec.Struct):
    token: str
    expires_at: datetime


class NextLevel(msgspec.Struct):
    level: int
    name: str
    missing: list[str]


class Profile(msgspec.Struct):
    id: int
    username: str
    display_name: str | None
    email: str | None
    languages: list[str]
    level: int
    level_name: str
    is_admin: bool
    credit: int
    accepted: int
    rejected: int
    reviews: int
    accuracy: float | None
    next_level: NextLevel | None


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True):
    languages: Languages | msgspec.UnsetType = msgspec.UNSET
    display_name: DisplayName | msgspec.UnsetType | None = msgspec.UNSET
