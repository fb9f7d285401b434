"""Webhook signing and sending, pure (no database): the job in delivery.tasks records attempts.

A partner's server learns that a package is ready from a POST with a JSON body and three
headers: ``X-Station-Event``, ``X-Station-Timestamp`` (Unix seconds) and
``X-Station-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` with the
partner's secret. Signing the timestamp with the body lets the receiver refuse replays (the
scheme GitHub and Stripe use); docs/delivery.md shows the receiver's side.

A destination is resolved and every address checked (``check_destination``) when an admin saves
it and again right before each try; the try then connects to the checked address itself (the
``Host`` header and TLS server name keep the URL's host), so a DNS answer changed between the
check and the connection cannot point it at the station's own network. Loopback, private,
link-local and other non-public addresses are refused unless listed in the
``webhook_allowed_addresses`` setting; redirects are never followed (a 3xx is a failed try).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from station.errors import ValidationError

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Station-Signature"
TIMESTAMP_HEADER = "X-Station-Timestamp"
EVENT_HEADER = "X-Station-Event"
DELIVERY_HEADER = "X-Station-Delivery"
USER_AGENT = "Station-Webhook/1"


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent and signed: compact, keys sorted, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` over ``"<timestamp>.<body>"``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body,
                   hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *,
           now: float | None = None, tolerance: int = 300) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature)


def backoff(attempt: int, base: float) -> float:
    """Seconds to wait after failed try number ``attempt`` (1, 2, ...): base, 2 base, 4 base..."""
    return base * (2 ** (attempt - 1))


# ---- where a webhook may go ---------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]

ADDRESS_KINDS_VI = {
    "unspecified": "không xác định", "loopback": "loopback (chính máy này)",
    "link-local": "link-local", "multicast": "multicast", "private": "nội bộ (private)",
    "reserved": "dành riêng (reserved)", "non-public": "không công khai",
}


class BlockedDestination(ValidationError):
    """A webhook URL whose host resolves to an address the station must not call."""

    def __init__(self, url: str, address: str, kind: str) -> None:
        self.kind = kind
        super().__init__(
            "The webhook URL {url} resolves to {address}, a {kind} address; only public "
            "addresses are accepted unless an admin lists it in the webhook_allowed_addresses "
            "setting", url=url, address=address, kind=kind)

    def message(self, lang: str = "en") -> str:
        from station.i18n import translate

        kind = ADDRESS_KINDS_VI.get(self.kind, self.kind) if lang == "vi" else self.kind
        return translate(self.template, lang).format(**{**self.params, "kind": kind})


def parse_allowed(text: str) -> tuple[IPNetwork, ...]:
    """``webhook_allowed_addresses``: comma-separated addresses or CIDR blocks."""
    networks = []
    for item in (part.strip() for part in (text or "").split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            raise ValidationError("Setting webhook_allowed_addresses has an invalid address "
                                  "or network: {value!r}", value=item) from None
    return tuple(networks)


def address_kind(address: IPAddress) -> str | None:
    """Why an address is not public (``"loopback"``, ``"private"``...), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, flag in (("unspecified", address.is_unspecified),
                       ("loopback", address.is_loopback),
                       ("link-local", address.is_link_local),
                       ("multicast", address.is_multicast),
                       ("reserved", address.is_reserved),
                       ("private", address.is_private),
                       ("non-public", not address.is_global)):
        if flag:
            return kind
    return None


def _allowed(address: IPAddress, allowed: Sequence[IPNetwork]) -> bool:
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(a.version == n.version and a in n for a in candidates for n in allowed)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (``socket.getaddrinfo``), in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_destination(url: str, allowed: Sequence[IPNetwork] = (), *,
                      resolver: Resolver = system_resolver) -> list[IPAddress]:
    """Resolve a webhook URL's host and return its addresses, or raise when the scheme is not
    http(s), the host does not resolve, or any address is not public and not ``allowed``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("The webhook URL must start with http:// or https://: {url}",
                              url=url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError("The webhook URL has an invalid port: {url}", url=url) from None
    try:
        found = [ipaddress.ip_address(a.split("%", 1)[0])
                 for a in resolver(parts.hostname, port)]
    except (OSError, UnicodeError, ValueError) as exc:
        raise ValidationError("The webhook host {host} cannot be resolved: {error}",
                              host=parts.hostname, error=str(exc)) from None
    if not found:
        raise ValidationError("The webhook host {host} cannot be resolved: {error}",
                              host=parts.hostname, error="no address")
    for address in found:
        kind = address_kind(address)
        if kind is not None and not _allowed(address, allowed):
            raise BlockedDestination(url, str(address), kind)
    return found


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to a checked address; the Host header stays the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Connects to a checked address; Host header, SNI and certificate check use the host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _send(url: str, addresses: Sequence[IPAddress], body: bytes, headers: dict[str, str],
          timeout: float) -> tuple[int, str]:
    """POST to the first checked address that answers; (status, reason). No redirects."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    last: OSError | None = None
    for address in addresses:
        connection = kind(host, port, str(address), timeout)
        try:
            connection.connect()
        except OSError as exc:
            connection.close()
            last = exc
            continue
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read(65536)
            return response.status, response.reason
        finally:
            connection.close()
    raise last or OSError("no address to connect to")


@dataclass(frozen=True)
class Outcome:
    """What one try got: the HTTP status (None when no answer) and why it failed."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and \
            200 <= self.status_code < 300


def post(url: str, payload: dict[str, Any], *, secret: str, event: str, delivery_id: int,
         timeout: float, now: float | None = None, allowed: Sequence[IPNetwork] = (),
         resolver: Resolver = system_resolver) -> Outcome:
    """POST one signed event to a checked address; any answer outside 2xx (a redirect too),
    no answer, or a destination that is not allowed, is a failure."""
    body = body_bytes(payload)
    stamp = int(now if now is not None else time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: event,
        DELIVERY_HEADER: str(delivery_id),
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: sign(secret, stamp, body),
    }
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    try:
        addresses = check_destination(url, allowed, resolver=resolver)
        status, reason = _send(url, addresses, body, headers, timeout)
        if 300 <= status < 400:
            error = f"HTTP {status} {reason} (redirects are not followed)"
        elif not 200 <= status < 300:
            error = f"HTTP {status} {reason}"
    except ValidationError as exc:
        error = exc.message("en")
    except (http.client.HTTPException, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    log.info("webhook %s to %s: %s", event, url, error or status)
    return Outcome(status, error, duration)
