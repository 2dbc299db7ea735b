"""Reading a release bundle without trusting it: in memory, bounded, every member checked.

Nothing is extracted. The gzip stream is expanded up to a fixed limit (so a small
"zip bomb" cannot fill memory), then each tar member is checked before its bytes are
read: only regular files and folders under the single top folder, with plain relative
names, no duplicates, and bounded sizes. Every unsafe member is reported, not just the
first, and the whole bundle is then refused.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import tarfile
import zlib
from pathlib import Path, PurePosixPath

from ..bounded import Unreadable, read_bounded
from ..errors import BundleRefused, Problem, UsageError, whole_file

#: The one top-level folder every member of a bundle sits in (so extracting is tidy).
TOP = "clinicguide-release"
#: Limits far above a real bundle (well under 1 MB) and far below harm.
MAX_BUNDLE_BYTES = 32 * 2**20
MAX_EXPANDED_BYTES = 64 * 2**20
MAX_MEMBER_BYTES = 8 * 2**20
MAX_MEMBERS = 10_000
MAX_NAME_CHARS = 512
MAX_PART_BYTES = 255  # the common file-system limit for one name

_TYPE_NAMES = {
    tarfile.SYMTYPE: "a symbolic link",
    tarfile.LNKTYPE: "a hard link",
    tarfile.CHRTYPE: "a character device",
    tarfile.BLKTYPE: "a block device",
    tarfile.FIFOTYPE: "a named pipe",
    tarfile.CONTTYPE: "a contiguous file",
    tarfile.GNUTYPE_SPARSE: "a sparse file",
}


def read_bundle(path: Path) -> dict[str, bytes]:
    """The files of the bundle at ``path``, by name relative to the top folder.

    :raises UsageError: if ``path`` is not a readable file.
    :raises BundleRefused: with every problem, if the bundle is malformed or unsafe.
    """
    return read_bundle_bytes(read_raw(path), str(path))


def read_raw(path: Path) -> bytes:
    """The bytes of the bundle file at ``path``, refusing one too large to be a bundle."""
    label = str(path)
    try:
        return read_bounded(path, MAX_BUNDLE_BYTES, pipes=True)
    except Unreadable as exc:
        if exc.kind == "too-large":
            raise BundleRefused(label, [whole_file("CG404", label, f"bundle {exc.reason}")]) from None
        if exc.kind in ("folder", "not-a-file"):
            raise UsageError(f"{label}: {exc.reason}; give a release bundle (.tar.gz)") from None
        raise UsageError(f"{label}: {exc.reason}") from None


def read_bundle_bytes(raw: bytes, label: str) -> dict[str, bytes]:
    """Like :func:`read_bundle`, for bundle bytes already in memory."""
    if len(raw) > MAX_BUNDLE_BYTES:
        raise BundleRefused(label, [whole_file("CG404", label, f"bundle is {len(raw)} bytes; the limit is {MAX_BUNDLE_BYTES}")])
    return _members(_gunzip(raw, label), label)


def _gunzip(raw: bytes, label: str) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw), mode="rb") as stream:
            # GzipFile.read(n) decompresses at most n bytes, so the bound holds in memory too.
            expanded = stream.read(MAX_EXPANDED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise BundleRefused(label, [whole_file("CG404", label, f"not a gzip-compressed tar archive ({exc})")]) from None
    if len(expanded) > MAX_EXPANDED_BYTES:
        raise BundleRefused(label, [whole_file("CG404", label, f"bundle expands to more than {MAX_EXPANDED_BYTES} bytes")])
    return expanded


def _members(tar_bytes: bytes, label: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    refused: list[Problem] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tar:
            _read_members(tar, label, files, refused)
            trailing = tar_bytes[tar.offset:]
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BundleRefused(label, [*refused, whole_file("CG404", label, f"not a readable tar archive ({exc})")]) from None
    refused += _inside_files(files)
    if trailing.strip(b"\0"):
        refused.append(whole_file("CG404", label, "holds data after the end of the archive"))
    if not files and not refused:
        refused.append(whole_file("CG404", label, f"holds no files under {TOP}/"))
    if refused:
        raise BundleRefused(label, refused)
    return files


def _read_members(tar: tarfile.TarFile, label: str, files: dict[str, bytes], refused: list[Problem]) -> None:
    """Read each safe member of ``tar`` into ``files``; add to ``refused`` why any other may not be read."""
    seen: set[str] = set()
    total = 0
    for count, info in enumerate(tar, start=1):
        if count > MAX_MEMBERS:
            refused.append(whole_file("CG404", label, f"more than {MAX_MEMBERS} members"))
            return
        shown = _printable(info.name)
        # Case-folded, so that two names cannot land on one file on a case-insensitive disk.
        if info.name.casefold() in seen:
            refused.append(whole_file("CG404", shown, "appears twice in the bundle (perhaps differing only in case); "
                                      "which copy counts would be ambiguous"))
            continue
        seen.add(info.name.casefold())
        reason = _unsafe(info)
        if reason:
            refused.append(whole_file("CG404", shown, reason))
            continue
        if info.isdir():
            continue  # folders carry no content; re-packed bundles may hold them
        total += info.size
        if total > MAX_EXPANDED_BYTES:
            refused.append(whole_file("CG404", label, f"members add up to more than {MAX_EXPANDED_BYTES} bytes"))
            return
        handle = tar.extractfile(info)
        data = handle.read() if handle is not None else b""
        if len(data) != info.size:
            refused.append(whole_file("CG404", shown, "member is truncated"))
            continue
        files[_relative(info.name)] = data


def _inside_files(files: dict[str, bytes]) -> list[Problem]:
    """Files whose path runs through another file: used both as a file and as a folder, they cannot be written out."""
    found: list[Problem] = []
    for name in files:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) in files:
                found.append(whole_file("CG404", f"{TOP}/{name}",
                                        f"lies inside {TOP}/{'/'.join(parts[:depth])}, which is a file"))
    return found


def _unsafe(info: tarfile.TarInfo) -> str:
    """Why ``info`` may not be in a bundle, or the empty string if it may."""
    name = info.name
    if len(name) > MAX_NAME_CHARS:
        return f"name longer than {MAX_NAME_CHARS} characters"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or "\\" in name:
        return "name holds control characters or backslashes"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "absolute path; members must be relative"
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return "path with '..', '.' or an empty part; members must be plain relative paths"
    if any(len(part.encode("utf-8", "surrogateescape")) > MAX_PART_BYTES for part in parts):
        return f"a path part longer than {MAX_PART_BYTES} bytes"
    if parts[0] != TOP:
        return f"outside the bundle's top folder {TOP}/"
    if info.type in _TYPE_NAMES:
        target = f" to {_printable(info.linkname)!r}" if info.issym() or info.islnk() else ""
        return f"is {_TYPE_NAMES[info.type]}{target}; a bundle holds regular files only"
    if info.isdir():
        return ""
    if not info.isreg():
        return f"has tar type {info.type!r}; a bundle holds regular files only"
    if len(parts) < 2:
        return f"a file in place of the top folder {TOP}/"
    if info.size > MAX_MEMBER_BYTES:
        return f"is {info.size} bytes; the limit per file is {MAX_MEMBER_BYTES}"
    return ""


def _relative(name: str) -> str:
    return str(PurePosixPath(*name.split("/")[1:]))


def _printable(name: str) -> str:
    """A member name safe to print (tar names may hold anything)."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in name)[:MAX_NAME_CHARS]


def materialise(files: dict[str, bytes], into: Path, prefixes: tuple[str, ...] = ("guidance/", "schemas/")) -> None:
    """Write the files whose names start with ``prefixes`` below ``into`` (a temporary folder).

    Names were checked by :func:`read_bundle`; the containment test repeats it so that a
    caller passing names from elsewhere cannot write outside ``into``.
    """
    base = into.resolve()
    for name, data in sorted(files.items()):
        if not name.startswith(prefixes):
            continue
        target = (base / name).resolve()
        if base not in target.parents:
            raise ValueError(f"refusing to write {name!r} outside {base}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as exc:  # the disk, not the bundle: an environment problem
            raise UsageError(f"cannot write temporary file {target}: {exc.strerror or exc}") from None


def as_member(problem: Problem, root: Path, prefix: str = "") -> Problem:
    """``problem`` named by the bundle member it is about (``prefix`` and its path below ``root``,
    where :func:`materialise` wrote the member) rather than by the temporary file."""
    try:
        name = Path(problem.file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return problem
    return dataclasses.replace(problem, file=prefix + name)
