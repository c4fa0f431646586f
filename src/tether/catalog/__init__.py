"""The resource catalog: every AWS service and resource type Tether knows, as data."""
