"""Routes compatible with OpsRamp's v2 API (shared/reference/opsramp-api.md)."""
