"""The two install routes name the same packages with the same versions.

pyproject.toml (pip, ``make setup``) and environment.yml (conda, Binder) are edited by hand; this test
fails as soon as one of them gains, loses or re-pins a package without the other.
"""
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _split(requirement: str):
    """'numpy >= 2.0, <3' -> ('numpy', '>=2.0,<3'): a normalised name and its specifier, no spaces."""
    req = re.sub(r"\s+", "", requirement)
    m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?(.*)", req)
    assert m, f"cannot parse requirement {requirement!r}"
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    spec = m.group(3)
    if re.fullmatch(r"=[^=<>!~].*", spec):   # conda's single '=' pin means the same as '=='
        spec = "=" + spec
    return name, spec


def _as_dict(requirements, where):
    out = {}
    for r in requirements:
        name, spec = _split(r)
        assert name not in out, f"{name} is listed twice in {where}"
        out[name] = spec
    return out


def pyproject_requirements():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs.extend(extra)
    return reqs


def parse_environment_yml(text: str):
    """The ``dependencies:`` list of a simple conda environment file, without PyYAML.

    Returns (conda entries, pip entries): top-level ``- item`` lines, and the items of the nested
    ``- pip:`` list. Comments and blank lines are ignored.
    """
    conda, pip = [], []
    in_deps = in_pip = False
    deps_indent = None
    for raw in text.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if indent == 0:
            in_deps = stripped == "dependencies:"
            in_pip = False
            continue
        if not in_deps or not stripped.startswith("- "):
            continue
        item = stripped[2:].strip().strip("'\"")
        if deps_indent is None:
            deps_indent = indent
        if indent == deps_indent:
            in_pip = item == "pip:"
            if not in_pip:
                conda.append(item)
        elif in_pip:
            pip.append(item)
    return conda, pip


# conda-forge names that differ from PyPI's (conda name -> PyPI name).
CONDA_TO_PYPI = {"python-build": "build"}


def environment_requirements():
    conda, _pip = parse_environment_yml((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = []
    for c in conda:
        name, spec = _split(c)
        if name not in ("python", "pip"):
            out.append(CONDA_TO_PYPI.get(name, name) + spec)
    return out


def test_parser_on_a_small_example():
    text = """\
name: x
channels:
  - conda-forge
dependencies:
  # the interpreter
  - python=3.11
  - pip
  - numpy >=2.0, <3   # spaces are allowed
  - pip:
      - -e .
      - somepkg==1.0
"""
    conda, pip = parse_environment_yml(text)
    assert conda == ["python=3.11", "pip", "numpy >=2.0, <3"]
    assert pip == ["-e .", "somepkg==1.0"]
    assert _split("numpy >=2.0, <3") == ("numpy", ">=2.0,<3")
    assert _split("python=3.11") == ("python", "==3.11")
    assert _split("Foo_Bar.baz[extra]>=1") == ("foo-bar-baz", ">=1")


def test_parser_agrees_with_pyyaml_when_it_is_installed():
    yaml = pytest.importorskip("yaml")  # an extra cross-check only; the comparison below does not need it
    data = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in data["dependencies"] if isinstance(d, str)]
    pip = [p for d in data["dependencies"] if isinstance(d, dict) for p in d.get("pip", [])]
    assert parse_environment_yml((ROOT / "environment.yml").read_text(encoding="utf-8")) == (conda, pip)


def test_pyproject_and_environment_yml_list_the_same_packages_and_versions():
    pip_side = _as_dict(pyproject_requirements(), "pyproject.toml")
    conda_side = _as_dict(environment_requirements(), "environment.yml")
    assert pip_side, "no dependencies found in pyproject.toml"
    only_pip = sorted(set(pip_side) - set(conda_side))
    only_conda = sorted(set(conda_side) - set(pip_side))
    assert not only_pip and not only_conda, (
        f"only in pyproject.toml: {only_pip}; only in environment.yml: {only_conda}")
    differ = {n: (pip_side[n], conda_side[n]) for n in pip_side if pip_side[n] != conda_side[n]}
    assert not differ, f"version specifiers differ (pyproject.toml, environment.yml): {differ}"


def test_environment_yml_installs_the_package_itself_with_pip():
    conda, pip = parse_environment_yml((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "-e ." in pip
    assert "python" in [_split(c)[0] for c in conda]
