"""No module of backprop_lab reads another object's private attributes (issue 19, item 5).

An object's ``_name`` is its own: the class that creates a piece of state is the only one that reads
or writes it, and what others need gets a public name or a method. A module's ``_helper`` is its
own too: a helper another module imports is public. Every module of the package is parsed (``ast``)
and these are reported, file:line each:

* ``x._name`` (read, written or deleted) unless ``x`` is the object itself: ``self``, ``cls``,
  ``super()``, ``type(self)``, or the class being defined, named inside its own body;
* ``getattr(x, "_name")`` and its siblings ``setattr``, ``hasattr``, ``delattr``, by the same rule;
* ``from module import _name``, unless ``_name`` is a module of the package (``from . import _batched``:
  a module private to the package, used through its public names).

Not private: Python's dunder names (``__init__``, ``__class__``) and the "sunder" names of a protocol
that its caller defines (IPython's ``_repr_mimebundle_``, ``_ipython_display_``): they exist to be
called from outside. ``__name`` without trailing underscores is private.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backprop_lab"

ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


class Access(NamedTuple):
    path: str
    line: int
    code: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.code}"


def is_private(name: str) -> bool:
    """``_x`` and ``__x`` are private; ``__x__`` (Python's) and ``_x_`` (a protocol's, e.g.
    ``_repr_html_``) are not."""
    if not name.startswith("_") or name.strip("_") == "":
        return False
    dunder = name.startswith("__") and name.endswith("__")
    sunder = not name.startswith("__") and name.endswith("_") and not name.endswith("__")
    return not (dunder or sunder)


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str, is_package_module):
        self.path, self.is_package_module = path, is_package_module
        self.classes: list[str] = []               # the classes being defined around the node
        self.found: list[Access] = []

    def _own(self, node) -> bool:
        """True if ``node`` (the object an attribute is read from) is the object itself."""
        if isinstance(node, ast.Name):
            return node.id in ("self", "cls") or node.id in self.classes
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "super":
                return True
            if node.func.id == "type" and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
                return self._own(node.args[0])
        return False

    def _report(self, node):
        self.found.append(Access(self.path, node.lineno, ast.unparse(node)))

    def visit_ClassDef(self, node):
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Attribute(self, node):
        if is_private(node.attr) and not self._own(node.value):
            self._report(node)
        self.generic_visit(node)

    def visit_Call(self, node):
        if (isinstance(node.func, ast.Name) and node.func.id in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
                and is_private(node.args[1].value) and not self._own(node.args[0])):
            self._report(node)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        for alias in node.names:
            if is_private(alias.name) and not self.is_package_module(node, alias.name):
                self._report(node)
        self.generic_visit(node)


def _package_module_test(file: Path, root: Path):
    """A function telling whether ``from <module> import <name>`` in ``file`` names a module of the
    package under ``root`` (a file ``name.py`` or a folder ``name/``)."""
    def is_package_module(node: ast.ImportFrom, name: str) -> bool:
        if node.level:
            base = file.parent
            for _ in range(node.level - 1):
                base = base.parent
        elif node.module and node.module.split(".")[0] == root.name:
            base = root.parent
        else:
            return False                                   # another package's private name
        if node.module:
            base = base.joinpath(*node.module.split("."))
        return (base / f"{name}.py").is_file() or (base / name / "__init__.py").is_file()
    return is_package_module


def private_accesses(source: str, path: str = "<snippet>", is_package_module=lambda node, name: False) -> list:
    """Every place in ``source`` that reads another object's or module's private name (see the module
    docstring), as ``Access(path, line, code)``."""
    finder = _Finder(path, is_package_module)
    finder.visit(ast.parse(source))
    return sorted(finder.found, key=lambda a: (a.path, a.line, a.code))


def package_accesses(root: Path = PACKAGE) -> list:
    found = []
    for file in sorted(root.rglob("*.py")):
        rel = file.relative_to(root).as_posix()
        found += private_accesses(file.read_text(encoding="utf-8"), rel, _package_module_test(file, root))
    return found


# --- the checker itself: it must see what it is meant to see -------------------------------------
FLAGGED = [
    "panel._canvas.frame()",
    "run.replay_model = panel._replay_cache",
    "opt._owners[0] = 1",
    "del res._weights",
    "neurons._groups(model)",
    "self.widget._lock",
    "type(opt)._state",
    "getattr(run, '_scratch', None)",
    "setattr(run, '_x', 1)",
    "obj.__secret",
    "super(Foo, self).x._y",
    "from ..neurons import _groups",
    "from backprop_lab.plots import _new_axes",
    "def f(other):\n    return other._x",
    "class A:\n    def f(self, other):\n        return other._x",
    "class A:\n    pass\nB = A._cache",
]
ALLOWED = [
    "self._lock",
    "self._x = 1",
    "cls._registry",
    "super()._setup()",
    "type(self)._state",
    "class Foo:\n    def f(self):\n        return Foo._cache",
    "obj.__class__.__name__",
    "widget._repr_mimebundle_(include=None)",
    "getattr(model, 'layers', [])",
    "getattr(self, '_x')",
    "from . import _batched",
    "from .playground import _module",
    "import backprop_lab._batched as engine",
    "x = _local_helper()",
    "_batched.run_batched(k)",
]


@pytest.mark.parametrize("snippet", FLAGGED)
def test_the_checker_flags_private_access(snippet):
    assert len(private_accesses(snippet)) == 1, (snippet, private_accesses(snippet))


@pytest.mark.parametrize("snippet", ALLOWED)
def test_the_checker_allows_own_and_public_names(snippet, tmp_path):
    pkg = tmp_path / "backprop_lab"
    (pkg / "playground").mkdir(parents=True)
    for module in ("_batched.py", "playground/_module.py"):
        (pkg / module).write_text("")
    file = pkg / "sweep.py"
    assert private_accesses(snippet, "sweep.py", _package_module_test(file, pkg)) == []


def test_a_private_module_is_not_a_private_name(tmp_path):
    pkg = tmp_path / "backprop_lab"
    pkg.mkdir()
    (pkg / "_batched.py").write_text("")
    check = _package_module_test(pkg / "sweep.py", pkg)
    assert private_accesses("from . import _batched", "sweep.py", check) == []
    assert len(private_accesses("from . import _missing", "sweep.py", check)) == 1
    assert len(private_accesses("from ._batched import _helper", "sweep.py", check)) == 1


def test_the_package_is_where_the_rule_looks():
    files = {f.relative_to(PACKAGE).as_posix() for f in PACKAGE.rglob("*.py")}
    assert {"playground/panel.py", "playground/view.py", "widgets.py", "figures/plots.py"} <= files


# --- the rule, on the package --------------------------------------------------------------------
def test_no_module_reads_another_objects_private_attributes():
    found = list(package_accesses())
    assert not found, "private names read from outside their owner:\n" + "\n".join(map(str, found))
