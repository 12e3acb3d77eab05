"""Typed settings: command-line flags > environment > config file > defaults.

Every setting is declared once, in :class:`Settings`, with its flag, environment variable,
default and help text in the field's metadata, so the CLI, the docs and the loader cannot
drift apart. The config file is TOML with the field names as top-level keys::

    # ~/.config/mlemod-tui/config.toml
    ollama_host = "http://gpu-box:11434"
    model = "qwen2.5-coder:14b"
    request_timeout = 300

It lives at ``$MLEMOD_CONFIG`` when set, else ``$XDG_CONFIG_HOME/mlemod-tui/config.toml``
(``~/.config`` when ``XDG_CONFIG_HOME`` is unset). Nothing here imports ``ollama``, so
reading settings stays cheap for commands that never talk to a model.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from mlemod_tui.errors import MlemodError

DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
DEFAULT_MODEL = "qwen2.5-coder:7b"
CONFIG_ENV = "MLEMOD_CONFIG"
"""Environment variable naming the config file (overrides the XDG location)."""


class ConfigError(MlemodError):
    """A setting has a value we cannot use (bad config file, environment variable or flag)."""


def _spec(
    default: Any, *, help: str, flag: str | None = None, env: str | None = None
) -> Any:
    """A dataclass field carrying where the setting may come from and what it means."""
    return field(default=default, metadata={"help": help, "flag": flag, "env": env})


@dataclass(frozen=True)
class Settings:
    """Everything the app can be told; see each field's ``help`` metadata."""

    ollama_host: str = _spec(
        DEFAULT_OLLAMA_HOST,
        flag="--ollama-host",
        env="OLLAMA_HOST",
        help=(
            "URL of the Ollama server; 'host', 'host:port' and '0.0.0.0:11434' are accepted "
            "and normalised like the ollama client does (scheme http, port 11434)"
        ),
    )
    model: str = _spec(
        DEFAULT_MODEL,
        flag="--model",
        env="MLEMOD_MODEL",
        help="Ollama model that proposes patches",
    )
    request_timeout: float = _spec(
        120.0,
        env="MLEMOD_OLLAMA_TIMEOUT",
        help=(
            "seconds Ollama may stay silent (before its first token or between two) before "
            "the request is abandoned; a model still loading into memory needs a generous value"
        ),
    )
    connect_timeout: float = _spec(
        5.0,
        env="MLEMOD_OLLAMA_CONNECT_TIMEOUT",
        help="seconds to wait for the Ollama server to accept a connection",
    )
    theme: str = _spec(
        "mlemod-dark",
        env="MLEMOD_THEME",
        help="name of the TUI colour theme",
    )

    @classmethod
    def help_for(cls, name: str) -> str:
        """The one help text of setting ``name`` (for argparse and docs)."""
        return str(_FIELDS[name].metadata["help"])


_FIELDS = {f.name: f for f in fields(Settings)}


# --------------------------------------------------------------------------- value parsing


def normalize_host(value: str) -> str:
    """``OLLAMA_HOST`` as people write it → a full URL, the way ollama-python reads it.

    ``""`` → the default; ``"0.0.0.0:11434"`` → ``"http://0.0.0.0:11434"``; ``"gpu-box"`` →
    ``"http://gpu-box:11434"``; ``"https://h"`` → ``"https://h:443"``; a path is kept.
    """
    text = value.strip()
    if not text:
        return DEFAULT_OLLAMA_HOST
    port = 11434
    scheme, sep, hostport = text.partition("://")
    if not sep:
        scheme, hostport = "http", text
    elif scheme == "http":
        port = 80
    elif scheme == "https":
        port = 443
    else:
        raise ValueError(f"unsupported scheme {scheme!r} (use http or https)")
    try:
        split = urllib.parse.urlsplit(f"{scheme}://{hostport}")
        host = split.hostname or "127.0.0.1"
        port = split.port or port
    except ValueError as err:  # e.g. a port that is not a number
        raise ValueError(f"not a host[:port] or URL ({err})") from None
    try:
        if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address):
            host = f"[{host}]"
    except ValueError:
        pass
    if path := split.path.strip("/"):
        return f"{scheme}://{host}:{port}/{path}"
    return f"{scheme}://{host}:{port}"


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value.strip()


def _host(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string such as 'http://127.0.0.1:11434'")
    return normalize_host(value)


def _seconds(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number of seconds")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = float(value.strip())
        except ValueError:
            raise ValueError("must be a number of seconds") from None
    else:
        raise ValueError("must be a number of seconds")
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError("must be a number of seconds above 0")
    return seconds


_PARSERS: dict[str, Callable[[object], Any]] = {
    "ollama_host": _host,
    "model": _text,
    "request_timeout": _seconds,
    "connect_timeout": _seconds,
    "theme": _text,
}


# --------------------------------------------------------------------------- config file


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the config file is looked for: ``$MLEMOD_CONFIG``, else the XDG location."""
    env = os.environ if env is None else env
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser()
    base = env.get("XDG_CONFIG_HOME") or ""
    root = Path(base).expanduser() if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "mlemod-tui" / "config.toml"


def _read_config(path: Path, *, required: bool) -> dict[str, Any]:
    """The config file's settings; a missing default file means "no settings"."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path} does not exist") from None
        return {}
    except OSError as err:
        raise ConfigError(f"cannot read config file {path}: {err.strerror or err}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise ConfigError(f"config file {path} is not UTF-8 text (byte {err.start})") from None
    except tomllib.TOMLDecodeError as err:
        # tomllib's message already says "(at line L, column C)".
        raise ConfigError(f"config file {path} is not valid TOML: {err}") from None
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown setting {unknown[0]!r} "
            f"(known: {', '.join(_FIELDS)})"
        )
    return data


# --------------------------------------------------------------------------- loading


def load_settings(
    flags: Mapping[str, object | None] | None = None,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Resolve every setting: flags > environment > config file > defaults.

    ``flags`` is keyed by field name (``vars(argparse_namespace)`` works: other keys are
    ignored, and a ``None`` value means the flag was not given). ``env`` defaults to
    ``os.environ``. ``config_path`` defaults to :func:`default_config_path`; a path given
    here or through ``$MLEMOD_CONFIG`` must exist, the default one may be absent.
    Raises :class:`ConfigError` naming the source of any unusable value.
    """
    env = os.environ if env is None else env
    flags = flags or {}
    required = config_path is not None or bool(env.get(CONFIG_ENV))
    path = config_path if config_path is not None else default_config_path(env)
    file_values = _read_config(path, required=required)

    values: dict[str, Any] = {}
    for name, spec in _FIELDS.items():
        parse = _PARSERS[name]
        flag_value = flags.get(name)
        env_name = spec.metadata["env"]
        if flag_value is not None:
            source = f"{spec.metadata['flag'] or name}"
            raw: object = flag_value
        elif env_name and env.get(env_name, "").strip():
            source = f"environment variable {env_name}"
            raw = env[env_name]
        elif name in file_values:
            source = f"config file {path}: {name}"
            raw = file_values[name]
        else:
            continue
        try:
            values[name] = parse(raw)
        except ValueError as err:
            raise ConfigError(f"{source} = {raw!r}: {err}") from None
    return Settings(**values)
