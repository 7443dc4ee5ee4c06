"""Each typical wrong answer of an assignment loses points (its own module, so that xdist
grades these beside the other assignment tests)."""

import pytest
from assignment_support import (  # noqa: F401 (fixtures)
    WRONG_ROUNDS,
    answered,
    assigned,
    built,
    grade_one,
    max_points,
    student,
)


@pytest.mark.parametrize("name, k, round_", WRONG_ROUNDS, ids=[f"{n}-{k}" for n, k, _ in WRONG_ROUNDS])
def test_each_typical_wrong_answer_loses_points(built, name, k, round_, tmp_path):
    notebook = student(built, name)
    for case in round_:
        notebook = answered(notebook, case["question"], case["code"])
    scores = grade_one(notebook, built, tmp_path, "wrong")
    full = max_points(name)
    kept = [case["name"] for case in round_ if scores[case["question"]] >= full[case["question"]]]
    assert not kept, f"wrong answers that kept full marks: {kept}"
