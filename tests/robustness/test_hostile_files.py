"""Files that are not what they seem: links out of a release tree, special files as outputs, devices and
endless pipes as inputs. Each is refused with a located or named message, exit 1 or 2, no traceback,
and nothing read from or written to where it should not be.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinicguide.bounded import Unreadable, read_bounded
from clinicguide.resources import data_root

REPO = Path(__file__).resolve().parents[2]
PATIENT = REPO / "examples" / "patients" / "maria-lopez.json"
ANSWERS = REPO / "examples" / "answers" / "maria-lopez-microneedling.json"
RESPONSE = REPO / "examples" / "responses" / "microneedling-complete.json"
CANARY = "Qzx-outside-the-tree-9931"


def run(*args: str, shell: bool = False, stdin: bytes | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    command: list[str] | str = [sys.executable, "-m", "clinicguide", *args]
    if shell:  # process substitution needs bash
        command = ["bash", "-c", f"{sys.executable} -m clinicguide {' '.join(args)}"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=120,
                          input=None if stdin is None else stdin.decode("latin-1"))
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for folder in ("guidance", "schemas"):
        shutil.copytree(data_root() / folder, root / folder)
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.json").write_text(f'{{"note": "{CANARY}"}}', encoding="utf-8")
    (path / "extra.yaml").write_text(f"# {CANARY}\n", encoding="utf-8")
    return path


# -- class 3: release build packs only the tree's own regular files, and writes only a regular file ----

LINKS = [
    ("schema file", "schemas/x.json", "secret.json"),
    ("schema folder", "schemas/guidance/9.9", "."),
    ("guidance file", "guidance/extra.yaml", "extra.yaml"),
    ("guidance folder", "guidance/site", "."),
]


@pytest.mark.parametrize(("case", "where", "target"), LINKS, ids=[c for c, _, _ in LINKS])
def test_build_refuses_a_link_out_of_the_tree(case: str, where: str, target: str, tree: Path, outside: Path,
                                              tmp_path: Path) -> None:
    (tree / where).symlink_to(outside / target)
    out = tmp_path / "bundle.tar.gz"
    done = run("release", "build", "--root", str(tree), "--out", str(out))
    assert done.returncode == 1, done.stderr
    assert f"{where}: CG405 is a symbolic link" in done.stderr
    assert CANARY not in done.stdout + done.stderr
    assert not out.exists()


def test_build_refuses_a_link_swapped_in_after_the_tree_was_checked(tree: Path, outside: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from clinicguide.errors import ContentError
    from clinicguide.release import build

    real = build.check_paths

    def check_then_swap(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        schema = tree / "schemas" / "guidance" / "1.0" / "guidance.schema.json"
        schema.unlink()
        schema.symlink_to(outside / "secret.json")
        return found

    monkeypatch.setattr(build, "check_paths", check_then_swap)
    with pytest.raises(ContentError) as raised:
        build.build(tree)
    assert [p.code for p in raised.value.problems] == ["CG405"] and CANARY not in str(raised.value)


def test_build_refuses_special_files_in_the_tree(tree: Path, tmp_path: Path) -> None:
    os.mkfifo(tree / "guidance" / "pipe.yaml")  # would block a reader for ever
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tree / "schemas" / "s.json"))
        done = run("release", "build", "--root", str(tree), "--out", str(tmp_path / "b.tar.gz"))
    assert done.returncode == 1
    assert "guidance/pipe.yaml: CG405" in done.stderr and "schemas/s.json: CG405" in done.stderr


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "out.fifo"
    os.mkfifo(path)
    return path


def test_build_does_not_replace_a_pipe_device_or_link(fifo: Path, tmp_path: Path) -> None:
    target = tmp_path / "target.tar.gz"
    target.write_bytes(b"keep")
    link = tmp_path / "link.tar.gz"
    link.symlink_to(target)
    for out in (fifo, Path("/dev/null"), link):
        done = run("release", "build", "--out", str(out))
        assert done.returncode == 2 and f"{out}: is " in done.stderr, done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_ISCHR(Path("/dev/null").lstat().st_mode)
    assert link.is_symlink() and target.read_bytes() == b"keep"


def test_command_output_files_are_not_special_files_either(fifo: Path) -> None:
    done = run("export", "--fhir", "R4", "--output", str(fifo))
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


# -- class 4: one bounded reader for every input ---------------------------------------------------

DEVICE_INPUTS = [
    ["screen", "microneedling", "--patient", "/dev/zero"],
    ["plan", "microneedling", "--patient", str(PATIENT), "--answers", "/dev/urandom"],
    ["consent", "microneedling", "--response", "/dev/zero"],
    ["release", "verify", "/dev/zero"],
    ["diff", "/dev/urandom", "/dev/zero"],
]


@pytest.mark.parametrize("args", DEVICE_INPUTS, ids=[" ".join(a[:2]) for a in DEVICE_INPUTS])
def test_a_device_is_refused_as_an_input(args: list[str]) -> None:
    done = run(*args)
    assert done.returncode == 2, done.stderr
    assert "is a character device, not a file" in done.stderr


def test_a_device_given_to_validate_is_a_located_problem() -> None:
    done = run("validate", "/dev/zero")
    assert done.returncode == 1 and "zero:1:1: CG101 is a character device, not a file" in done.stdout


def test_a_link_to_a_device_in_a_guidance_folder_is_a_located_problem(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "zero.yaml").symlink_to("/dev/zero")
    done = run("validate", str(folder))
    assert done.returncode == 1 and "zero.yaml:1:1: CG101 is a character device, not a file" in done.stdout


ENDLESS = [
    ("--patient", ["screen", "microneedling", "--patient", "<(yes)"], "larger than"),
    ("--answers", ["screen", "microneedling", "--patient", str(PATIENT), "--answers", "<(yes)"], "larger than"),
    ("--response", ["consent", "microneedling", "--response", "<(yes)"], "larger than"),
    ("bundle", ["release", "verify", "<(yes)"], "expands to more than|not a gzip|bundle file is larger|limit"),
]


@pytest.mark.parametrize(("case", "args", "message"), ENDLESS, ids=[c for c, _, _ in ENDLESS])
def test_an_endless_pipe_is_read_no_further_than_the_limit(case: str, args: list[str], message: str) -> None:
    done = run(*args, shell=True)
    assert done.returncode in (1, 2), done.stderr
    assert any(part in done.stderr for part in message.split("|")), done.stderr


def test_a_pipe_with_a_patient_is_read_like_standard_input() -> None:
    done = run("screen", "microneedling", "--patient", f"<(cat {PATIENT})", "--answers", f"<(cat {ANSWERS})",
               "--param", "needle-depth=1.0mm", "--last-treatment", "never", "--date", "2026-12-01", shell=True)
    assert done.returncode == 0, done.stderr
    assert '"decision"' in done.stdout


def test_endless_standard_input_is_bounded() -> None:
    done = run("screen", "microneedling", "--patient", "-", stdin=b"[" * 25_000_000)
    assert done.returncode == 1 and "larger than" in done.stderr


@pytest.fixture
def sock(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "in.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        yield path


def test_the_reader_refuses_what_is_not_a_file(tmp_path: Path, sock: Path, fifo: Path) -> None:
    link = tmp_path / "link"
    (tmp_path / "real").write_bytes(b"12345")
    link.symlink_to(tmp_path / "real")
    cases = [(Path("/dev/zero"), {}, "a character device"), (sock, {}, "a socket"), (tmp_path, {}, "a folder"),
             (fifo, {}, "a named pipe"), (link, {"links": False}, "a symbolic link"),
             (tmp_path / "missing", {}, "no such file")]
    for path, options, reason in cases:
        with pytest.raises(Unreadable) as raised:
            read_bounded(path, 10, **options)  # type: ignore[arg-type]
        assert reason in raised.value.reason
    assert read_bounded(link, 5) == b"12345"
    with pytest.raises(Unreadable) as raised:
        read_bounded(link, 4)
    assert raised.value.kind == "too-large"


def test_a_bundle_with_a_device_member_is_still_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "device.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        info = tarfile.TarInfo("clinicguide-release/guidance/zero.yaml")
        info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 5
        tar.addfile(info)
    done = run("release", "verify", str(bundle))
    assert done.returncode == 1 and "is a character device" in done.stderr
