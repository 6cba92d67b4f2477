"""conan.tools.files (stub; see conan/__init__.py). copy() really copies, with
Conan's matching: a pattern is matched with fnmatch against each file's path
relative to src, so "sdk/*" takes the whole tree below sdk/."""
import fnmatch
import os
import shutil


def copy(conanfile, pattern, src, dst, keep_path=True, excludes=None, ignore_case=True):
    src = os.path.normpath(src)
    copied = []
    excludes = excludes or ()
    if isinstance(excludes, str):
        excludes = (excludes,)
    # Walk only below the pattern's literal leading directories ("sdk/*" ->
    # sdk/): the same files match, without visiting build trees.
    start = src
    for part in pattern.split("/")[:-1]:
        if any(ch in part for ch in "*?["):
            break
        start = os.path.join(start, part)
    if "/" not in pattern and not any(ch in pattern for ch in "*?["):
        walk = [(src, [], [pattern] if os.path.isfile(os.path.join(src, pattern)) else [])]
    else:
        walk = os.walk(start, followlinks=True)
    for root, dirs, files in walk:
        # Do not descend into excluded trees (tests/peers/node_modules).
        rel_root = os.path.relpath(root, src).replace(os.sep, "/")
        dirs[:] = [d for d in dirs if not any(
            fnmatch.fnmatch(("" if rel_root == "." else rel_root + "/") + d + "/_", e)
            for e in excludes)]
        for name in files:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, src).replace(os.sep, "/")
            if not fnmatch.fnmatch(rel, pattern):
                continue
            if any(fnmatch.fnmatch(rel, e) for e in excludes):
                continue
            target = os.path.join(dst, rel if keep_path else name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(full, target)
            copied.append(target)
    return copied


def load(conanfile, path, encoding="utf-8"):
    with open(path, encoding=encoding) as f:
        return f.read()


def save(conanfile, path, content, append=False, encoding="utf-8"):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "a" if append else "w", encoding=encoding) as f:
        f.write(content)


def rmdir(conanfile, path):
    shutil.rmtree(path, ignore_errors=True)
