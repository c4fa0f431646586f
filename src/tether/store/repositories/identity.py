"""Users, API clients and access tokens.

``CredentialDirectory`` is the one unscoped look-up: authentication has to find a key,
a token digest or a username before it knows the tenant. Everything else is scoped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tether.store.models import AccessToken, ApiClient, User
from tether.store.repositories.base import ScopedRepository
from tether.store.types import utcnow


class CredentialDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def api_client_by_key(self, key: str) -> ApiClient | None:
        return self.session.scalars(select(ApiClient).where(ApiClient.key == key)).first()

    def token_by_digest(self, token_digest: str) -> AccessToken | None:
        return self.session.scalars(
            select(AccessToken).where(AccessToken.token_digest == token_digest)
        ).first()

    def user_by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).first()

    def api_client(self, api_client_id: int) -> ApiClient | None:
        return self.session.get(ApiClient, api_client_id)

    def user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)


class UserRepository(ScopedRepository):
    def add(self, user: User) -> User:
        user.tenant_id = self.tenant_id
        self.session.add(user)
        self.session.flush()
        return user

    def by_username(self, username: str) -> User | None:
        return self.session.scalars(
            select(User).where(User.tenant_id == self.tenant_id, User.username == username)
        ).first()

    def all(self) -> Sequence[User]:
        return self.session.scalars(
            select(User).where(User.tenant_id == self.tenant_id).order_by(User.username)
        ).all()


class ApiClientRepository(ScopedRepository):
    def add(self, api_client: ApiClient) -> ApiClient:
        api_client.tenant_id = self.tenant_id
        self.session.add(api_client)
        self.session.flush()
        return api_client

    def named(self, name: str) -> ApiClient | None:
        return self.session.scalars(
            select(ApiClient)
            .where(ApiClient.tenant_id == self.tenant_id, ApiClient.name == name)
            .where(ApiClient.revoked_at.is_(None))
            .order_by(ApiClient.id.desc())
        ).first()

    def revoke(self, api_client: ApiClient, at: datetime | None = None) -> None:
        assert api_client.tenant_id == self.tenant_id
        when = at or utcnow()
        api_client.revoked_at = when
        self.session.execute(
            update(AccessToken)
            .where(
                AccessToken.tenant_id == self.tenant_id,
                AccessToken.api_client_id == api_client.id,
                AccessToken.revoked_at.is_(None),
            )
            .values(revoked_at=when)
        )


class AccessTokenRepository(ScopedRepository):
    def add(self, token: AccessToken) -> AccessToken:
        token.tenant_id = self.tenant_id
        self.session.add(token)
        self.session.flush()
        return token

    def revoke_for_user(self, user_id: int) -> None:
        self.session.execute(
            update(AccessToken)
            .where(
                AccessToken.tenant_id == self.tenant_id,
                AccessToken.user_id == user_id,
                AccessToken.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
