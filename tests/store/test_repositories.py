"""Tenant-scoped repositories, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tether.domain.tenancy import Principal, PrincipalKind, Role, TenantKind
from tether.errors import InvalidInput, NotFound
from tether.security.scoping import TenantScope, grant, system_scope
from tether.services.bootstrap import new_tenant_id
from tether.store.db import Database
from tether.store.models import AuditEvent, Tenant, User
from tether.store.paging import PageRequest
from tether.store.repositories.audit import AuditLog
from tether.store.repositories.identity import UserRepository
from tether.store.repositories.tenants import ClientFilter, TenantDirectory, TenantRepository


def _partner(db: Database, name: str) -> TenantScope:
    with db.transaction() as session:
        ref = TenantDirectory(session).add_partner(
            Tenant(id=new_tenant_id(TenantKind.PARTNER), kind="partner", name=name)
        )
    return system_scope(ref)


def _client(db: Database, partner: TenantScope, name: str, country: str = "UK") -> str:
    with db.transaction() as session:
        client = TenantRepository(session, partner).add_client(
            Tenant(id=new_tenant_id(TenantKind.CLIENT), kind="client", name=name, country=country)
        )
        return client.id


def test_a_partner_sees_only_its_own_clients(database: Database) -> None:
    first, second = _partner(database, "First MSP"), _partner(database, "Second MSP")
    mine = _client(database, first, "Acme")
    theirs = _client(database, second, "Globex")
    with database.transaction() as session:
        repo = TenantRepository(session, first)
        assert repo.client(mine) is not None
        assert repo.client(theirs) is None
        assert [c for c, _ in repo.minimal_clients()] == [mine]
        page = repo.search_clients(ClientFilter(), PageRequest())
        assert [c.id for c in page.items] == [mine]
        assert page.total == 1


def test_client_search_filters_pages_and_sorts(database: Database) -> None:
    partner = _partner(database, "MSP")
    names = ["acme east", "Acme West", "Initech", "ACME_north", "100%"]
    ids = {
        name: _client(database, partner, name, country="US" if "West" in name else "UK")
        for name in names
    }
    with database.transaction() as session:
        repo = TenantRepository(session, partner)
        found = repo.search_clients(ClientFilter(name_contains="acme"), PageRequest())
        assert sorted(c.name for c in found.items) == ["ACME_north", "Acme West", "acme east"]
        # LIKE wildcards in the search text are literal.
        assert [
            c.name
            for c in repo.search_clients(ClientFilter(name_contains="0%"), PageRequest()).items
        ] == ["100%"]
        assert [
            c.name
            for c in repo.search_clients(ClientFilter(name_contains="e_e"), PageRequest()).items
        ] == []
        by_country = repo.search_clients(ClientFilter(country="us"), PageRequest())
        assert [c.id for c in by_country.items] == [ids["Acme West"]]
        first = repo.search_clients(ClientFilter(), PageRequest(page_no=1, page_size=2))
        second = repo.search_clients(ClientFilter(), PageRequest(page_no=3, page_size=2))
        assert (first.total, first.total_pages, first.has_next) == (5, 3, True)
        assert [c.name for c in first.items] == ["100%", "acme east"]
        assert [c.name for c in second.items] == ["Initech"]
        assert not second.has_next
        newest_first = repo.search_clients(
            ClientFilter(), PageRequest(sort_name="name", descending=True)
        )
        assert newest_first.items[0].name == "Initech"


def test_unknown_sort_key_names_the_field(database: Database) -> None:
    partner = _partner(database, "MSP")
    with database.transaction() as session, pytest.raises(InvalidInput) as caught:
        TenantRepository(session, partner).search_clients(
            ClientFilter(), PageRequest(sort_name="password")
        )
    assert caught.value.field == "sortName"


def test_users_and_audit_are_scoped_to_their_tenant(database: Database) -> None:
    first, second = _partner(database, "First"), _partner(database, "Second")
    with database.transaction() as session:
        UserRepository(session, first).add(User(username="alice", password_hash="x", role="viewer"))
        UserRepository(session, second).add(User(username="bob", password_hash="x", role="viewer"))
        AuditLog(session, first).record("thing.create", "thing", "1")
        AuditLog(session, second).record("thing.create", "thing", "2")
    with database.transaction() as session:
        assert [u.username for u in UserRepository(session, first).all()] == ["alice"]
        assert UserRepository(session, first).by_username("bob") is None
        events = AuditLog(session, second).search(PageRequest()).items
        assert [(e.target_id, e.actor) for e in events] == [("2", "system")]
        assert isinstance(events[0], AuditEvent)
        assert events[0].at.tzinfo is not None


def test_grant_refuses_tenants_out_of_reach(database: Database) -> None:
    first, second = _partner(database, "First"), _partner(database, "Second")
    client_of_first = _client(database, first, "Acme")
    client_of_second = _client(database, second, "Globex")
    partner_admin = Principal(
        PrincipalKind.API_CLIENT, 1, "k", Role.PARTNER_ADMIN, first.tenant_id, TenantKind.PARTNER
    )
    client_admin = Principal(
        PrincipalKind.USER, 2, "u", Role.CLIENT_ADMIN, client_of_first, TenantKind.CLIENT
    )
    with database.transaction() as session:
        directory = TenantDirectory(session)

        def ref(tenant_id: str):  # type: ignore[no-untyped-def]
            return directory.ref(tenant_id)

        assert (
            grant(partner_admin, ref(client_of_first), client_of_first).tenant_id == client_of_first
        )
        assert grant(client_admin, ref(client_of_first), client_of_first).principal == client_admin
        for principal, target in [
            (partner_admin, client_of_second),
            (partner_admin, second.tenant_id),
            (client_admin, first.tenant_id),
            (client_admin, client_of_second),
            (client_admin, "client_does_not_exist"),
        ]:
            with pytest.raises(NotFound):
                grant(principal, ref(target), target)


def test_a_scope_cannot_be_forged() -> None:
    with pytest.raises(TypeError):
        TenantScope("client_x", TenantKind.CLIENT, None, object())
