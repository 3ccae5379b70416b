"""Accounts (domains), their projects and users, and AK/SK pairs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Domain:
    id: str
    name: str


@dataclass(slots=True, frozen=True)
class Project:
    id: str
    name: str
    domain_id: str


@dataclass(slots=True, frozen=True)
class User:
    id: str
    name: str
    domain_id: str
    password_hash: str


@dataclass(slots=True, frozen=True)
class AccessKey:
    access_key: str
    user_id: str
    domain_id: str
    #: the secret key encrypted under the server's master key
    secret_enc: bytes
    active: bool
