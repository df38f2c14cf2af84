"""RFC 3161 timestamps: ask a timestamp authority (TSA) to date a signature, and check its token."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from harvestwatch.core.errors import ConfigError, FetchError

TIMEOUT_S = 20.0


@dataclass(frozen=True)
class TimestampInfo:
    gen_time: str  # UTC, ISO 8601, as the TSA states it
    serial: int
    imprint_ok: bool  # the token's message imprint is SHA-256 of the timestamped bytes


def request_timestamp(url: str, message: bytes, *, timeout: float = TIMEOUT_S) -> str:
    """A TimeStampResp (base64 DER) from the TSA at ``url`` over SHA-256(``message``).

    The response must be granted, echo the request's nonce and carry the right imprint.
    """
    import httpx
    from rfc3161_client import HashAlgorithm, TimestampRequestBuilder, decode_timestamp_response

    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"timestamp authority {url!r}: expected an http(s) URL")
    request = (TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256)
               .nonce(nonce=True).cert_request(cert_request=True).build())
    try:
        reply = httpx.post(url, content=request.as_bytes(), timeout=timeout,
                           headers={"Content-Type": "application/timestamp-query"})
    except httpx.HTTPError as exc:
        raise FetchError(url, f"timestamp authority unreachable ({exc})") from None
    if reply.status_code != 200:
        raise FetchError(url, f"timestamp authority answered HTTP {reply.status_code}")
    try:
        response = decode_timestamp_response(reply.content)
    except ValueError as exc:
        raise FetchError(url, f"timestamp authority sent no RFC 3161 response ({exc})") from None
    if response.status not in (0, 1):  # granted, granted with modifications
        raise FetchError(url, f"timestamp refused (PKIStatus {response.status}: "
                              f"{'; '.join(response.status_string)})")
    if response.tst_info.nonce != request.nonce:
        raise FetchError(url, "timestamp response does not echo the request's nonce")
    if response.tst_info.message_imprint.message != hashlib.sha256(message).digest():
        raise FetchError(url, "timestamp response is for other bytes than those sent")
    return base64.b64encode(response.as_bytes()).decode()


def describe(token_b64: str, message: bytes) -> TimestampInfo:
    """What a token says, and whether its imprint matches ``message``; ValueError if unreadable."""
    from rfc3161_client import decode_timestamp_response

    response = decode_timestamp_response(base64.b64decode(token_b64))
    info = response.tst_info
    return TimestampInfo(gen_time=info.gen_time.isoformat(), serial=info.serial_number,
                         imprint_ok=info.message_imprint.message == hashlib.sha256(message).digest())


def verify_token(token_b64: str, message: bytes, ca_pem: bytes) -> str | None:
    """None when the token is a valid TSA signature over ``message`` chaining to ``ca_pem``."""
    from cryptography import x509
    from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

    try:
        response = decode_timestamp_response(base64.b64decode(token_b64))
        roots = x509.load_pem_x509_certificates(ca_pem)
        builder = VerifierBuilder()
        for root in roots:
            builder = builder.add_root_certificate(root)
        builder.build().verify_message(response, message)
    except (ValueError, VerificationError) as exc:
        return f"timestamp token does not verify ({exc})"
    return None
