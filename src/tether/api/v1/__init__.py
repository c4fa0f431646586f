"""Tether's native routes, beyond what OpsRamp's API has."""
