"""Who acts in the service: roles, what each may do, and the actor recorded with every change."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """The role of an API key.

    admin: everything. reviewer: decides review items and appeals, reads.
    auditor: reads everything, changes nothing. platform: the platform's own
    integration: submits posts and files appeals on its users' behalf, reads.
    """

    ADMIN = "admin"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    PLATFORM = "platform"


class Permission(StrEnum):
    READ = "read"  # decisions, accounts, registry, queues
    SUBMIT = "submit"  # POST /v1/posts
    REVIEW = "review"  # claim and decide review items and appeals
    APPEAL = "appeal"  # file appeals
    AUDIT = "audit"  # read the audit log
    ADMIN = "admin"  # link accounts, take escalated items


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.REVIEWER: frozenset({Permission.READ, Permission.REVIEW}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.AUDIT}),
    Role.PLATFORM: frozenset({Permission.READ, Permission.SUBMIT, Permission.APPEAL}),
}


@dataclass(frozen=True)
class Actor:
    """A signed-in API key: its public id, its unique name and its role."""

    key_id: str
    name: str
    role: Role

    @property
    def label(self) -> str:
        """How the actor is written in the ledger and the audit log ("reviewer:alice")."""
        return f"{self.role}:{self.name}"

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]


SYSTEM = Actor("-", "system", Role.ADMIN)
