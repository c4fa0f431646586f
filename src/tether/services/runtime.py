"""What the services of one process share: the database, the secret box, AWS sessions."""

from __future__ import annotations

from dataclasses import dataclass, field

from tether.aws.sessions import AwsSessions
from tether.config import Settings
from tether.discovery.limits import Limiter, RateLimiter
from tether.discovery.shared_limits import make_limiter
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
    # Every scan shares AWS's per-bucket budgets: in this process, or through Redis across
    # all the workers when a broker is configured.
    limiter: Limiter = field(default_factory=RateLimiter)

    @classmethod
    def create(cls, settings: Settings, db: Database, box: SecretBox) -> Runtime:
        return cls(settings, db, box, aws_sessions(settings), make_limiter(settings.broker_url))

    def validation_options(self, label: str) -> ValidationOptions:
        return validation_options(self.settings, label)
