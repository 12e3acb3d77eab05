"""What the kernel's machine runs: Python, the notebook's libraries, the GPU.

Read through the kernel (not in our own process): a remote or GPU kernel can live on another
machine with other packages. The probe is one silent ``user_expressions`` request evaluated in a
private dictionary, so it leaves the user's namespace, ``In``/``Out`` and the execution count
untouched.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlemod_tui.core.kernel import KernelSession

# Import names whose distribution is called something else.
DISTRIBUTION_NAMES = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "skimage": "scikit-image",
    "tf": "tensorflow",
    "yaml": "pyyaml",
}
# The libraries worth naming in the kernel bar even when a notebook imports many more.
MAIN_LIBRARIES = (
    "numpy",
    "pandas",
    "sklearn",
    "scipy",
    "matplotlib",
    "seaborn",
    "torch",
    "tensorflow",
    "keras",
    "xgboost",
    "lightgbm",
    "torchvision",
    "statsmodels",
)

_PROBE = r'''
import json, importlib.metadata as md, platform, shutil, subprocess, sys
def _version(name):
    try:
        return md.version(name)
    except Exception:
        module = sys.modules.get(name)
        return getattr(module, "__version__", None)
versions = {name: _version(dist) for name, dist in NAMES.items()}
gpus = []
if shutil.which("nvidia-smi"):
    try:
        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.used,memory.total,utilization.gpu",
             "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=3).stdout
        for line in out.strip().splitlines():
            parts = [p.strip() for p in line.split(",")]
            if len(parts) == 4:
                gpus.append({"name": parts[0], "memory_used_mib": float(parts[1]),
                             "memory_total_mib": float(parts[2]), "utilization": float(parts[3])})
    except Exception:
        pass
frameworks = {}
torch = sys.modules.get("torch")
if torch is not None:
    try:
        frameworks["torch"] = {"cuda": bool(torch.cuda.is_available()),
                               "devices": torch.cuda.device_count()}
    except Exception:
        pass
tf = sys.modules.get("tensorflow")
if tf is not None:
    try:
        frameworks["tensorflow"] = {"gpus": len(tf.config.list_physical_devices("GPU"))}
    except Exception:
        pass
RESULT = json.dumps({"python": platform.python_version(), "versions": versions,
                     "gpus": gpus, "frameworks": frameworks, "executable": sys.executable})
'''


@dataclass(frozen=True)
class GpuFacts:
    name: str
    memory_used_mib: float
    memory_total_mib: float
    utilization: float

    def describe(self) -> str:
        return (
            f"{self.name} {self.memory_used_mib / 1024:.1f}/{self.memory_total_mib / 1024:.1f} GiB "
            f"{self.utilization:.0f}%"
        )


@dataclass(frozen=True)
class EnvironmentFacts:
    python: str
    versions: dict[str, str | None] = field(default_factory=dict)
    gpus: tuple[GpuFacts, ...] = ()
    frameworks: dict[str, Any] = field(default_factory=dict)

    def gpu_summary(self) -> str:
        return "; ".join(gpu.describe() for gpu in self.gpus) if self.gpus else "no GPU"

    def to_json(self) -> dict[str, Any]:
        return {
            "python": self.python,
            "versions": dict(self.versions),
            "gpus": [gpu.__dict__ for gpu in self.gpus],
            "frameworks": dict(self.frameworks),
        }


NVIDIA_SMI_QUERY = [
    "nvidia-smi",
    "--query-gpu=name,memory.used,memory.total,utilization.gpu",
    "--format=csv,noheader,nounits",
]


def query_local_gpus(timeout: float = 3.0) -> tuple[GpuFacts, ...] | None:
    """GPUs of *this* machine via nvidia-smi; None when there is no nvidia-smi.

    Used to refresh the kernel bar while a local kernel is busy (a busy kernel cannot answer
    the probe); a remote kernel's GPU is only read through the kernel, between cells.
    """
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(
            NVIDIA_SMI_QUERY, capture_output=True, text=True, timeout=timeout, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return tuple(_gpu_rows(out))


def _gpu_rows(out: str) -> list[GpuFacts]:
    rows = []
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 4:
            continue
        try:
            rows.append(GpuFacts(parts[0], float(parts[1]), float(parts[2]), float(parts[3])))
        except ValueError:
            continue  # "[N/A]" fields on some boards
    return rows


def imported_modules(sources: list[str]) -> list[str]:
    """Top-level module names the cells import, in first-seen order (cells that do not parse,
    e.g. with IPython magics, are read line by line)."""
    seen: dict[str, None] = {}
    for source in sources:
        for name in _imports_of(source):
            seen.setdefault(name, None)
    return list(seen)


def _imports_of(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        kept = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(kept)
        except SyntaxError:
            return []
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module.split(".")[0])
    return names


def libraries_to_report(sources: list[str], folder: Path | None = None) -> list[str]:
    """Main libraries the notebook imports (known ML ones first), at most eight. A module of
    the notebook's own (``preamble.py`` or a package beside it in ``folder``) is no library:
    calling it "not installed" would send people to pip for a file they have."""
    imported = [name for name in imported_modules(sources) if name not in sys.stdlib_module_names]
    if folder is not None:
        imported = [
            name
            for name in imported
            if not (folder / f"{name}.py").is_file()
            and not (folder / name / "__init__.py").is_file()
        ]
    known = [name for name in MAIN_LIBRARIES if name in imported]
    others = [name for name in imported if name not in known]
    return (known + others)[:8]


def probe_expression(libraries: list[str]) -> str:
    """One expression that runs the probe in a private dict and returns its JSON."""
    names = {name: DISTRIBUTION_NAMES.get(name, name) for name in libraries}
    code = f"NAMES = {names!r}\n" + _PROBE
    return f"(lambda ns: (exec({code!r}, ns), ns['RESULT'])[1])({{}})"


async def probe_environment(kernel: KernelSession, libraries: list[str]) -> EnvironmentFacts:
    """Ask the kernel's machine for its Python, library versions and GPUs."""
    results = await kernel.evaluate_silently("", {"env": probe_expression(libraries)})
    return parse_probe(results.get("env"))


def parse_probe(text_plain: str | None) -> EnvironmentFacts:
    """Decode the probe's ``text/plain`` (a repr of a JSON string)."""
    if not text_plain:
        return EnvironmentFacts(python="unknown")
    try:
        payload = json.loads(ast.literal_eval(text_plain))
    except (ValueError, SyntaxError):
        return EnvironmentFacts(python="unknown")
    gpus = tuple(GpuFacts(**gpu) for gpu in payload.get("gpus", []))
    return EnvironmentFacts(
        python=payload.get("python", "unknown"),
        versions=payload.get("versions", {}),
        gpus=gpus,
        frameworks=payload.get("frameworks", {}),
    )
