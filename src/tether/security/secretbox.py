"""Envelope encryption for secrets at rest.

Each secret gets its own random 256-bit data key; the plaintext is sealed with AES-256-GCM
under that data key, and the data key is sealed under the master key. Rotating the master
key therefore re-wraps small data keys and never touches the ciphertexts. Every sealed
value is bound (GCM associated data) to what it is for, so a ciphertext copied to another
row does not open there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tether.errors import TetherError
from tether.security.redaction import register_secret

KEY_BYTES = 32
NONCE_BYTES = 12


class SecretBoxError(TetherError):
    """A secret cannot be opened: wrong or missing master key, or tampered data."""

    code = "secret_unavailable"
    status = 500


@dataclass(frozen=True, slots=True)
class MasterKey:
    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) != KEY_BYTES:
            raise SecretBoxError(f"a master key is {KEY_BYTES} bytes, got {len(self.key)}")

    @property
    def key_id(self) -> str:
        """A public fingerprint naming the key that wrapped a data key."""
        return hashlib.sha256(b"tether-master-key-id:" + self.key).hexdigest()[:16]

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_text(cls, text: str) -> MasterKey:
        try:
            return cls(base64.urlsafe_b64decode(text.strip().encode()))
        except (binascii.Error, ValueError) as exc:
            raise SecretBoxError("the master key is not base64 of 32 bytes") from exc

    def to_text(self) -> str:
        return base64.urlsafe_b64encode(self.key).decode()


@dataclass(frozen=True, slots=True)
class Sealed:
    """What is stored for one secret; nothing in it reveals the plaintext."""

    ciphertext: bytes
    nonce: bytes
    wrapped_key: bytes
    wrap_nonce: bytes
    master_key_id: str


class SecretBox:
    """Seals and opens secrets with a current master key and, during rotation, older ones."""

    def __init__(self, current: MasterKey, previous: tuple[MasterKey, ...] = ()) -> None:
        self.current = current
        self._keys = {key.key_id: key for key in (*previous, current)}

    def seal(self, plaintext: str, context: str) -> Sealed:
        # Whatever is sealed is a secret: the log filter redacts it from now on.
        register_secret(plaintext)
        data_key = AESGCM.generate_key(bit_length=256)
        nonce, wrap_nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _aad("data", context))
        wrapped = AESGCM(self.current.key).encrypt(
            wrap_nonce, data_key, _aad("key", self.current.key_id)
        )
        return Sealed(ciphertext, nonce, wrapped, wrap_nonce, self.current.key_id)

    def open(self, sealed: Sealed, context: str) -> str:
        data_key = self._unwrap(sealed)
        try:
            plaintext = AESGCM(data_key).decrypt(
                sealed.nonce, sealed.ciphertext, _aad("data", context)
            )
        except InvalidTag as exc:
            raise SecretBoxError("a stored secret failed its integrity check") from exc
        secret = plaintext.decode()
        register_secret(secret)
        return secret

    def rewrap(self, sealed: Sealed) -> Sealed:
        """The same secret with its data key wrapped by the current master key."""
        data_key = self._unwrap(sealed)
        wrap_nonce = os.urandom(NONCE_BYTES)
        wrapped = AESGCM(self.current.key).encrypt(
            wrap_nonce, data_key, _aad("key", self.current.key_id)
        )
        return Sealed(sealed.ciphertext, sealed.nonce, wrapped, wrap_nonce, self.current.key_id)

    def _unwrap(self, sealed: Sealed) -> bytes:
        master = self._keys.get(sealed.master_key_id)
        if master is None:
            raise SecretBoxError(
                f"the secret was sealed by master key {sealed.master_key_id}, which is not loaded"
            )
        try:
            return AESGCM(master.key).decrypt(
                sealed.wrap_nonce, sealed.wrapped_key, _aad("key", master.key_id)
            )
        except InvalidTag as exc:
            raise SecretBoxError("a wrapped data key failed its integrity check") from exc


def _aad(kind: str, context: str) -> bytes:
    return f"tether:{kind}:{context}".encode()


def mask(secret: str) -> str:
    """Show only the last four characters, as the API and console do."""
    return "****" + secret[-4:] if len(secret) > 8 else "****"


# -- master key files ---------------------------------------------------------------


def read_key_file(path: Path) -> MasterKey:
    return MasterKey.from_text(path.read_text())


def write_key_file(path: Path, key: MasterKey) -> None:
    """Write ``key`` with mode 0600, atomically (a crash leaves the old file or the new)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.to_text() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def pending_key_path(path: Path) -> Path:
    """Where a rotation writes the next key before the database is re-wrapped."""
    return path.with_name(path.name + ".next")
