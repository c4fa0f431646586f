"""The web console (server-rendered)."""
