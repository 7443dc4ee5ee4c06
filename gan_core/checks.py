"""Checks at the door (DESIGN.md rule 11), shared by the public functions of gan_core.

Policy: a failed check raises ValueError, for a wrong type too, so that one
``except ValueError`` catches every bad argument (and ``losses.get`` can tell a bad
value from a bad keyword, which Python reports as TypeError). The message names the
argument, shows the value (a tensor or an array by its shape) and says what is
allowed: ``n_modes must be an integer >= 1, got 2.5``.

Integers are Python or numpy integers; numbers are Python or numpy real numbers. Bools
are neither: ``True`` as a size or a code is always a slip. A check never converts or
repairs its argument: what passes is used exactly as given.
"""

import math
import numbers

import numpy as np
import torch

KINDS = {  # dtype kinds of check_tensor: (how a message says it, the test)
    "integer": (
        "an integer",
        lambda t: (
            not (t.is_floating_point() or t.is_complex() or t.dtype == torch.bool)
        ),
    ),
    "floating": ("a floating-point", lambda t: t.is_floating_point()),
}


def is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def shown(value) -> str:
    """A value as an error message shows it:
    a tensor or an array by its shape, a bool as one."""
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim > 0:
        kind = "tensor" if isinstance(value, torch.Tensor) else "numpy array"
        return f"a {kind} of shape {tuple(value.shape)}"
    if isinstance(value, bool):
        return f"{value} (a bool)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _typed(value) -> str:
    """``shown`` with the type's name,
    where the shape alone does not say what ``value`` is."""
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim > 0:
        return shown(value)
    return f"{type(value).__name__} {shown(value)}"


def _text(bound) -> str:
    return f"{bound:g}" if isinstance(bound, float) else str(bound)


def _bounds(low=None, high=None, low_open=False, high_open=False) -> str:
    """The range part of a message: " >= 1", " in (0, 1]", ..."""
    if low is not None and high is not None:
        opening = "(" if low_open else "["
        closing = ")" if high_open else "]"
        return f" in {opening}{_text(low)}, {_text(high)}{closing}"
    if low is not None:
        return f" {'>' if low_open else '>='} {_text(low)}"
    if high is not None:
        return f" {'<' if high_open else '<='} {_text(high)}"
    return ""


def _within(value, low=None, high=None, low_open=False, high_open=False) -> bool:
    above = low is None or (value > low if low_open else value >= low)
    below = high is None or (value < high if high_open else value <= high)
    return above and below


def check_int(name: str, value, minimum=None, maximum=None) -> None:
    if not (is_integer(value) and _within(value, minimum, maximum)):
        raise ValueError(
            f"{name} must be an integer{_bounds(minimum, maximum)}, got {shown(value)}"
        )


def check_number(
    name: str,
    value,
    low=None,
    high=None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """A finite real number, optionally within bounds
    (closed unless ``low_open``/``high_open``)."""
    if (
        is_number(value)
        and math.isfinite(value)
        and _within(value, low, high, low_open, high_open)
    ):
        return
    if low == 0 and low_open and high is None:
        rule = "positive (a finite number > 0)"
    else:
        rule = "a finite number" + _bounds(low, high, low_open, high_open)
    raise ValueError(f"{name} must be {rule}, got {shown(value)}")


def check_positive(name: str, value) -> None:
    check_number(name, value, low=0, low_open=True)


def _matches(shape: tuple, spec: tuple) -> bool:
    """Whether ``shape`` fits ``spec``: ints are exact sizes,
    equal names equal sizes."""
    if len(shape) != len(spec):
        return False
    bound = {}
    for size, want in zip(shape, spec):
        if isinstance(want, str) and bound.setdefault(want, size) != size:
            return False
        if not isinstance(want, str) and size != want:
            return False
    return True


def _spec_text(spec: tuple) -> str:
    return "(" + ", ".join(map(str, spec)) + ("," if len(spec) == 1 else "") + ")"


def check_shape(name: str, x, *shapes: tuple) -> None:
    """``x`` (a tensor or an array) has one of ``shapes``,
    e.g. ``("n", 2)`` or ``("d", "d")``."""
    if not any(_matches(tuple(x.shape), spec) for spec in shapes):
        wanted = " or ".join(map(_spec_text, shapes))
        raise ValueError(f"{name} must have shape {wanted}, got shape {tuple(x.shape)}")


def check_tensor(
    name: str,
    x,
    *shapes: tuple,
    kind: str | None = None,
    nonempty: bool = False,
    finite: bool = False,
) -> None:
    """A torch tensor with one of ``shapes`` (any shape if none),
    of dtype ``kind`` if given."""
    if not isinstance(x, torch.Tensor):
        wanted = " of shape " + " or ".join(map(_spec_text, shapes)) if shapes else ""
        raise ValueError(f"{name} must be a torch tensor{wanted}, got {_typed(x)}")
    if shapes:
        check_shape(name, x, *shapes)
    if kind is not None and not KINDS[kind][1](x):
        raise ValueError(f"{name} must be {KINDS[kind][0]} tensor, got dtype {x.dtype}")
    if nonempty and x.numel() == 0:
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if finite:
        check_finite(name, x)


def check_images(name: str, images) -> None:
    """Images ``(n, C, H, W)`` or flattened ``(n, d)``: finite floats, at least one."""
    shapes = (("n", "C", "H", "W"), ("n", "d"))
    check_tensor(name, images, *shapes, kind="floating", nonempty=True, finite=True)


def check_finite(name: str, x) -> None:
    """No NaN or infinite value in the tensor or array ``x``."""
    bad = (
        int((~torch.isfinite(x)).sum())
        if isinstance(x, torch.Tensor)
        else int((~np.isfinite(x)).sum())
    )
    if bad:
        raise ValueError(
            f"{name} must be finite, got {bad} NaN or infinite value(s) "
            f"in shape {tuple(x.shape)}"
        )


def check_values(name: str, x: torch.Tensor, low, high) -> None:
    """Every value of the non-empty tensor ``x`` lies in [low, high]."""
    smallest, largest = x.min().item(), x.max().item()
    if smallest < low or largest > high:
        raise ValueError(
            f"{name} must have values in [{_text(low)}, {_text(high)}], "
            f"got values from {_text(smallest)} to {_text(largest)}"
        )


def _finite_numbers(values, length: int) -> bool:
    try:
        return len(values) == length and all(
            is_number(v) and math.isfinite(v) for v in values
        )
    except TypeError:  # no len(): not a sequence
        return False


def check_extent(name: str, extent) -> None:
    if not (
        _finite_numbers(extent, 4) and extent[0] < extent[1] and extent[2] < extent[3]
    ):
        raise ValueError(
            f"{name} must be 4 finite numbers (x0, x1, y0, y1) "
            f"with x0 < x1 and y0 < y1, got {shown(extent)}"
        )


def check_interval(name: str, interval) -> None:
    if not (_finite_numbers(interval, 2) and interval[0] < interval[1]):
        raise ValueError(
            f"{name} must be 2 finite numbers (low, high) with low < high, "
            f"got {shown(interval)}"
        )


def check_figsize(name: str, figsize) -> None:
    if not (_finite_numbers(figsize, 2) and min(figsize) > 0):
        raise ValueError(
            f"{name} must be 2 positive numbers (width, height) in inches, "
            f"got {shown(figsize)}"
        )


def check_betas(name: str, betas) -> None:
    """Adam's (beta1, beta2): two numbers in [0, 1)."""
    if not (
        isinstance(betas, (tuple, list))
        and len(betas) == 2
        and all(is_number(b) and 0 <= b < 1 for b in betas)
    ):
        raise ValueError(f"{name} must be 2 numbers in [0, 1), got {shown(betas)}")


def check_instance(name: str, value, cls: type) -> None:
    if not isinstance(value, cls):
        raise ValueError(f"{name} must be of type {cls.__name__}, got {_typed(value)}")


def check_callable(name: str, value) -> None:
    if not callable(value):
        raise ValueError(f"{name} must be callable, got {_typed(value)}")


def check_distribution(
    name: str, value, *attributes: str, dim: int | None = None
) -> None:
    """Duck typing at the door:
    ``value`` samples like gan_core.data.mixtures's distributions (``sample``, ``dim``),
    has the other ``attributes`` and, if given, dimension ``dim``."""
    wanted = ("sample", "dim", *attributes)
    missing = [a for a in wanted if not hasattr(value, a)]
    if missing:
        raise ValueError(
            f"{name} must have {', '.join(wanted)} "
            "(like gan_core.data.mixtures.ring_of_gaussians()); "
            f"a {type(value).__name__} lacks {', '.join(missing)}"
        )
    if dim is not None and value.dim != dim:
        raise ValueError(f"{name} must be {dim}-D (dim {dim}), got dim {value.dim}")


def check_codes(**codes) -> None:
    """LSGAN's codes: ``a`` for fakes, ``b`` for reals (they must differ),
    ``c`` for G's target."""
    for name, value in codes.items():
        check_number(f"code {name}", value)
    if codes["a"] == codes["b"]:
        raise ValueError(
            f"codes a and b must differ (a != b: the fake and the real targets), "
            f"got a = b = {codes['a']!r}"
        )
