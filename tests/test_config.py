"""Settings: flags > environment > config file > defaults, and clear errors for bad values."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest

from mlemod_tui.config import (
    ConfigError,
    Settings,
    default_config_path,
    load_settings,
    normalize_host,
)
from mlemod_tui.errors import MlemodError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_given(tmp_path: Path) -> None:
    settings = load_settings(env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert settings == Settings()
    assert settings.ollama_host == "http://127.0.0.1:11434"
    assert settings.model == "qwen2.5-coder:7b"
    assert settings.request_timeout == 120.0
    assert settings.connect_timeout == 5.0
    assert settings.theme == "mlemod-dark"


def test_settings_are_frozen_and_every_field_is_documented_once() -> None:
    with pytest.raises(FrozenInstanceError):
        Settings().model = "x"  # type: ignore[misc]
    for f in fields(Settings):
        assert Settings.help_for(f.name)
    assert {f.name: f.metadata["flag"] for f in fields(Settings)}["ollama_host"] == "--ollama-host"


def test_precedence_flags_over_env_over_file_over_defaults(tmp_path: Path) -> None:
    config = write(
        tmp_path / "c.toml",
        'model = "file-model"\ntheme = "file-theme"\nrequest_timeout = 30\n'
        'ollama_host = "file-host"\n',
    )
    env = {"MLEMOD_MODEL": "env-model", "MLEMOD_OLLAMA_TIMEOUT": "45", "OLLAMA_HOST": "env-host:1"}
    settings = load_settings(
        flags={"model": "flag-model", "ollama_host": None, "notebook": Path("x.ipynb")},
        env=env,
        config_path=config,
    )
    assert settings.model == "flag-model"  # flag beats env and file
    assert settings.ollama_host == "http://env-host:1"  # None flag = not given; env beats file
    assert settings.request_timeout == 45.0  # env beats file
    assert settings.theme == "file-theme"  # file beats default
    assert settings.connect_timeout == 5.0  # default

    only_file = load_settings(env={}, config_path=config)
    assert (only_file.model, only_file.ollama_host, only_file.request_timeout) == (
        "file-model",
        "http://file-host:11434",
        30.0,
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", "http://127.0.0.1:11434"),
        ("0.0.0.0:11434", "http://0.0.0.0:11434"),
        ("0.0.0.0", "http://0.0.0.0:11434"),
        ("gpu-box", "http://gpu-box:11434"),
        ("gpu-box:8080", "http://gpu-box:8080"),
        (":56789", "http://127.0.0.1:56789"),
        ("http://gpu-box", "http://gpu-box:80"),
        ("https://gpu-box", "https://gpu-box:443"),
        ("http://127.0.0.1:11434/", "http://127.0.0.1:11434"),
        ("example.com:1/path/", "http://example.com:1/path"),
        ("[::1]:9", "http://[::1]:9"),
    ],
)
def test_ollama_host_is_normalised_like_ollama_python(given: str, expected: str) -> None:
    assert normalize_host(given) == expected
    no_file = {"XDG_CONFIG_HOME": "/nonexistent-dir"}
    if given:  # an empty variable counts as unset, which also gives the default
        assert load_settings(env={"OLLAMA_HOST": given, **no_file}).ollama_host == expected
    assert load_settings(flags={"ollama_host": given}, env=no_file).ollama_host == expected


def test_normalisation_agrees_with_the_ollama_client() -> None:
    from ollama._client import _parse_host

    for given in ("0.0.0.0:11434", "gpu-box", "https://h", "h:1/p/", "[::1]", ""):
        assert normalize_host(given) == _parse_host(given)


def test_env_host_is_used(tmp_path: Path) -> None:
    settings = load_settings(env={"OLLAMA_HOST": "0.0.0.0:11434", "XDG_CONFIG_HOME": str(tmp_path)})
    assert settings.ollama_host == "http://0.0.0.0:11434"


def test_config_file_location(tmp_path: Path) -> None:
    assert default_config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == (
        tmp_path / "mlemod-tui" / "config.toml"
    )
    assert default_config_path({}) == Path.home() / ".config" / "mlemod-tui" / "config.toml"
    assert default_config_path({"MLEMOD_CONFIG": str(tmp_path / "x.toml")}) == tmp_path / "x.toml"
    # a relative XDG_CONFIG_HOME is invalid per the spec and ignored
    assert default_config_path({"XDG_CONFIG_HOME": "rel"}) == (
        Path.home() / ".config" / "mlemod-tui" / "config.toml"
    )


def test_xdg_and_mlemod_config_files_are_read(tmp_path: Path) -> None:
    write(tmp_path / "xdg" / "mlemod-tui" / "config.toml", 'model = "from-xdg"\n')
    assert load_settings(env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}).model == "from-xdg"
    other = write(tmp_path / "other.toml", 'model = "from-env-path"\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg"), "MLEMOD_CONFIG": str(other)}
    assert load_settings(env=env).model == "from-env-path"


def test_missing_default_file_is_fine_but_a_named_one_is_an_error(tmp_path: Path) -> None:
    load_settings(env={"XDG_CONFIG_HOME": str(tmp_path / "none")})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env={}, config_path=tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="missing2.toml"):
        load_settings(env={"MLEMOD_CONFIG": str(tmp_path / "missing2.toml")})


def test_malformed_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.toml", 'model = "ok"\ntheme = \n')
    with pytest.raises(ConfigError) as info:
        load_settings(env={}, config_path=bad)
    message = str(info.value)
    assert isinstance(info.value, MlemodError)
    assert str(bad) in message and "not valid TOML" in message and "line 2" in message
    assert "\n" not in message


def test_unknown_key_and_wrong_types_are_explained(tmp_path: Path) -> None:
    typo = write(tmp_path / "typo.toml", 'modle = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown setting 'modle'.*known: ollama_host"):
        load_settings(env={}, config_path=typo)
    wrong = write(tmp_path / "wrong.toml", 'request_timeout = "soon"\n')
    with pytest.raises(ConfigError, match=r"wrong.toml: request_timeout = 'soon': must be a number"):
        load_settings(env={}, config_path=wrong)
    negative = write(tmp_path / "neg.toml", "connect_timeout = -1\n")
    with pytest.raises(ConfigError, match="above 0"):
        load_settings(env={}, config_path=negative)
    with pytest.raises(ConfigError, match="MLEMOD_OLLAMA_TIMEOUT"):
        load_settings(env={"MLEMOD_OLLAMA_TIMEOUT": "abc", "XDG_CONFIG_HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="--model"):
        load_settings(flags={"model": "  "}, env={"XDG_CONFIG_HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="scheme"):
        load_settings(env={"OLLAMA_HOST": "ftp://x", "XDG_CONFIG_HOME": str(tmp_path)})


def test_numeric_flags_and_empty_env_values(tmp_path: Path) -> None:
    env = {"MLEMOD_MODEL": "", "XDG_CONFIG_HOME": str(tmp_path)}
    settings = load_settings(flags={"request_timeout": 7, "connect_timeout": "0.5"}, env=env)
    assert settings.request_timeout == 7.0 and settings.connect_timeout == 0.5
    assert settings.model == "qwen2.5-coder:7b"  # an empty variable counts as unset
