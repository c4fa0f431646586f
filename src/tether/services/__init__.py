"""Use cases. Entry points (API, CLI, console, jobs) call these and nothing below them."""
