"""Exceptions and warnings raised by maskrender.

Every error a user can cause derives from :class:`MaskRenderError`, so one
``except maskrender.MaskRenderError`` catches them all::

    MaskRenderError                 base class of every maskrender error
    ├── InputError (ValueError)     something the user gave us is wrong (also: a bad option value,
    │   │                           colour, size, view_box or style)
    │   ├── ParseError              not JSON at all (empty, truncated, not UTF-8, unreadable file)
    │   ├── FormatError             JSON, but not the mask format (names the JSON path)
    │   ├── ImageError              the photo cannot be read or used (strict aspect-ratio mismatch)
    │   └── BatchError              a batch cannot start (bad manifest row or column, folders)
    ├── LimitError                  the input exceeds a configured limit (see ``maskrender.limits``)
    ├── SelectionError              a mask selection (``only=``) matched nothing
    └── OutputError                 an output file cannot be written

    MaskRenderWarning (UserWarning) base class of every maskrender warning; emitted as is for a
    │                               ``fill`` that is not a hex colour or an unknown ``side``
    ├── GeometryWarning             a polygon was repaired, or a ring or line too short was dropped
    ├── UnknownMaskTypeWarning      a mask of an unknown ``mask_type`` was skipped
    ├── AspectWarning               image and view_box aspect ratios differ by more than 1%
    │   └── MaskSetWarning          the mask set drawn was chosen by the photo (the original set)
    └── SizeWarning                 a line width comes to less than 0.5 output pixels

Messages name the source (the path as given, or ``<bytes>``/``<str>``/``<dict>``/``<list>``/
``<file>``), the JSON path (``[2].result.masks_restored[0].features[17].geometry.coordinates``)
and what was expected versus found. :class:`FormatError` carries these as attributes.
:class:`InputError` is also a :class:`ValueError`, so ``except ValueError`` code keeps working.
Every error survives pickling (batch workers send them across processes) and
:meth:`MaskRenderError.prefixed` re-raises one with more context, keeping its class and fields.

Examples
--------
>>> import maskrender as mr
>>> try:
...     mr.load(b'{"type": "FeatureCollection", "mask_type": "point_mask", "features": 3}')
... except mr.FormatError as err:
...     print(err)
<bytes>: features: expected a list, found int 3
"""

from __future__ import annotations

__all__ = [
    "AspectWarning",
    "BatchError",
    "FormatError",
    "GeometryWarning",
    "ImageError",
    "InputError",
    "LimitError",
    "MaskRenderError",
    "MaskRenderWarning",
    "MaskSetWarning",
    "OutputError",
    "ParseError",
    "SelectionError",
    "SizeWarning",
    "UnknownMaskTypeWarning",
]


class MaskRenderError(Exception):
    """Base class of every error maskrender raises on purpose."""

    def prefixed(self, context: str) -> MaskRenderError:
        """A copy of this error, of the same class and with the same attributes, whose message
        starts with ``context`` (a job, a file): for re-raising with more to say.

        >>> err = FormatError("r.json", "result.masks_restored[0]", "a mask", "int 3")
        >>> again = err.prefixed("jobs.csv line 4")
        >>> type(again).__name__, again.path, str(again)
        ('FormatError', 'result.masks_restored[0]', 'jobs.csv line 4: r.json: result.masks_restored[0]: \
expected a mask, found int 3')
        """
        copy = _rebuild(type(self), (f"{context}: {self}",), dict(self.__dict__))
        copy.__cause__, copy.__traceback__ = self.__cause__, None
        return copy

    def __reduce__(self) -> tuple[object, ...]:
        # Exception's default pickling calls ``cls(*args)``, which subclasses with other
        # constructors (FormatError) cannot take; rebuild from the message and attributes instead.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _rebuild(cls: type[MaskRenderError], args: tuple[object, ...], state: dict[str, object]) -> MaskRenderError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


class InputError(MaskRenderError, ValueError):
    """Something the user gave us is not usable (also a :class:`ValueError`)."""


class ParseError(InputError):
    """The input is not JSON: empty, truncated, not UTF-8, or a file that cannot be read."""


class FormatError(InputError):
    """The input is JSON but not in the mask format.

    Attributes
    ----------
    source : str
        The file name, or ``<bytes>``, ``<str>``, ``<dict>``, ``<list>``.
    path : str
        The JSON path of the offending value, e.g. ``result.masks_restored[0].view_box``.
    expected : str
        What was expected there.
    found : str
        A short description of what was found.
    """

    def __init__(self, source: str, path: str, expected: str, found: str) -> None:
        self.source = source
        self.path = path or "$"
        self.expected = expected
        self.found = found
        super().__init__(f"{source}: {self.path}: expected {expected}, found {found}")


class ImageError(InputError):
    """The photo cannot be opened, decoded, or used (in strict mode: its aspect ratio is not the masks')."""


class BatchError(InputError):
    """A batch cannot start: a bad manifest (the message names the row and column), a missing
    folder, two jobs writing one file, or a missing optional component."""


class LimitError(MaskRenderError):
    """The input exceeds a configured limit (``maskrender.limits``)."""


class SelectionError(MaskRenderError):
    """A mask selection matched nothing; the message lists what exists."""


class OutputError(MaskRenderError):
    """An output file cannot be written (unknown format, unwritable place)."""


class MaskRenderWarning(UserWarning):
    """Base class of every warning maskrender emits."""


class GeometryWarning(MaskRenderWarning):
    """A feature's geometry was invalid and was repaired, or dropped."""


class UnknownMaskTypeWarning(MaskRenderWarning):
    """A mask of an unknown ``mask_type`` was skipped."""


class AspectWarning(MaskRenderWarning):
    """The image's aspect ratio differs from the mask view_box's by more than 1%."""


class MaskSetWarning(AspectWarning):
    """The mask set drawn was chosen by the photo's size: the other set's view_box does not fit it."""


class SizeWarning(MaskRenderWarning):
    """A line width comes to less than 0.5 output pixels, so the lines hardly show (the vendor's
    ``polyline_line_thickness`` 0.001 is a fraction of the image: ``"0.1%"``)."""



def warn(message: str, category: type[MaskRenderWarning]) -> None:
    """Emit a warning attributed to the first caller outside the maskrender package."""
    import os
    import sys
    import warnings

    here = os.path.dirname(os.path.abspath(__file__))
    frame = sys._getframe(1)
    level = 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
