"""Where model requests go, and whether that is off this machine (issue 13 item 15).

Every model request carries the cell's code, its traceback and values read from the kernel.
Pointing ``--ollama-host`` at another machine is allowed (the compose file reaches Ollama by
service name), but the person must be told once, plainly, and the saved notebook and the
report record where the requests went.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def host_name(url: str) -> str:
    """The host part of a normalised Ollama URL (``http://gpu-box:11434`` → ``gpu-box``)."""
    return urllib.parse.urlsplit(url).hostname or url


def is_loopback(url: str) -> bool:
    """True when requests to ``url`` stay on this machine.

    ``0.0.0.0`` and ``::`` count as local: a client connecting to them reaches this machine
    (people copy the server's ``OLLAMA_HOST=0.0.0.0`` into the client's).
    """
    name = host_name(url).lower().rstrip(".")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@dataclass
class ModelServer:
    """The Ollama server this session may send requests to, and how many it sent."""

    url: str
    model: str
    requests: int = 0

    @property
    def name(self) -> str:
        return host_name(self.url)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.url)

    def notice(self) -> str | None:
        """The one sentence said at start when requests would leave this machine; else None."""
        if self.loopback:
            return None
        return (
            f"Model requests go to {self.name} ({self.url}), not to this machine: each one "
            "sends it the cell's code, its traceback and values read from the kernel."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.url,
            "name": self.name,
            "loopback": self.loopback,
            "model": self.model,
            "requests": self.requests,
        }
