"""What the services of one process share: the database, the secret box, AWS sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from tether.aws.sessions import AwsSessions
from tether.config import Settings
from tether.discovery.limits import RateLimiter
from tether.security.secretbox import SecretBox
from tether.services.aws_runtime import aws_sessions, validation_options
from tether.services.validation import ValidationOptions
from tether.store.db import Database


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    db: Database
    box: SecretBox
    sessions: AwsSessions
    # One per process: every scan of the process shares AWS's per-bucket budgets.
    limiter: RateLimiter = field(default_factory=RateLimiter)

    @classmethod
    def create(cls, settings: Settings, db: Database, box: SecretBox) -> Runtime:
        return cls(settings, db, box, aws_sessions(settings))

    def validation_options(self, label: str) -> ValidationOptions:
        return validation_options(self.settings, label)
