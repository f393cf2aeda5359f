"""The student version of the notebooks: every exercise becomes a placeholder the checks recognise."""
import importlib.util
from pathlib import Path

import nbformat

from backprop_lab import checks

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_student_version", ROOT / "tools" / "make_student_version.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_every_solution_region_is_replaced_and_outputs_cleared(tmp_path):
    tool.main(tmp_path)
    exercises = 0
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        original = nbformat.read(path, as_version=4)
        student = nbformat.read(tmp_path / path.name, as_version=4)
        assert len(student.cells) == len(original.cells)
        for before, after in zip(original.cells, student.cells):
            if after.cell_type != "code":
                continue
            assert after.outputs == [] and after.execution_count is None
            assert "BEGIN SOLUTION" not in after.source and "END SOLUTION" not in after.source
            if "### BEGIN SOLUTION" in before.source:
                exercises += 1
                assert before.metadata["nbgrader"]["solution"] is True
                assert 'raise NotImplementedError("your code here' in after.source
                # the solution's lines are gone (every region of the cell: a class has one per method);
                # the code around the regions (the class's other lines, the check call) stays
                for region in before.source.split("### BEGIN SOLUTION")[1:]:
                    solution, rest = region.split("### END SOLUTION")
                    for line in solution.strip().splitlines():
                        assert line.strip() == "" or line not in after.source
                    assert rest.strip() in after.source
    assert exercises == 9   # notebooks 1, 2 and 4: one each; notebook 3: two; 09 and 10: two each


def test_the_checks_recognise_the_placeholder():
    source = tool.student_source("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n")
    namespace = {}
    exec(source, namespace)
    result = checks.check_sigmoid_derivative(namespace["f"])
    assert not result and "replace the `raise NotImplementedError" in result.message
