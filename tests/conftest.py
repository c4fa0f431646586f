"""Shared fixtures: databases on both backends, the app, a running server, the AWS emulator;
and the secret-hygiene checks every test runs under."""

pytest_plugins = [
    "tests.support.secrets",
    "tests.support.databases",
    "tests.support.redis",
    "tests.faults.summary",
    "tests.support.app",
    "tests.emulator.plugin",
]
