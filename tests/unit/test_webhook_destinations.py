"""Where a webhook may go (delivery.webhooks.check_destination), with a stub resolver: no DNS,
no traffic."""

from __future__ import annotations

import ipaddress

import pytest

from delivery import webhooks
from station.errors import ValidationError


def resolver(*answers: str) -> webhooks.Resolver:
    return lambda host, port: list(answers)


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("192.168.1.1", "private"), ("fc00::1", "private"),
    ("::ffff:10.0.0.1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"), ("100.64.0.1", "non-public"),
    ("240.0.0.1", "reserved"), ("8.8.8.8", None), ("2001:4860:4860::8888", None),
])
def test_address_kind(address: str, kind: str | None) -> None:
    assert webhooks.address_kind(ipaddress.ip_address(address)) == kind


def test_every_resolved_address_is_checked() -> None:
    url = "https://hooks.partner.example/station"
    assert webhooks.check_destination(url, resolver=resolver("93.184.216.34")) == [
        ipaddress.ip_address("93.184.216.34")]
    with pytest.raises(webhooks.BlockedDestination) as caught:
        webhooks.check_destination(url, resolver=resolver("93.184.216.34", "10.0.0.7"))
    assert (caught.value.kind, caught.value.params["address"]) == ("private", "10.0.0.7")
    assert "nội bộ (private)" in caught.value.message("vi")


def test_allow_list_addresses_and_networks() -> None:
    allowed = webhooks.parse_allowed(" 10.0.5.20, 192.168.8.0/24 ,[::1]")
    url = "http://receiver.lan/hook"
    for address in ("10.0.5.20", "192.168.8.200", "::1", "::ffff:10.0.5.20"):
        webhooks.check_destination(url, allowed, resolver=resolver(address))
    with pytest.raises(webhooks.BlockedDestination):
        webhooks.check_destination(url, allowed, resolver=resolver("10.0.5.21"))
    with pytest.raises(ValidationError, match="invalid address or network"):
        webhooks.parse_allowed("10.0.0.0/33")


def test_scheme_and_resolution_failures() -> None:
    for url in ("ftp://example.com/x", "gopher://example.com", "http:///nohost"):
        with pytest.raises(ValidationError, match="must start with http"):
            webhooks.check_destination(url, resolver=resolver("8.8.8.8"))

    def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(ValidationError, match="cannot be resolved"):
        webhooks.check_destination("https://nowhere.invalid/", resolver=failing)


def test_a_refused_destination_is_a_failed_try_without_traffic() -> None:
    outcome = webhooks.post("http://metadata.internal/", {"a": 1}, secret="s", event="e",
                            delivery_id=1, timeout=1,
                            resolver=resolver("169.254.169.254"))
    assert not outcome.ok and outcome.status_code is None
    assert outcome.error is not None and "a link-local address" in outcome.error
