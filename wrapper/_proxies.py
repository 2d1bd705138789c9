"""Which proxy a request goes through: ``HTTPS_PROXY``/``ALL_PROXY`` minus ``NO_PROXY``, as curl.

httpx's own reading of ``NO_PROXY`` ignores address ranges (``10.0.0.0/8``), which pip (through
requests) and curl honour, so the downloader decides per request with these pure functions.
The rules are curl's (``CURLOPT_NOPROXY``, https://curl.se/libcurl/c/CURLOPT_NOPROXY.html),
which requests and urllib's ``proxy_bypass_environment`` follow too:

* entries are separated by commas, surrounding spaces ignored, case ignored; ``*`` alone
  matches every host;
* a host name matches an entry equal to it or to one of its parent domains, with or without a
  leading dot (``example.com`` and ``.example.com`` both match ``example.com`` and
  ``www.example.com``, never ``badexample.com``); an entry ``host:port`` also needs the port;
* an IP address (v4 or v6, with or without brackets) matches an entry that is the same address
  or an address range in CIDR notation containing it (``127.0.0.0/8``, ``fd00::/8``). Host
  names are never resolved to match address entries.

requests differs in one respect: its own suffix test also lets ``example.com`` match
``badexample.com``; curl and urllib do not, and neither does this.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

__all__ = ["bypasses_proxy", "proxy_for"]


def proxy_for(host: str, port: int | None, proxies: Mapping[str, str]) -> str | None:
    """The proxy URL for an https request to ``host:port``, or None to connect directly.

    ``proxies`` is what :func:`urllib.request.getproxies` returns (``https``, ``all`` and
    ``no`` keys, lowercase variables preferred, as pip and httpx read them). A proxy written
    without a scheme (``proxy:3128``) is an HTTP proxy, as curl and httpx take it.
    """
    proxy = proxies.get("https") or proxies.get("all")
    if not proxy or bypasses_proxy(host, port, proxies.get("no", "")):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def bypasses_proxy(host: str, port: int | None, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (the text ``no_proxy``) sends a request to ``host:port`` direct."""
    host = host.strip("[]").rstrip(".").lower()
    address = _address(host)
    for entry in (item.strip().lower() for item in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        if address is not None:
            if _in_range(address, entry):
                return True
            continue
        name, entry_port = _split_port(entry)
        if entry_port is not None and entry_port != port:
            continue
        name = name.lstrip(".").rstrip(".")
        if name and (host == name or host.endswith("." + name)):
            return True
    return False


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone ("%eth0") aside
    except ValueError:
        return None


def _in_range(address: ipaddress.IPv4Address | ipaddress.IPv6Address, entry: str) -> bool:
    text = entry
    if text.startswith("["):  # [::1] or [::1]:8080
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 10.0.0.1:8080: the port does not narrow an address entry
        text = text.split(":", 1)[0]
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return network.version == address.version and address in network


def _split_port(entry: str) -> tuple[str, int | None]:
    name, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, int(port)
    return entry, None
