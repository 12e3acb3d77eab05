"""Errors no code patch can fix: missing data files, modules not installed, failed downloads.

Said plainly, with what the user can do (put the file there, ``pip install ...``), so the
repair loop stops proposing code changes for them.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Sequence

from mlemod_tui.assist.rules.model import Unfixable

# Import name -> the distribution to install, where they differ.
DISTRIBUTIONS: dict[str, str] = {
    "sklearn": "scikit-learn",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "skimage": "scikit-image",
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "Crypto": "pycryptodome",
    "dateutil": "python-dateutil",
    "imblearn": "imbalanced-learn",
    "umap": "umap-learn",
    "skopt": "scikit-optimize",
    "pandas_profiling": "ydata-profiling",
    "fbprophet": "prophet",
    "sklearn_pandas": "sklearn-pandas",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_datasets": "tensorflow-datasets",
    "tensorflow_addons": "tensorflow-addons",
    "category_encoders": "category-encoders",
    "Levenshtein": "python-Levenshtein",
    "docx": "python-docx",
    "magic": "python-magic",
    "serial": "pyserial",
    "attr": "attrs",
    "OpenSSL": "pyOpenSSL",
    "jwt": "PyJWT",
    "git": "GitPython",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "zmq": "pyzmq",
    "win32api": "pywin32",
    "pandas_datareader": "pandas-datareader",
    "google.protobuf": "protobuf",
    "mpl_toolkits.basemap": "basemap",
    "Bio": "biopython",
    "gi": "PyGObject",
    "IPython": "ipython",
    "keras_preprocessing": "keras-preprocessing",
    "lxml": "lxml",
    "jieba": "jieba",
    "wordcloud": "wordcloud",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "catboost": "catboost",
    "torch": "torch",
    "torchvision": "torchvision",
    "tensorflow": "tensorflow",
    "keras": "keras",
    "scikeras": "scikeras",
    "tf_keras": "tf_keras",
    "plotly": "plotly",
    "statsmodels": "statsmodels",
    "nltk": "nltk",
    "gensim": "gensim",
    "spacy": "spacy",
    "shap": "shap",
    "missingno": "missingno",
    "folium": "folium",
}
# Names Python 2 or old Python versions had: the rules rewrite these imports.
_RULE_MODULES = {
    "cPickle",
    "cStringIO",
    "StringIO",
    "urllib2",
    "Queue",
    "ConfigParser",
    "httplib",
    "urlparse",
    "HTMLParser",
    "Tkinter",
    "__builtin__",
    "cookielib",
    "commands",
    "imp",
    "distutils",
    "imghdr",
}
_NETWORK_TYPES = {
    "URLError",
    "HTTPError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "ConnectionAbortedError",
    "ConnectTimeout",
    "ReadTimeout",
    "Timeout",
    "MaxRetryError",
    "NewConnectionError",
    "gaierror",
    "SSLError",
    "RemoteDisconnected",
    "IncompleteRead",
    "ContentTooShortError",
    "ProxyError",
    "ChunkedEncodingError",
}
_NETWORK_TEXT = re.compile(
    r"URL fetch failure|urlopen error|Failed to establish a new connection|Max retries exceeded|"
    r"Name or service not known|Temporary failure in name resolution|Network is unreachable|"
    r"nodename nor servname|getaddrinfo failed|HTTP Error \d{3}"
)
_MISSING_FILE = re.compile(
    r"No such file or directory: (?P<q>['\"])(?P<path>.+?)(?P=q)"
    r"|File b?(?P<q2>['\"])(?P<path2>.+?)(?P=q2) does not exist"
)
_NO_MODULE = re.compile(r"No module named (?P<q>['\"])(?P<name>[\w.]+)(?P=q)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_URL = re.compile(r"https?://[^\s'\"<>)]+")


def classify_error(
    ename: str,
    evalue: str,
    traceback: Sequence[str] | str | None = None,
    *,
    installed: Callable[[str], bool] | None = None,
) -> Unfixable | None:
    """An :class:`Unfixable` when no code patch can fix this error, else None.

    ``installed(name)`` says whether a top-level module is importable in the kernel's
    environment (default: this process's, which is the kernel's in the usual local setup).
    """
    ename = ename.rsplit(".", 1)[-1]
    evalue = _ANSI.sub("", evalue or "")
    trace = traceback if isinstance(traceback, str) else "\n".join(traceback or ())
    trace = _ANSI.sub("", trace)
    return (
        _missing_module(ename, evalue, installed or _installed)
        or _network(ename, evalue, trace)
        or _missing_file(ename, evalue)
    )


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _missing_module(ename: str, evalue: str, installed: Callable[[str], bool]) -> Unfixable | None:
    if ename not in ("ModuleNotFoundError", "ImportError"):
        return None
    found = _NO_MODULE.search(evalue)
    if not found:
        return None
    name = found.group("name")
    top = name.split(".", 1)[0]
    if top in _RULE_MODULES or installed(top):
        return None  # a module that moved inside an installed package: an erosion, not this
    dist = DISTRIBUTIONS.get(name) or DISTRIBUTIONS.get(top) or top.replace("_", "-")
    return Unfixable(
        category="missing-module",
        message=f"The module `{top}` is not installed in the kernel's environment. Install it "
        f"(`pip install {dist}`) and restart the kernel; no code change can replace it.",
        detail=top,
        command=f"pip install {dist}",
    )


def _network(ename: str, evalue: str, trace: str) -> Unfixable | None:
    if ename not in _NETWORK_TYPES and not _NETWORK_TEXT.search(evalue):
        return None
    found = _URL.search(evalue) or _URL.search(trace)
    url = found.group(0).rstrip(":.,;") if found else None
    what = f"`{url}`" if url else "data from the internet"
    reason = evalue.strip().splitlines()[0][:160] if evalue.strip() else ename
    return Unfixable(
        category="network",
        message=f"The cell downloads {what} and the download failed ({ename}: {reason}). No "
        "code change fixes that: check the network (a kernel in a container may have none), "
        "or download the file once by hand and point the notebook at the local copy.",
        detail=url,
    )


def _missing_file(ename: str, evalue: str) -> Unfixable | None:
    if ename not in ("FileNotFoundError", "OSError", "IOError"):
        return None
    found = _MISSING_FILE.search(evalue)
    if not found:
        return None
    path = found.group("path") or found.group("path2")
    where = (
        " Kaggle notebooks read their data from `../input/<dataset>/`: download the data set "
        "from Kaggle and put it there, or change the path."
        if "input/" in path
        else " Put the file there (the notebook's folder is the working "
        "directory), or change the path to where you keep it."
    )
    return Unfixable(
        category="missing-file",
        message=f"The notebook reads `{path}`, which does not exist here.{where} No code change "
        "can bring the data back.",
        detail=path,
    )
