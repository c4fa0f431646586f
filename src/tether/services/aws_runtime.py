"""The AWS session settings of this process, from Tether's settings."""

from __future__ import annotations

from tether.aws.sessions import AwsSessions, AwsSettings
from tether.config import Settings
from tether.services.validation import ValidationOptions


def aws_sessions(settings: Settings) -> AwsSessions:
    return AwsSessions(
        AwsSettings(
            endpoint_url=settings.effective_aws_endpoint_url,
            home_region=settings.aws_home_region,
            session_seconds=settings.aws_session_seconds,
            max_attempts=settings.aws_max_attempts,
        )
    )


def validation_options(settings: Settings, label: str = "validation") -> ValidationOptions:
    return ValidationOptions(propagation_seconds=settings.iam_propagation_seconds, label=label)
