"""What every listener and job needs, built once by the entry point and passed down."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.config import OrgConfig, Settings
from bot.jobs import JobQueue
from bot.services.roles import RoleCatalog


@dataclass
class AppDeps:
    settings: Settings
    org: OrgConfig
    roles: RoleCatalog
    session_factory: sessionmaker[Session]
    clock: Clock
    client: WebClient
    jobs: JobQueue

    def is_admin(self, user_id: str) -> bool:
        return self.org.is_admin(user_id)
