"""HTTP entry points: the OpsRamp-compatible ``/api/v2`` routes and native ``/api/v1`` extras."""
