"""Shared fixtures: databases on both backends, the app, a running server, the AWS emulator."""

pytest_plugins = [
    "tests.support.databases",
    "tests.support.redis",
    "tests.support.app",
    "tests.emulator.plugin",
]
