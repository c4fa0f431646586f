"""A fast synthetic AWS endpoint for organization-scale discovery benchmarks.

It serves every call Tether's catalog, onboarding and organization sync make (and a
minimal valid answer to any other operation of a botocore service), for an organization of
generated accounts, with AWS's pagination, throttling and latency. See ``__main__`` for
the command line and ``SyntheticEndpoint`` for use from Python.
"""

from bench.synthetic.endpoint import SyntheticEndpoint
from bench.synthetic.organization import EndpointInfo

__all__ = ["EndpointInfo", "SyntheticEndpoint"]
