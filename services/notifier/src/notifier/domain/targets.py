"""Where a webhook may be sent: only to public internet addresses.

A member could otherwise point a webhook at the platform's own network (a
database, the cloud metadata service at 169.254.169.254) and have the notifier
POST there for it (server-side request forgery). The rule is applied to every
address a host name resolves to, at registration and again when a delivery
connects, because DNS answers can change after registration.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IpAddress = IPv4Address | IPv6Address

_PRIVATE = [IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"),
            IPv6Network("fc00::/7")]
_METADATA = {ip_address("169.254.169.254"), ip_address("fd00:ec2::254"), ip_address("100.100.100.200")}
# IPv6 ranges that carry an IPv4 address inside (the address reached is the IPv4 one).
_NAT64 = IPv6Network("64:ff9b::/96")


def embedded_ipv4(address: IpAddress) -> IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, 6to4, NAT64), if any."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def why_not_public(address: IpAddress) -> str | None:
    """Why a webhook may not be sent to ``address``, in words for the member; None for a public address."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = why_not_public(inner)
        return f"it stands for {inner}, {reason}" if reason else None
    if address in _METADATA:
        return "the cloud metadata service"
    checks = [
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address (169.254.0.0/16, fe80::/10)"),
        (address.is_unspecified, "the unspecified address"),
        (address.is_multicast, "a multicast address"),
        (any(address in network for network in _PRIVATE), "a private address (RFC 1918, fc00::/7)"),
        (isinstance(address, IPv6Address) and address.is_site_local, "a site-local address (fec0::/10)"),
        (address.is_reserved, "a reserved address"),
        # Shared (100.64.0.0/10), documentation, benchmarking and other special ranges.
        (not address.is_global, "not a public internet address"),
    ]
    return next((reason for refused, reason in checks if refused), None)


def parse_address(text: str) -> IpAddress:
    """An address as a resolver writes it; an IPv6 zone (``fe80::1%eth0``) is dropped."""
    return ip_address(text.split("%", 1)[0])
