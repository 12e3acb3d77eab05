"""Errors no patch can fix are said plainly (and erosions are not mistaken for them)."""

from __future__ import annotations

from mlemod_tui.assist.rules import classify_error


def test_a_missing_data_file() -> None:
    found = classify_error("FileNotFoundError", "[Errno 2] No such file or directory: 'train.csv'")
    assert found is not None and found.category == "missing-file" and found.detail == "train.csv"
    assert "train.csv" in found.message and "no code change" in found.message.lower()


def test_a_kaggle_input_path_says_where_the_data_goes() -> None:
    found = classify_error(
        "FileNotFoundError", "[Errno 2] No such file or directory: '../input/titanic/train.csv'"
    )
    assert found is not None and "../input/<dataset>/" in found.message


def test_old_pandas_missing_file_message() -> None:
    found = classify_error("OSError", "File b'data.csv' does not exist")
    assert found is not None and found.detail == "data.csv"


def test_a_module_that_is_not_installed_gets_the_pip_command() -> None:
    found = classify_error(
        "ModuleNotFoundError", "No module named 'cv2'", installed=lambda n: False
    )
    assert found is not None and found.category == "missing-module"
    assert found.command == "pip install opencv-python"
    found = classify_error(
        "ModuleNotFoundError", "No module named 'sklearn'", installed=lambda n: False
    )
    assert found is not None and found.command == "pip install scikit-learn"
    found = classify_error(
        "ImportError", "No module named 'xgboost.sklearn'", installed=lambda n: False
    )
    assert found is not None and found.command == "pip install xgboost"


def test_a_module_that_moved_inside_an_installed_package_is_an_erosion() -> None:
    assert (
        classify_error("ModuleNotFoundError", "No module named 'sklearn.cross_validation'") is None
    )
    assert classify_error("ModuleNotFoundError", "No module named 'cPickle'") is None
    assert (
        classify_error("ImportError", "cannot import name 'Imputer' from 'sklearn.preprocessing'")
        is None
    )


def test_network_failures() -> None:
    found = classify_error(
        "URLError",
        "<urlopen error [Errno -3] Temporary failure in name resolution>",
        ["\x1b[0;31mURLError\x1b[0m", "  File ... fetch('https://example.org/data.zip')"],
    )
    assert found is not None and found.category == "network"
    assert found.detail == "https://example.org/data.zip"
    found = classify_error(
        "Exception",
        "URL fetch failure on https://s3.amazonaws.com/img-datasets/mnist.npz: None "
        "-- [Errno -3] Temporary failure in name resolution",
    )
    assert found is not None and found.category == "network"
    assert found.detail == "https://s3.amazonaws.com/img-datasets/mnist.npz"
    assert classify_error("ConnectionError", "HTTPSConnectionPool(host='x'): Max retries exceeded")


def test_ordinary_errors_are_not_unfixable() -> None:
    assert classify_error("ValueError", "could not convert string to float: 'x'") is None
    assert classify_error("AttributeError", "'DataFrame' object has no attribute 'append'") is None
    assert classify_error("KeyError", "'index'", None) is None
