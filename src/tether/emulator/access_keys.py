"""Access keys as AWS knows them: which ids were issued, and the secrets behind some.

moto takes any access key id for its default principal and checks no signature. The proxy
refuses key ids moto never issued (moto's default principal gives them away), and checks
the signatures of keys whose secret it holds: secrets tests register, and those it reads
from CreateAccessKey and STS credential answers passing through it.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Mapping

from tether.emulator.signatures import ReceivedRequest, signature_matches, sigv4_of

# What moto's GetCallerIdentity names the caller of a key it does not know. No real
# principal has this ARN: IAM users live under `iam`, and STS names only assumed roles.
_DEFAULT_PRINCIPAL = re.compile(r"^arn:aws[\w-]*:sts::\d{12}:user/moto$")
_ACCESS_KEY_ID = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_SECRET_ACCESS_KEY = re.compile(rb"<SecretAccessKey>([^<]+)</SecretAccessKey>")


def never_issued(caller_arn: str) -> bool:
    """Whether moto resolved a key to its default principal, i.e. never issued it."""
    return _DEFAULT_PRINCIPAL.match(caller_arn) is not None


def issued_secret(body: bytes) -> tuple[str, str] | None:
    """The access key id and secret in an IAM CreateAccessKey or STS credentials answer."""
    key = _ACCESS_KEY_ID.search(body)
    secret = _SECRET_ACCESS_KEY.search(body)
    if key is None or secret is None:
        return None
    return html.unescape(key.group(1).decode()), html.unescape(secret.group(1).decode())


class KeyRing:
    """Secrets by access key id, and whether to check signatures; safe from any thread.

    Secrets are kept for the life of the proxy, as AWS keeps a key until it is deleted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._verify = True

    @property
    def verify(self) -> bool:
        return self._verify

    @verify.setter
    def verify(self, value: bool) -> None:
        self._verify = value

    def register(self, access_key_id: str, secret_access_key: str) -> None:
        with self._lock:
            self._secrets[access_key_id] = secret_access_key

    def knows(self, access_key_id: str) -> bool:
        with self._lock:
            return access_key_id in self._secrets

    def learn(self, body: bytes) -> bytes:
        """Note the key pair in an answer that hands one out; the answer is unchanged."""
        issued = issued_secret(body)
        if issued is not None:
            self.register(*issued)
        return body

    def signature_refused(self, request: ReceivedRequest, query: Mapping[str, str]) -> bool:
        """True when checking is on, the request is SigV4-signed with a key whose secret is
        known, and that secret does not give the request's signature.

        Other requests cost a header parse and a dictionary lookup. A checked one costs
        about 30-40 us (canonical request, five HMACs), plus a SHA-256 of the body when no
        header carries its hash (S3 sends one): about 0.6 ms per MB. It is all CPU, no I/O,
        so it runs on the proxy loop; nothing is cached, as there is little to save.
        """
        if not self._verify:
            return False
        signed = sigv4_of(request.headers, query)
        if signed is None:
            return False
        with self._lock:
            secret = self._secrets.get(signed.access_key_id)
        return secret is not None and not signature_matches(request, signed, secret)
