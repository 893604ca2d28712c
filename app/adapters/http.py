"""Posting to a webhook: one HTTPS request, no redirects, a short timeout,
and never to a private address.

A partner registers the URL, so the site must not become a way to reach
what only it can reach (server-side request forgery: the cloud's metadata
service, the database, the local network). The host is resolved here, every
address it gives is checked, and the connection goes to a checked address
with the host name kept for TLS (SNI and the certificate check) and the Host
header, so a DNS answer that changes between the check and the connection
(DNS rebinding) changes nothing. urllib3 (docs/libraries.md) does the HTTP.

Nothing here logs the URL: a partner may put a secret in its path.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    ReadTimeoutError,
    SSLError,
)

# The most of an answer's body that is read (and thrown away).
_BODY_READ = 64 * 1024


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


def _address(host: str, port: int, private_allowed: bool) -> str:
    """An address of `host` to connect to; every address it has must be public."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CallError("the host name does not resolve") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in found]
    if not addresses:
        raise CallError("the host name does not resolve")
    if not private_allowed and any(not address.is_global for address in addresses):
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
    """POST `body` to `url`; the answer's status. Redirects are not followed
    (a 3xx is an answer like any other). Raises CallError without one."""
    scheme, host, port, path = _parts(url, private_allowed)
    address = _address(host, port, private_allowed)
    default_port = 443 if scheme == "https" else 80
    name = f"[{host}]" if ":" in host else host  # an IPv6 literal
    host_header = name if port == default_port else f"{name}:{port}"
    limits = urllib3.Timeout(connect=min(timeout, 5.0), read=timeout)
    pool: urllib3.HTTPConnectionPool
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, port, timeout=limits, retries=False, maxsize=1,
            server_hostname=host, assert_hostname=host, ca_certs=ca_file, cert_reqs="CERT_REQUIRED",
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=limits, retries=False, maxsize=1)
    try:
        response = pool.urlopen(
            "POST", path, body=body, headers={**headers, "Host": host_header},
            redirect=False, retries=False, preload_content=False,
        )  # fmt: skip
        with contextlib.suppress(HTTPError):  # the status is what counts
            response.read(_BODY_READ)
        response.release_conn()
        return response.status
    except ConnectTimeoutError as exc:
        raise CallError("timed out connecting") from exc
    except ReadTimeoutError as exc:
        raise CallError("timed out waiting for an answer") from exc
    except SSLError as exc:
        raise CallError("TLS failed (the certificate or the handshake)") from exc
    except NameResolutionError as exc:
        raise CallError("the host name does not resolve") from exc
    except HTTPError as exc:
        raise CallError(f"no answer ({type(exc).__name__})") from exc
    finally:
        pool.close()
