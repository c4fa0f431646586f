"""Tenant-scoped repositories, one per aggregate.

Each repository is built from a ``TenantScope`` and filters every query by it, so data
of another tenant cannot be read through one. The only unscoped look-ups are the
directories that authentication and scoping need before a scope exists; they return
references (ids, kinds), not tenant data.
"""
