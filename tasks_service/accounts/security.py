"""Password hashing (Argon2, off the event loop) and bearer token generation."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the username does not exist, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str, secret_key: str) -> str:
    """Keyed with SECRET_KEY: a copy of the tokens table alone cannot be checked against."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def password_problems(password: str, username: str) -> list[str]:
    """Why a password is too weak, in words a person can act on (empty when it is fine)."""
    problems = []
    if len(password) < 10:
        problems.append("a password needs at least 10 characters")
    if len(set(password)) < 5:
        problems.append("a password needs at least 5 different characters")
    if username.lower() in password.lower():
        problems.append("a password must not contain the username")
    return problems
