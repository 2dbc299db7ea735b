"""Acceptance: the ``clinicguide-validate`` pre-commit hook, run by pre-commit's own ``try-repo``.

pre-commit clones this repository and installs it, with its dependencies, into a fresh
virtual environment before it runs the hook: that needs PyPI (and takes about a minute),
nothing else on the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MINIMAL = REPO / "tests" / "unit" / "content" / "examples" / "valid" / "minimal.yaml"


def _git(*args: str, cwd: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.slow
def test_the_hook_validates_the_guidance_of_a_content_repository(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "test",
           "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    content = tmp_path / "content"
    (content / "guidance").mkdir(parents=True)
    (content / ".ci").mkdir()
    minimal = MINIMAL.read_text(encoding="utf-8")
    (content / "guidance" / "good.yaml").write_text(minimal)
    (content / "guidance" / "bad.yaml").write_text(minimal.replace("example-minimal", "bad").replace("severity: mild",
                                                                                                   "severity: sever"))
    (content / ".ci" / "workflow.yaml").write_text("not: [guidance]\n")  # other YAML: not the hook's business
    _git("init", "-q", cwd=content, env=env)
    _git("add", ".", cwd=content, env=env)

    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "clinicguide-validate", "--all-files"],
                          cwd=content, env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "guidance/bad.yaml:" in out and " CG204 'sever' is not allowed for severity" in out
    assert "good.yaml" not in out.replace("guidance/bad.yaml", "") and "workflow.yaml" not in out
    assert "2 files checked: 1 problem(s)" in out
