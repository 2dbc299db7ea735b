"""The loosening plugin is refused, through its entry point and in-process, naming the plugin and the item."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from clinicguide import PluginError

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src"
REFUSAL = ("plugin 'loosening-example' in hook 'clinicguide_amend_guidance': "
           "rng-needle-depth: 0.3-2 mm would widen the range 0.5-1.5 mm; only narrowing is allowed")


@pytest.fixture
def installed(clinicguide_installed: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The plugin discoverable through its entry point, for this process and its subprocesses.

    The example site plugin, if installed too, is blocked: it narrows the same range first,
    which would change the numbers in the refusal.
    """
    monkeypatch.setenv("CLINICGUIDE_DISABLE_PLUGINS", "example-site")
    env = clinicguide_installed("clinicguide-loosening-example", "0.1.0",
                                {"loosening-example": "clinicguide_loosening_example"}, SOURCE)
    env["CLINICGUIDE_DISABLE_PLUGINS"] = "example-site"
    return env


def cli(env: dict[str, str], *args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True,
                          env=env, cwd=tmp, timeout=120)


def test_the_entry_point_is_found(installed: dict[str, str]) -> None:
    found = [ep for ep in entry_points(group="clinicguide") if ep.name == "loosening-example"]
    assert [ep.value for ep in found] == ["clinicguide_loosening_example"]


def test_cli_refuses_with_the_plugin_and_the_item(installed: dict[str, str], tmp_path: Path) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"id": "p1", "birthDate": "1990-01-01", "gender": "female"}))
    done = cli(installed, "screen", "microneedling", "--patient", str(patient), "--param", "needle-depth=1.8mm", tmp=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == f"clinicguide: error: {REFUSAL}\n"
    assert REFUSAL in (ROOT / "README.md").read_text()


def test_every_command_that_loads_guidance_refuses(installed: dict[str, str], tmp_path: Path) -> None:
    for args in (["list"], ["checklist", "ha-dermal-filler"], ["show", "microneedling"]):
        done = cli(installed, *args, tmp=tmp_path)
        assert (done.returncode, done.stderr) == (2, f"clinicguide: error: {REFUSAL}\n"), args
    listing = cli(installed, "plugins", tmp=tmp_path)  # listing plugins loads no guidance: it shows the culprit
    assert listing.returncode == 0
    assert "loosening-example      clinicguide-loosening-example 0.1.0" in listing.stdout
    blocked = cli({**installed, "CLINICGUIDE_DISABLE_PLUGINS": "example-site,loosening-example"}, "list", tmp=tmp_path)
    assert blocked.returncode == 0 and "microneedling" in blocked.stdout


def test_in_process_the_host_gets_a_named_plugin_error(installed: dict[str, str], clinicguide_guide: Any) -> None:
    with pytest.raises(PluginError) as caught:
        clinicguide_guide(entry_point_plugins=True)
    assert (caught.value.plugin, caught.value.hook) == ("loosening-example", "clinicguide_amend_guidance")
    assert str(caught.value) == REFUSAL


def test_removing_a_contraindication_is_refused(clinicguide_guide: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(SOURCE))
    from clinicguide_loosening_example import RemovesContraindication

    with pytest.raises(PluginError) as caught:
        clinicguide_guide(RemovesContraindication())
    assert str(caught.value) == ("plugin 'RemovesContraindication' in hook 'clinicguide_amend_guidance': refused to remove "
                                 "ci-pregnancy in microneedling: a site may add items and narrow limits, never remove, "
                                 "replace or loosen guidance")
    assert str(caught.value) in (ROOT / "README.md").read_text()
