#!/usr/bin/env python3
"""Recreate the corpus' third-party notebooks and their data under corpus/notebooks/<id>/.

The notebooks belong to their authors, so the repository commits only the manifest (repo,
commit, path, support files); this script brings the files back from git. Each entry's
files keep their layout inside the source repository (``corpus/notebooks/<id>/<path>``), so
relative reads such as ``../data/x.csv`` or ``os.chdir('../notebook_format')`` resolve as
they did for the author.

Where the git objects come from, in order:
1. a local mirror under ``--mirrors DIR`` (default ``/work/.mirror``, or ``$MLEMOD_MIRRORS``),
   as the search tool's ``fetch`` lays them out (``DIR/<owner>+<name>/repo``, bare or not) or
   as ``git clone --bare`` does (``DIR/<owner>+<name>.git``, ``DIR/<name>.git``);
2. a bare clone kept in ``--clone-dir`` (default ``corpus/.mirrors/``), made with
   ``git clone --bare https://github.com/OWNER/NAME`` when there is network.

Standard library only, so it runs before anything is installed.

Usage: python corpus/restore.py [--only ID ...] [--mirrors DIR] [--force] [--list]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_MANIFEST = HERE / "manifest.json"
DEFAULT_DEST = HERE / "notebooks"
DEFAULT_CLONES = HERE / ".mirrors"
DEFAULT_MIRRORS = Path(os.environ.get("MLEMOD_MIRRORS", "/work/.mirror"))


class RestoreError(Exception):
    """A notebook could not be restored; the message says why in one line."""


def load_manifest(path: Path = DEFAULT_MANIFEST) -> dict[str, Any]:
    """The manifest as a dict with a ``notebooks`` list."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _is_git_dir(path: Path) -> bool:
    """A bare repository or a ``.git`` folder: it has objects and a HEAD."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def mirror_candidates(repo: str, mirrors: Path) -> list[Path]:
    """Where a mirror of ``owner/name`` may lie under ``mirrors``, most likely first."""
    owner, name = repo.split("/", 1)
    flat = f"{owner}+{name}"
    return [
        mirrors / flat / "repo" / ".git",
        mirrors / flat / "repo",
        mirrors / flat / ".git",
        mirrors / flat,
        mirrors / f"{flat}.git",
        mirrors / f"{name}.git",
        mirrors / owner / f"{name}.git",
        mirrors / owner / name / ".git",
    ]


def _has_commit(git_dir: Path, commit: str) -> bool:
    result = subprocess.run(
        ["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
        capture_output=True,
    )
    return result.returncode == 0


def find_git_dir(
    repo: str, commit: str, mirrors: Path, clones: Path, *, network: bool, ref: str | None = None
) -> Path:
    """A git directory holding ``commit``: a local mirror, else a (fresh) bare clone.

    ``ref`` names a ref outside the branches that holds the commit (a pull request's head,
    ``refs/pull/N/head``): a plain bare clone does not fetch those, so it is fetched by name.
    """
    for candidate in [*mirror_candidates(repo, mirrors), *mirror_candidates(repo, clones)]:
        if _is_git_dir(candidate) and _has_commit(candidate, commit):
            return candidate
    if not network:
        raise RestoreError(f"{repo}: no mirror holding {commit[:12]} under {mirrors} or {clones}")
    owner, name = repo.split("/", 1)
    target = clones / f"{owner}+{name}.git"
    if _is_git_dir(target):  # an older clone: fetch what is new
        command = ["git", "--git-dir", str(target), "fetch", "--quiet", "origin", "+refs/*:refs/*"]
    else:
        clones.mkdir(parents=True, exist_ok=True)
        command = ["git", "clone", "--quiet", "--bare", f"https://github.com/{repo}", str(target)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode == 0 and ref and not _has_commit(target, commit):
        fetch = ["git", "--git-dir", str(target), "fetch", "--quiet", "origin", f"+{ref}:{ref}"]
        result = subprocess.run(fetch, capture_output=True, text=True)
    if result.returncode != 0 or not _has_commit(target, commit):
        detail = (result.stderr.strip().splitlines() or ["commit not found"])[-1]
        raise RestoreError(f"{repo}: could not clone or find {commit[:12]}: {detail}")
    return target


def entry_paths(entry: dict[str, Any]) -> list[str]:
    """The notebook and its support files or folders, as paths inside the repository."""
    return [entry["path"], *entry.get("support", [])]


MARKER = ".restored.json"


def _wanted(entry: dict[str, Any]) -> dict[str, Any]:
    """What a restored folder must match to be reused: the commit and the list of paths."""
    return {"repo": entry["repo"], "commit": entry["commit"], "paths": entry_paths(entry),
            "mkdirs": entry.get("mkdirs", [])}


def is_restored(entry: dict[str, Any], dest: Path = DEFAULT_DEST) -> bool:
    """The folder holds this entry's notebook from this commit with these support paths."""
    marker = dest / entry["id"] / MARKER
    try:
        return json.loads(marker.read_text(encoding="utf-8")) == _wanted(entry)
    except (OSError, ValueError):
        return False


def restore_entry(entry: dict[str, Any], git_dir: Path, dest: Path, *, force: bool) -> Path:
    """Write the entry's files under ``dest/<id>/`` with their repository layout.

    ``git archive`` reads a commit's tree straight from a bare repository, folders included;
    the tar is unpacked with the ``data`` filter, so no path can escape the target folder.
    A marker file remembers the commit and paths, so a changed manifest entry is restored
    again rather than silently reused. Returns the restored notebook's path.
    """
    target = dest / entry["id"]
    notebook = target / entry["path"]
    if not force and is_restored(entry, dest) and notebook.exists():
        return notebook
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    command = ["git", "--git-dir", str(git_dir), "archive", "--format=tar", entry["commit"], "--"]
    result = subprocess.run([*command, *entry_paths(entry)], capture_output=True)
    if result.returncode != 0:
        shutil.rmtree(target, ignore_errors=True)
        message = result.stderr.decode(errors="replace").strip().splitlines()
        detail = message[-1] if message else "?"
        if "cannot read" in detail or "bad object" in detail:
            detail += " (the mirror lacks this object: a partial mirror without its largest files)"
        raise MissingObjects(f"{entry['id']}: git archive failed: {detail}")
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(target, filter="data")
    for relative in entry.get("mkdirs", []):  # folders the notebook writes into
        (target / relative).mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text(json.dumps(_wanted(entry)), encoding="utf-8")
    return notebook


class MissingObjects(RestoreError):
    """The git directory has the commit but not every file of it (a partial mirror)."""


def restore(
    entries: list[dict[str, Any]],
    *,
    mirrors: Path = DEFAULT_MIRRORS,
    clones: Path = DEFAULT_CLONES,
    dest: Path = DEFAULT_DEST,
    force: bool = False,
    network: bool = True,
    stream: Any = sys.stderr,
) -> tuple[list[Path], list[str]]:
    """Restore every entry; returns the notebooks written and one line per failure.

    A mirror that has the commit but lacks one of its files is followed by a full bare clone
    from GitHub, where there is network.
    """
    written: list[Path] = []
    failures: list[str] = []
    git_dirs: dict[tuple[str, str], Path] = {}
    for entry in entries:
        key = (entry["repo"], entry["commit"])
        try:
            if not force and is_restored(entry, dest) and (dest / entry["id"] / entry["path"]).exists():
                written.append(dest / entry["id"] / entry["path"])
                continue
            if key not in git_dirs:
                git_dirs[key] = find_git_dir(
                    *key, mirrors, clones, network=network, ref=entry.get("ref")
                )
            try:
                written.append(restore_entry(entry, git_dirs[key], dest, force=force))
            except MissingObjects:
                if not network:
                    raise
                git_dirs[key] = find_git_dir(
                    *key, Path("/nonexistent"), clones, network=True, ref=entry.get("ref")
                )
                written.append(restore_entry(entry, git_dirs[key], dest, force=force))
        except RestoreError as exc:
            failures.append(str(exc))
            print(f"error: {exc}", file=stream)
    return written, failures


def select(entries: list[dict[str, Any]], only: list[str] | None) -> list[dict[str, Any]]:
    """The entries named by ``--only`` (all when empty); unknown ids are an error."""
    if not only:
        return entries
    known = {entry["id"]: entry for entry in entries}
    missing = [name for name in only if name not in known]
    if missing:
        raise RestoreError(f"unknown id(s): {', '.join(missing)}")
    return [known[name] for name in only]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Recreate the corpus notebooks and their support files under "
        "corpus/notebooks/<id>/ from local git mirrors, else from GitHub."
    )
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS,
                        help="folder of mirrors laid out as DIR/<owner>+<name>/repo "
                        "(default: $MLEMOD_MIRRORS or /work/.mirror)")
    parser.add_argument("--clone-dir", type=Path, default=DEFAULT_CLONES,
                        help="where bare clones from GitHub are kept (default corpus/.mirrors)")
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST,
                        help="where notebooks are written (default corpus/notebooks)")
    parser.add_argument("--only", nargs="+", metavar="ID", help="restore only these ids")
    parser.add_argument("--force", action="store_true", help="rewrite notebooks already there")
    parser.add_argument("--offline", action="store_true", help="never clone from GitHub")
    parser.add_argument("--list", action="store_true", help="print the ids and paths, restore nothing")
    args = parser.parse_args(argv)
    try:
        entries = select(load_manifest(args.manifest)["notebooks"], args.only)
    except (OSError, ValueError, KeyError, RestoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for entry in entries:
            print(f"{entry['id']}\t{entry['repo']}@{entry['commit'][:10]}\t{entry['path']}")
        return 0
    written, failures = restore(
        entries, mirrors=args.mirrors, clones=args.clone_dir, dest=args.dest,
        force=args.force, network=not args.offline,
    )
    print(f"restored {len(written)} of {len(entries)} notebooks under {args.dest}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
