"""The project's metadata agrees with itself, and the shipped JupyterLab settings fit JupyterLab.

* ``CITATION.cff`` names the version and licence that ``pyproject.toml`` does; ``LICENSE`` is the MIT
  licence that ``pyproject.toml`` declares (an SPDX string plus ``license-files``, no TOML table:
  setuptools >= 77 warns on every build about the table form).
* ``lab-settings/overrides.json`` only uses settings that exist in the installed JupyterLab's schemas
  with values the schemas allow, ``make setup`` has installed it into the environment, and ``make lab``
  opens a notebook that exists (through ``backprop-lab lab``, tests/test_handout.py).

CITATION.cff is read with a few lines of parsing (only top-level ``key: value`` pairs are needed);
PyYAML, when installed (it comes with Jupyter), cross-checks that reading.
"""
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = ROOT / "lab-settings" / "overrides.json"


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def cff_top_level(text: str) -> dict:
    """The top-level scalar ``key: value`` pairs of a CITATION.cff (quotes removed, comments ignored)."""
    out = {}
    for line in text.splitlines():
        m = re.fullmatch(r"([A-Za-z][A-Za-z0-9-]*):\s*(.*?)\s*", line)
        if not m or not m.group(2) or m.group(2).startswith(("#", ">", "|")):
            continue
        value = m.group(2)
        if value[0] in "\"'":
            value = value[1:value.index(value[0], 1)]
        else:
            value = value.split(" #")[0].strip()
        out[m.group(1)] = value
    return out


def test_cff_reader_on_a_small_example():
    text = 'cff-version: 1.2.0\ntitle: "a: b"\nversion: \'0.1.0\'  # c\nlicense: MIT\nauthors:\n  - name: X\n'
    assert cff_top_level(text) == {"cff-version": "1.2.0", "title": "a: b", "version": "0.1.0", "license": "MIT"}


def test_license_is_an_spdx_string_with_its_file():
    project = pyproject()["project"]
    assert project["license"] == "MIT", "use the SPDX string form (a TOML table is deprecated by setuptools)"
    assert project["license-files"] == ["LICENSE"]
    requires = pyproject()["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(\d+).*", r) and int(re.match(r"setuptools>=(\d+)", r)[1]) >= 77
               for r in requires), f"license-files needs setuptools>=77 to build; build-system requires {requires}"
    assert not [c for c in project.get("classifiers", []) if c.startswith("License ::")], (
        "no License :: classifier next to an SPDX license (setuptools refuses the combination)")


def test_license_file_is_mit():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text
    assert re.search(r"Copyright \(c\) \d{4} The backprop-lab authors", text)


def test_citation_matches_pyproject():
    cff = cff_top_level((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = pyproject()["project"]
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == project["version"], "bump CITATION.cff's version with pyproject.toml's"
    assert cff["license"] == project["license"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cff["date-released"])
    for key in ("title", "message"):
        assert cff.get(key), f"CITATION.cff needs a {key}"


def test_citation_reader_agrees_with_pyyaml():
    yaml = pytest.importorskip("yaml")
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    mine = cff_top_level(text)
    assert {k: str(data[k]) for k in mine} == mine
    assert data["authors"] and all(a.get("name") or a.get("family-names") for a in data["authors"])
    assert data["keywords"]


# --------------------------------------------------------------------------------------------------
# JupyterLab settings shipped for the project's environment
# --------------------------------------------------------------------------------------------------
def _schema(plugin_id: str) -> dict:
    """The installed JupyterLab's schema of ``plugin_id`` ("@scope/package:plugin")."""
    pytest.importorskip("jupyterlab")
    from jupyterlab.commands import get_app_dir

    package, plugin = plugin_id.split(":")
    path = Path(get_app_dir(), "schemas", package, f"{plugin}.json")
    assert path.is_file(), f"{plugin_id}: no schema at {path} (a setting the installed JupyterLab does not have)"
    return json.loads(path.read_text(encoding="utf-8"))


def _allowed(prop: dict, value) -> bool:
    if "oneOf" in prop:
        return any(option.get("const") == value for option in prop["oneOf"])
    if "enum" in prop:
        return value in prop["enum"]
    kinds = {"boolean": bool, "string": str, "integer": int, "number": (int, float), "object": dict, "array": list}
    return isinstance(value, kinds[prop["type"]])


def test_lab_overrides_fit_the_installed_schemas():
    overrides = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false",
                                                                       "checkForUpdates": False}
    for plugin_id, settings in overrides.items():
        properties = _schema(plugin_id)["properties"]
        for key, value in settings.items():
            assert key in properties, f"{plugin_id} has no setting {key!r}"
            assert _allowed(properties[key], value), f"{plugin_id}: {key}={value!r} is not allowed by its schema"


def test_make_setup_installed_the_lab_overrides():
    if not (Path(sys.prefix) / ".installed-stamp").exists():
        pytest.skip("not the environment `make setup` builds (no .installed-stamp in sys.prefix)")
    from jupyterlab.commands import get_app_dir

    installed = Path(get_app_dir(), "settings", "overrides.json")
    assert installed.is_file(), f"{installed} missing: run `make setup`"
    assert json.loads(installed.read_text(encoding="utf-8")) == json.loads(OVERRIDES.read_text(encoding="utf-8")), (
        f"{installed} differs from lab-settings/overrides.json: run `make setup`")


def test_make_lab_opens_an_existing_notebook():
    from backprop_lab.handout import FIRST_NOTEBOOK

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lab: setup\n\t\$\(VENV\)/bin/backprop-lab lab student", makefile, re.M), (
        "make lab should open the student version through `backprop-lab lab student` (backprop_lab/cli.py)")
    assert (ROOT / "notebooks" / FIRST_NOTEBOOK).is_file(), f"the lab opens {FIRST_NOTEBOOK}, which does not exist"
