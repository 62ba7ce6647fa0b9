"""The PDF report's logical structure (a tagged PDF): headings, paragraphs, tables and figures.

fpdf2 (2.8) tags images with alternative text and links, as children of one ``/Document``
element, and has no public way to tag text or to nest elements.  This module uses its
structure tree: text runs become marked content (``BDC``/``EMC`` with an ``MCID``) owned by
``/H1``-``/H3`` (the report's title, its sections and each panel's title), ``/P`` (other text)
and ``/Table`` > ``/TR`` > ``/TH``/``/TD`` (every table, the column titles a row of ``/TH``);
each photo with its masks is one ``/Figure`` with ``/Alt`` text; rules, cards, swatches and the
running title and page numbers are ``/Artifact``.  A screen reader, ``pdftotext`` and a PDF/UA
checker read the report in the order it is laid out.  Where the installed fpdf2 lacks the
pieces this needs, the document is written untagged, as before (:func:`supported`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from maskrender.report.elements import Text

__all__ = ["Tagger", "supported"]


def supported(pdf: Any) -> bool:
    """Whether ``pdf`` (an ``FPDF``) has the structure tree and content writer this module uses."""
    try:
        from fpdf.structure_tree import StructElem, StructureTreeBuilder  # noqa: F401
    except ImportError:  # pragma: no cover - fpdf2 < 2.5
        return False
    tree = getattr(pdf, "struct_builder", None)
    return (callable(getattr(pdf, "_out", None)) and tree is not None and hasattr(tree, "doc_struct_elem")
            and hasattr(tree, "struct_tree_root") and hasattr(tree, "spid_per_page_number"))


class _PageOf:
    """A nested element's ``/Pg``: its ancestor's page (fpdf2 resolves pages of ``/Document``'s kids only)."""

    def __init__(self, elem: Any) -> None:
        self.elem = elem

    @property
    def ref(self) -> str:
        return str(self.elem.pg.ref)  # the parent's page, or its own _PageOf (a cell: its row, then its table)

    def serialize(self, **_: Any) -> str:
        return self.ref


def _tree_class() -> type:
    from fpdf.structure_tree import StructElem, StructureTreeBuilder

    class Tree(StructureTreeBuilder):
        """fpdf2's structure tree, writing nested elements too (its own writes ``/Document``'s kids)."""

        def __iter__(self) -> Iterator[Any]:
            yield self.struct_tree_root
            yield self.doc_struct_elem
            yield self.struct_tree_root.parent_tree
            stack = list(reversed(self.doc_struct_elem.k))
            while stack:
                elem = stack.pop()
                yield elem
                stack.extend(reversed([k for k in elem.k if isinstance(k, StructElem)]))

    return Tree


class Tagger:
    """Marks what a :class:`~maskrender.report.pdf` writer draws on an ``FPDF`` document.

    Make it before the first page; call :meth:`text`, :meth:`figure` and :meth:`artifact` around
    what is drawn, in reading order.
    """

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.on = supported(pdf)
        if self.on:
            pdf.struct_builder = _tree_class()()
        self._mcids: dict[int, int] = {}
        self._heading: tuple[int, str, Any] | None = None  # (page, tag, element) of the last heading line
        self._tables: dict[tuple[int, int], Any] = {}
        self._rows: dict[tuple[int, int, int], Any] = {}
        self._cells: dict[tuple[int, int, int, int], Any] = {}

    def _elem(self, tag: str, parent: Any | None = None, **kw: Any) -> Any:
        from fpdf.structure_tree import StructElem

        tree = self.pdf.struct_builder
        elem = StructElem(struct_type=f"/{tag}", parent=parent or tree.doc_struct_elem, kids=[],
                          page_number=self.pdf.page, **kw)
        if parent is None:
            tree.doc_struct_elem.k.append(elem)
        else:
            parent.k.append(elem)
            elem.pg = _PageOf(parent)  # type: ignore[assignment]
        return elem

    def _begin(self, tag: str, elem: Any) -> None:
        tree, page = self.pdf.struct_builder, self.pdf.page
        spid = tree.spid_per_page_number.setdefault(page, len(tree.spid_per_page_number))
        self.pdf.pages[page].struct_parents = spid
        mcid = self._mcids.get(page, 0)
        self._mcids[page] = mcid + 1
        tree.struct_tree_root.parent_tree.nums[spid].append(elem)  # index == MCID
        elem.k.append(mcid)
        self.pdf._out(f"/{tag} <</MCID {mcid}>> BDC")

    @contextmanager
    def text(self, el: Text) -> Iterator[None]:
        """Draw ``el`` as its structure says: a heading's lines share one element, a cell its table's."""
        if not self.on:
            yield
            return
        if el.tag == "Artifact":
            with self.artifact():
                yield
            return
        page = self.pdf.page
        if el.cell is not None and el.tag in ("TH", "TD"):
            elem = self._cell(page, el.tag, el.cell)
            self._heading = None
        elif el.tag in ("H1", "H2", "H3"):
            if self._heading is not None and self._heading[:2] == (page, el.tag):
                elem = self._heading[2]
            else:
                elem = self._elem(el.tag)
                self._heading = (page, el.tag, elem)
        else:
            elem = self._elem("P")
            self._heading = None
        self._begin(elem.s.lstrip("/"), elem)
        yield
        self.pdf._out("EMC")

    def _cell(self, page: int, tag: str, cell: tuple[int, int, int]) -> Any:
        table, row, col = cell
        if (page, table) not in self._tables:
            self._tables[(page, table)] = self._elem("Table")
        if (page, table, row) not in self._rows:
            self._rows[(page, table, row)] = self._elem("TR", self._tables[(page, table)])
        if (page, table, row, col) not in self._cells:
            self._cells[(page, table, row, col)] = self._elem(tag, self._rows[(page, table, row)])
        return self._cells[(page, table, row, col)]

    @contextmanager
    def figure(self, alt: str) -> Iterator[None]:
        """Draw a picture as one ``/Figure`` whose alternative text is ``alt``."""
        if not self.on:
            yield
            return
        self._heading = None
        elem = self._elem("Figure", alt=alt or None)
        self._begin("Figure", elem)
        yield
        self.pdf._out("EMC")

    @contextmanager
    def artifact(self) -> Iterator[None]:
        """Draw decoration (rules, cards, swatches, running headers): no part of the text."""
        if not self.on:
            yield
            return
        self.pdf._out("/Artifact BMC")
        yield
        self.pdf._out("EMC")
