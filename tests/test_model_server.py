"""A model server off this machine is said once at start and recorded (issue 13 item 15)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mlemod_tui.cli import main
from mlemod_tui.model_server import ModelServer, is_loopback
from tests.fake_ollama import FakeOllama
from tests.test_repair_loop import CRASHING, GOOD_DIFF


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:11434", True),
        ("http://127.8.0.1:11434", True),
        ("http://localhost:11434", True),
        ("http://[::1]:11434", True),
        ("http://0.0.0.0:11434", True),
        ("http://gpu-box:11434", False),
        ("http://ollama:11434", False),  # the compose service: another container
        ("https://ollama.example.org:443", False),
        ("http://192.0.2.7:11434", False),
        ("http://[fd00::2]:11434", False),
    ],
)
def test_loopback_or_not(url: str, local: bool) -> None:
    assert is_loopback(url) is local
    notice = ModelServer(url, "m").notice()
    assert (notice is None) is local


def test_the_notice_names_the_host_and_what_is_sent() -> None:
    notice = ModelServer("http://gpu-box:11434", "m").notice()
    assert notice is not None
    assert "gpu-box (http://gpu-box:11434)" in notice
    assert "not to this machine" in notice
    for what in ("cell's code", "traceback", "values read from the kernel"):
        assert what in notice


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(c) for c in CRASHING]), path)
    return path


def _this_machines_address() -> str | None:
    """A non-loopback address of this machine (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if is_loopback(f"http://{address}:1") else address


def test_headless_says_once_on_stderr_and_records_the_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = _this_machines_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to serve on")
    path = _write(tmp_path)
    cell_id = nbformat.read(path, as_version=4).cells[1].id
    report = tmp_path / "report.json"
    with FakeOllama(reply=GOOD_DIFF.format(cid=cell_id), host=address) as server:
        code = main(
            ["run", str(path), "--accept", "all", "--ollama-host", server.url,
             "--report", str(report), "--json"]
        )
        url = server.url
    out, err = capsys.readouterr()
    assert code == 0, err
    notes = [line for line in err.splitlines() if "not to this machine" in line]
    assert len(notes) == 1, err
    assert notes[0].startswith(f"mlemod-tui: note: Model requests go to {address} ({url})")
    expected = {"host": url, "name": address, "loopback": False, "model": "qwen2.5-coder:7b"}
    recorded = json.loads(report.read_text())["model_server"]
    assert {k: recorded[k] for k in expected} == expected and recorded["requests"] >= 1
    assert json.loads(out)["model_server"] == recorded
    saved = nbformat.read(tmp_path / "nb.modernized.ipynb", as_version=4)
    assert saved.metadata["mlemod"]["model_server"] == recorded


def test_headless_loopback_says_nothing_and_still_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path)
    cell_id = nbformat.read(path, as_version=4).cells[1].id
    report = tmp_path / "report.md"
    with FakeOllama(reply=GOOD_DIFF.format(cid=cell_id)) as server:
        code = main(
            ["run", str(path), "--accept", "all", "--ollama-host", server.url]
            + ["--report", str(report), "--quiet"]
        )
        url = server.url
    err = capsys.readouterr().err
    assert code == 0
    assert "not to this machine" not in err
    assert f"- **model server:** {url} (this machine), model qwen2.5-coder:7b, 1 request(s) sent" in report.read_text()


def test_headless_without_the_model_records_no_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--accept rules never asks the model: nothing is said, nothing leaves, none recorded."""
    path = _write(tmp_path)
    code = main(["run", str(path), "--accept", "rules", "--ollama-host", "http://gpu-box.invalid:11434", "--quiet"])
    assert code in (0, 1)
    assert "not to this machine" not in capsys.readouterr().err
    saved = nbformat.read(tmp_path / "nb.modernized.ipynb", as_version=4)
    assert saved.metadata["mlemod"]["model_server"] is None
