"""Talking to AWS: sessions and credentials, error classification, regions, setup artifacts."""
