"""Posting to a webhook: one HTTPS request, no redirects, a hard deadline,
and never to a private address.

A partner registers the URL, so the site must not become a way to reach
what only it can reach (server-side request forgery: the cloud's metadata
service, the database, the local network). The host is resolved here,
every address it gives is checked (an IPv6 address that carries an IPv4
one, as NAT64, 6to4 and Teredo do, is checked as that IPv4 address too),
and the connection goes to a checked address, with the host name kept for
TLS (SNI and the certificate check) and the Host header, so a DNS answer
that changes between the check and the connection (DNS rebinding)
changes nothing.

The whole call has one deadline, whatever the far end does: a server that
answers a byte every few seconds would keep a per-read timeout waiting for
ever, and the worker with it. So the socket is the adapter's own (the
standard library's http.client on it: urllib3 and its peers bound each
read, not the call) and a timer shuts it down when time is up. Name
resolution, which no socket option bounds, runs in a thread given the same
deadline.

Nothing here logs the URL: a partner may put a secret in its path.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as ResolveTimeout
from urllib.parse import urlsplit

# Name resolution runs here, so a resolver that hangs costs a thread, not the worker.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class CallError(Exception):
    """The call got no answer: `reason` says why, with no URL and no data."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RefusedURL(CallError):
    """The URL is not one the site calls (not https, a private address)."""


def check_url(url: str, *, private_allowed: bool = False) -> None:
    """Raise RefusedURL unless `url` is one the site would call (its host is
    not resolved: for checking a URL as it is registered)."""
    _parts(url, private_allowed)


def _parts(url: str, private_allowed: bool) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedURL("not a URL") from exc
    schemes = ("https", "http") if private_allowed else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise RefusedURL("not an https URL")
    if parts.username or parts.password:
        raise RefusedURL("a URL with a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port or default, path


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable, and so is any IPv4 address it carries."""
    if not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        carried = [address.ipv4_mapped, address.sixtofour]
        if address.teredo:
            carried += list(address.teredo)
        if address in _NAT64 or address in _IPV4_COMPATIBLE:
            carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return all(inner.is_global for inner in carried if inner is not None)
    return True


def _address(host: str, port: int, private_allowed: bool, seconds: float) -> str:
    """An address of `host` to connect to; every address it has must be public."""
    try:
        found = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        infos = found.result(timeout=seconds)
    except ResolveTimeout as exc:
        raise CallError("timed out resolving the host name") from exc
    except (OSError, UnicodeError) as exc:
        raise CallError("the host name does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise CallError("the host name does not resolve")
    if not private_allowed and not all(is_public(address) for address in addresses):
        raise RefusedURL("the host resolves to a private address")
    return str(addresses[0])


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    private_allowed: bool = False,
    ca_file: str | None = None,
) -> int:
    """POST `body` to `url` within `timeout` seconds in all; the answer's
    status (its body is not read). Redirects are not followed (a 3xx is an
    answer like any other). Raises CallError without one."""
    deadline = time.monotonic() + timeout
    scheme, host, port, path = _parts(url, private_allowed)
    address = _address(host, port, private_allowed, timeout)
    default_port = 443 if scheme == "https" else 80
    name = f"[{host}]" if ":" in host else host  # an IPv6 literal
    host_header = name if port == default_port else f"{name}:{port}"
    try:
        sock = socket.create_connection((address, port), timeout=_left(deadline))
    except TimeoutError as exc:
        raise CallError("timed out connecting") from exc
    except OSError as exc:
        raise CallError("the connection was refused or dropped") from exc
    # Time up, the connection is shut down under whatever is waiting on it:
    # by its file descriptor, which the TLS socket takes over from the plain one.
    alarm = threading.Timer(_left(deadline), _shut, (sock.fileno(),))
    alarm.daemon = True
    alarm.start()
    try:
        if scheme == "https":
            context = ssl.create_default_context(cafile=ca_file)
            sock = context.wrap_socket(sock, server_hostname=host)
        connection = http.client.HTTPConnection(host, port, timeout=_left(deadline))
        connection.sock = sock
        connection.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        for field, value in {**headers, "Host": host_header,
                             "Content-Length": str(len(body))}.items():  # fmt: skip
            connection.putheader(field, value)
        connection.endheaders(body)
        return connection.getresponse().status
    except ssl.SSLError as exc:
        raise CallError("TLS failed (the certificate or the handshake)") from exc
    except (TimeoutError, http.client.HTTPException, OSError, ValueError) as exc:
        if time.monotonic() >= deadline:
            raise CallError("timed out waiting for an answer") from exc
        raise CallError(f"no answer ({type(exc).__name__})") from exc
    finally:
        alarm.cancel()
        sock.close()


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


def _shut(descriptor: int) -> None:
    """Shut the connection down, leaving its closing to its owner."""
    try:
        borrowed = socket.socket(fileno=descriptor)
    except OSError:
        return  # closed already: the call ended in time
    try:
        borrowed.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        borrowed.detach()
