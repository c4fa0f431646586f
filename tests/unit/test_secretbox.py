"""Envelope encryption: seal, open, bind to context, rotate."""

from __future__ import annotations

import pytest

from tether.security.secretbox import MasterKey, SecretBox, SecretBoxError, mask

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_seal_and_open_round_trip_without_plaintext_in_the_sealed_value() -> None:
    box = SecretBox(MasterKey.generate())
    sealed = box.seal(SECRET, "client_a/1/aws")
    for part in (sealed.ciphertext, sealed.wrapped_key):
        assert SECRET.encode() not in part
    assert box.open(sealed, "client_a/1/aws") == SECRET
    # Each seal uses a fresh data key and nonces.
    again = box.seal(SECRET, "client_a/1/aws")
    assert again.ciphertext != sealed.ciphertext
    assert again.wrapped_key != sealed.wrapped_key


def test_a_sealed_value_does_not_open_in_another_context_or_with_another_key() -> None:
    box = SecretBox(MasterKey.generate())
    sealed = box.seal(SECRET, "client_a/1/aws")
    with pytest.raises(SecretBoxError, match="integrity"):
        box.open(sealed, "client_b/1/aws")
    with pytest.raises(SecretBoxError, match="not loaded"):
        SecretBox(MasterKey.generate()).open(sealed, "client_a/1/aws")
    tampered = type(sealed)(
        sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1]),
        sealed.nonce,
        sealed.wrapped_key,
        sealed.wrap_nonce,
        sealed.master_key_id,
    )
    with pytest.raises(SecretBoxError):
        box.open(tampered, "client_a/1/aws")


def test_rewrap_moves_a_secret_to_the_new_master_key() -> None:
    old, new = MasterKey.generate(), MasterKey.generate()
    sealed = SecretBox(old).seal(SECRET, "ctx")
    rotated = SecretBox(new, (old,)).rewrap(sealed)
    assert rotated.master_key_id == new.key_id
    assert rotated.ciphertext == sealed.ciphertext
    assert SecretBox(new).open(rotated, "ctx") == SECRET


def test_master_key_text_and_masking() -> None:
    key = MasterKey.generate()
    assert MasterKey.from_text(key.to_text()) == key
    with pytest.raises(SecretBoxError):
        MasterKey.from_text("not base64!")
    with pytest.raises(SecretBoxError):
        MasterKey.from_text("c2hvcnQ=")
    assert mask(SECRET) == "****EKEY"
    assert mask("short") == "****"
