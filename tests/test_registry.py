import pytest

from gan_core.registry import lookup


def test_lookup_returns_the_entry():
    assert lookup({"x": 1, "y": 2}, "y", "thing") == 2


@pytest.mark.parametrize("bad", ["z", None, ["x"]])
def test_lookup_error_lists_the_choices(bad):
    with pytest.raises(ValueError, match=r"unknown thing .*choose one of: 'x', 'y'"):
        lookup({"x": 1, "y": 2}, bad, "thing")
