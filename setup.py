"""The one build step pyproject.toml cannot say: the notebooks travel in the wheel as package data.

They live at the top of the repository (``notebooks/``, where JupyterLab, nbval and the README use them),
so ``build_py`` copies them into the built package as ``backprop_lab/notebooks/``, where
``backprop_lab.handout`` finds them after ``pip install``. An editable install (``make setup``) reads
the repository's ``notebooks/`` instead. MANIFEST.in puts them in the sdist, so a wheel built from the
sdist has them too.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class build_py_with_notebooks(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib, "backprop_lab", "notebooks")
        target.mkdir(parents=True, exist_ok=True)
        files = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + [NOTEBOOKS / "sanitize.cfg"]
        if len(files) < 2:
            raise FileNotFoundError(f"no notebooks in {NOTEBOOKS}: build from the repository or its sdist")
        for path in files:
            shutil.copyfile(path, target / path.name)


setup(cmdclass={"build_py": build_py_with_notebooks})
