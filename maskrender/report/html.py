"""The report as one self-contained, semantic HTML page (or a Jupyter fragment).

Real text: headings, paragraphs and ``<table>`` s for the metrics, in the report's subset
fonts embedded as ``data:`` URIs; the photos with their masks as inline SVG (the masks'
markup from :func:`maskrender.draw.svg.mask_fragment`, one group per legend layer), each
with an accessible name; a grid that is one column on a phone and several on a desktop.
The reader switches mask layers on and off with the legend's checkboxes, without script:
each layer's ``<input type=checkbox>`` precedes the page's content, and
``#layer:not(:checked) ~ * .layer-N {display: none}`` hides that layer in every picture.
No script, and a Content-Security-Policy that forbids loading anything: it opens from disk,
offline, and nothing from the data can run or call out.  Every string from the data is
escaped; colours come from the theme or :class:`~maskrender.style.Color`.
"""

from __future__ import annotations

import base64
import unicodedata
from html import escape
from typing import TYPE_CHECKING

from maskrender.draw.svg import mask_fragment
from maskrender.report.content_types import MainValue, PanelContent, Table
from maskrender.report.elements import Photo
from maskrender.report.fonts import FontFace
from maskrender.report.text import clean
from maskrender.report.webfonts import css_family, font_face_css

if TYPE_CHECKING:
    from maskrender.report import Report

__all__ = ["CSP", "html_page"]

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
_HERO_PX = 1200
_THUMB_PX = 480


def _fit(longest: int, aspect: float) -> tuple[int, int]:
    """A size of ``aspect`` (width / height) whose longer side is ``longest``."""
    return (longest, max(1, round(longest / aspect))) if aspect >= 1 else (max(1, round(longest * aspect)), longest)


def _e(text: str) -> str:
    return escape(clean(text), quote=True)


class _Page:
    def __init__(self, report: Report, prefix: str) -> None:
        self.r = report
        self.p = prefix
        self.t = report.theme
        self.texts: list[str] = []
        self.defined: set[str] = set()
        self.sizes: dict[str, tuple[int, int]] = {}

    def say(self, text: str) -> str:
        """Escaped text, remembered for the font subsets."""
        self.texts.append(text)
        return _e(text)

    # --- pictures ------------------------------------------------------------------------

    def frame(self, slot: str, algorithm: str | None, longest: int) -> tuple[int, int]:
        """The frame a picture's masks are resolved in: its box in the report's layout (times the
        scene's detail, as the PNG, PDF and SVG reports draw it), so that line widths, disc radii
        and their floors come out in the same proportion to the photo in every format."""
        for el in self.r.layout.elements:
            if isinstance(el, Photo) and el.slot == slot and el.algorithm == algorithm:
                x0, y0 = round(el.box.x), round(el.box.y)
                w, h = max(1, round(el.box.right) - x0), max(1, round(el.box.bottom) - y0)
                k = self.r.scene.detail((w, h))
                return w * k, h * k
        return _fit(longest, self.r.scene.aspect(slot))  # not in the layout: the photo's aspect at ``longest``

    def picture(self, slot: str, algorithm: str | None, longest: int, label: str) -> str:
        scene = self.r.scene
        w, h = self.frame(slot, algorithm, longest)
        pw, ph = _fit(longest, scene.aspect(slot))  # the photo is embedded sharper than the frame
        pid = f"{self.p}-ph-{slot}"
        if pid in self.defined:
            sx, sy = w / self.sizes[slot][0], h / self.sizes[slot][1]
            photo = f'<use href="#{pid}" transform="scale({sx:.6g} {sy:.6g})"/>'
        else:
            data, mime = scene.payload(slot, (pw, ph))
            uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            photo = f'<image id="{pid}" width="{w}" height="{h}" preserveAspectRatio="none" href="{uri}"/>'
            self.defined.add(pid)
            self.sizes[slot] = (w, h)
        groups = []
        where = f"{self.p}-{slot}-{algorithm or 'all'}"
        for n, d in enumerate(scene.drawings(slot, algorithm, (w, h))):
            frag = mask_fragment([d], (w, h), id_prefix=f"{where}-{n}")
            groups.append(f'<g class="layer-{scene.layer(d.mask)}">{frag}</g>')
        tid = f"{self.p}-t-{slot}-{algorithm or 'all'}"
        return (f'<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="{tid}" class="photo">'
                f'<title id="{tid}">{self.say(label)}</title>{photo}{"".join(groups)}</svg>')

    def gauge(self, m: MainValue) -> str:
        if m.score is None:
            return ""
        label = self.r.words("a11y.gauge", value=m.value, grade=m.grade_word)
        bars = "".join(f'<rect x="{lo:g}" y="2" width="{hi - lo:g}" height="8" fill="{self.t.grade_color(g)}"/>'
                       for g, lo, hi in self.t.grade_spans())
        marks = ""
        if self.r.content.compare and m.before_score is not None:
            marks += (f'<rect x="{m.before_score - 0.8:.2f}" y="0" width="1.6" height="12" fill="{self.t.paper}" '
                      f'stroke="{self.t.muted}" stroke-width="0.4"/>')
        marks += f'<rect x="{m.score - 0.8:.2f}" y="0" width="1.6" height="12" fill="{self.t.ink}"/>'
        return (f'<svg class="gauge" viewBox="0 0 100 12" preserveAspectRatio="none" role="img" '
                f'aria-label="{self.say(label)}">{bars}{marks}</svg>')

    # --- text blocks ---------------------------------------------------------------------

    def table(self, table: Table, caption: str = "") -> str:
        numeric = table.numeric or (False,) * len(table.columns)
        head = "".join(f'<th scope="col"{" class=num" if numeric[j] else ""}>{self.say(c)}</th>'
                       for j, c in enumerate(table.columns))
        rows = []
        for row in table.rows:
            cells = []
            for j, cell in enumerate(row):
                tag = "th scope=row" if j == 0 else "td"
                classes = " ".join(c for c in ("num" if numeric[j] else "", _tone_class(cell.tone),
                                               "b" if cell.bold else "") if c)
                attr = f' class="{classes}"' if classes else ""
                cells.append(f"<{tag}{attr} dir=auto>{self.say(cell.text)}</{tag.split()[0]}>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
        cap = f"<caption>{self.say(caption)}</caption>" if caption else ""
        return (f'<div class="tw"><table>{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table></div>")

    def main_value(self, m: MainValue) -> str:
        pill = ""
        if m.grade:
            pill = f' <span class="pill" style="background:{self.t.grade_color(m.grade)};color:' \
                   f'{self._pill_ink(m.grade)}">{self.say(m.grade_word)}</span>'
        out = [f'<p class="label" dir=auto>{self.say(m.label)}</p>',
               f'<p class="value"><span class="num {_tone_class(f"grade:{m.grade}" if m.grade else "")}">'
               f"{self.say(m.value)}</span>{pill}</p>", self.gauge(m)]
        if self.r.content.compare:
            out.append(f'<p class="muted">{self.say(m.before_text)}</p>')
            if m.change is not None:
                out.append(f'<p class="change {_tone_class(m.change.tone)}">{self.say(m.change.text)}</p>')
        return "".join(out)

    def _pill_ink(self, grade: str) -> str:
        return self.t.ink_on(self.t.grade_color(grade))

    def panel(self, p: PanelContent) -> str:
        c, w = self.r.content, self.r.words
        thumbs = []
        for key, label in zip(c.thumbs, c.thumb_labels or ("",) * len(c.thumbs), strict=True):
            ok = p.before_ok if key == "before" else p.available
            has = p.has_before_masks if key == "before" else p.has_masks
            if ok and (p.has_masks or p.has_before_masks):
                pic = self.picture(key, p.algorithm, _THUMB_PX, w("a11y.thumbnail", title=f"{p.title} {label}".strip()))
                note = "" if has else f'<figcaption class="muted">{self.say(c.word("no_mask"))}</figcaption>'
                cap = f"<figcaption>{self.say(label)}</figcaption>" if label else ""
                thumbs.append(f'<figure class="thumb">{pic}{cap}{note}</figure>')
        body = []
        if not p.available:
            body.append(f'<p class="na">{self.say(c.word("not_available"))}</p>')
            if p.reason:
                body.append(f'<p class="muted" dir=auto>{self.say(p.reason)}</p>')
        elif p.main is None:
            body.append(f'<p class="muted">{self.say(c.word("no_metric"))}</p>')
        else:
            body.append(self.main_value(p.main))
            if not c.compare and p.details is not None:
                body.append(self.table(p.details))
        after = []
        if c.compare and p.details is not None:
            after.append(self.table(p.details))
        if p.areas is not None:
            after.append(self.table(p.areas))
        after += [f'<p class="muted">{self.say(n)}</p>' for n in p.notes]
        return (f'<article class="panel"><h3 dir=auto>{self.say(p.title)}</h3>'
                f'<div class="pbody">{"".join(thumbs)}<div class="main">{"".join(body)}</div></div>'
                f'{"".join(after)}</article>')

    def body(self) -> str:
        r, c, p = self.r, self.r.content, self.p
        inputs = "".join(f'<input type="checkbox" id="{p}-l{i.layer}" class="tg" checked>' for i in c.legend)
        meta = " · ".join(f"<span dir=auto>{self.say(m)}</span>" for m in c.meta)
        names = ", ".join(i.name for i in c.legend) or c.word("no_mask_drawn")
        figures = []
        for ph in c.photos:
            label = r.words("a11y.photo", label=ph.label, masks=names).strip()
            cap = f"<figcaption>{self.say(ph.label)}</figcaption>" if ph.label else ""
            figures.append(f"<figure>{cap}{self.picture(ph.key, None, _HERO_PX, label)}</figure>")
        items = "".join(f'<li><label for="{p}-l{i.layer}"><span class="box" aria-hidden="true"></span>'
                        f'<span class="sw sw-{_swatch(i.mask_type)}" style="--c:{i.color}"></span>'
                        f"<span dir=auto>{self.say(i.name)}</span></label></li>" for i in c.legend)
        legend = (f'<section class="legend"><h2>{self.say(c.word("masks"))}</h2>'
                  + (f'<p class="muted">{self.say(r.words("html.layers"))}</p><ul>{items}</ul>' if c.legend
                     else f'<p class="muted">{self.say(c.word("no_mask_drawn"))}</p>') + "</section>")
        summary = (f'<section class="summary"><h2>{self.say(c.word("summary"))}</h2>{self.table(c.summary)}</section>'
                   if c.summary is not None else "")
        panels = "".join(self.panel(x) for x in c.panels)
        results = (f'<section class="results"><h2>{self.say(c.word("results"))}</h2><div class="grid">{panels}</div>'
                   "</section>") if c.panels else ""
        many = " many" if len(c.photos) > 1 else ""
        return (f'<div class="mrr" id="{p}" lang="{_e(c.language)}">{inputs}'
                f'<header><h1 dir=auto>{self.say(c.title)}</h1><p class="meta">{meta}</p></header>'
                f'<section class="hero{many}"><div class="photos">{"".join(figures)}</div>'
                f'<div class="side">{legend}{summary}</div></section>{results}'
                f'<footer><p dir=auto>{self.say(c.note)}</p></footer></div>')

    def style(self) -> str:
        t, p = self.t, self.p
        faces = self.r.fonts.chain
        used: dict[FontFace, set[str]] = {}
        chars = set("".join(self.texts)) | set("0123456789–·✓ ")
        for ch in sorted(chars):
            if (ch.isspace() and ch != " ") or unicodedata.category(ch) == "Cf":  # bidi isolates draw nothing
                continue
            for bold in (False, True):
                used.setdefault(faces.face_for(ch, bold), set()).add(ch)
        families = list(dict.fromkeys(css_family(f) for f in sorted(used, key=lambda f: f != faces.primary(False))))
        layers = "".join(
            f"#{p}-l{i.layer}:not(:checked)~* .layer-{i.layer}{{display:none}}"
            f"#{p}-l{i.layer}:not(:checked)~* label[for={p}-l{i.layer}]{{color:{t.muted};text-decoration:line-through}}"
            f"#{p}-l{i.layer}:checked~* label[for={p}-l{i.layer}] .box::after{{content:'✓'}}"
            f"#{p}-l{i.layer}:focus-visible~* label[for={p}-l{i.layer}]{{outline:2px solid {t.ink};outline-offset:2px}}"
            for i in self.r.content.legend)
        grades = "".join(f"#{p} .g-{g}{{color:{c}}}" for g, c in t.grade_text.items())
        s = f"#{p}"
        return (font_face_css(used) + "\n"
                f"{s}{{font-family:{', '.join(families)}, sans-serif;font-size:16px;line-height:1.45;color:{t.ink};"
                f"background:{t.paper};max-width:1240px;margin:0 auto;padding:16px;box-sizing:border-box}}"
                f"{s} *{{box-sizing:border-box}}"
                f"{s} h1{{font-size:1.9rem;line-height:1.2;margin:0 0 .3rem}}"
                f"{s} h2{{font-size:1.3rem;margin:1rem 0 .5rem}}{s} h3{{font-size:1.15rem;margin:0 0 .5rem}}"
                f"{s} p{{margin:.2rem 0}}{s} .meta,{s} .muted{{color:{t.muted}}}"
                f"{s} header{{border-bottom:2px solid {t.rule};padding-bottom:.6rem;margin-bottom:1rem}}"
                f"{s} .hero{{display:grid;grid-template-columns:minmax(0,46fr) minmax(0,54fr);gap:24px}}"
                f"{s} .hero.many{{grid-template-columns:1fr}}"
                f"{s} .photos{{display:grid;gap:12px;"
                "grid-template-columns:repeat(auto-fit,minmax(min(100%,9rem),1fr))}"
                f"{s} figure{{margin:0}}{s} figcaption{{font-weight:bold;text-align:center}}"
                f"{s} svg.photo{{display:block;width:100%;height:auto;background:{t.no_photo}}}"
                f"{s} .tg{{position:absolute;opacity:0;width:1px;height:1px;margin:0}}"
                f"{s} .legend ul{{list-style:none;padding:0;margin:0;columns:2 14rem}}"
                f"{s} .legend li{{margin:.15rem 0;break-inside:avoid}}"
                f"{s} .legend label{{cursor:pointer;display:inline-flex;align-items:center;gap:.45rem}}"
                f"{s} .box{{display:inline-block;width:1.1em;height:1.1em;border:2px solid {t.muted};border-radius:3px;"
                f"font-size:.8em;line-height:.95em;text-align:center}}"
                f"{s} .sw{{display:inline-block;width:1.6em;height:1em;background:var(--c)}}"
                f"{s} .sw-dot{{background:radial-gradient(circle,var(--c) 35%,transparent 40%) 0 0/.55em .55em}}"
                f"{s} .sw-line{{height:.25em}}{s} .sw-gradient{{opacity:.7}}"
                f"{s} .tw{{overflow-x:auto;margin:.4rem 0}}"
                f"{s} table{{border-collapse:collapse;width:100%;font-size:.95rem}}"
                f"{s} th,{s} td{{padding:.2rem .5rem .2rem 0;text-align:start;vertical-align:bottom}}"
                f"{s} thead th{{color:{t.muted};border-bottom:1px solid {t.rule};font-size:.9rem}}"
                f"{s} tbody th{{font-weight:normal}}{s} .num{{text-align:end;font-variant-numeric:tabular-nums}}"
                f"{s} .b{{font-weight:bold}}{s} .t-muted{{color:{t.muted}}}{s} .t-better{{color:{t.better}}}"
                f"{s} .t-worse{{color:{t.worse}}}{grades}"
                f"{s} .grid{{display:grid;gap:16px;"
                "grid-template-columns:repeat(auto-fill,minmax(min(100%,24rem),1fr))}"
                f"{s} .panel{{background:{t.card};border:1px solid {t.rule};padding:14px;min-width:0}}"
                f"{s} .pbody{{display:flex;gap:14px;align-items:flex-start}}"
                f"{s} .thumb{{flex:0 0 34%;max-width:11rem}}{s} .main{{flex:1;min-width:0}}"
                f"{s} .label{{color:{t.muted}}}{s} .value{{font-size:1.9rem;font-weight:bold;line-height:1.2}}"
                f"{s} .value .num{{text-align:start}}"
                f"{s} .pill{{font-size:.95rem;padding:.1rem .45rem;vertical-align:middle;display:inline-block}}"
                f"{s} svg.gauge{{display:block;width:100%;height:12px;margin:.4rem 0}}"
                f"{s} .change{{font-weight:bold}}{s} .na{{color:{t.muted};font-weight:bold}}"
                f"{s} footer{{border-top:1px solid {t.rule};margin-top:1rem;padding-top:.5rem;color:{t.muted}}}"
                f"@media (max-width:700px){{{s} .hero{{grid-template-columns:1fr}}{s} h1{{font-size:1.5rem}}}}"
                + layers)


def _tone_class(tone: str) -> str:
    if tone.startswith("grade:"):
        return f"g-{tone.removeprefix('grade:')}" if tone != "grade:None" else ""
    return f"t-{tone}" if tone else ""


def _swatch(mask_type: str) -> str:
    from maskrender.kinds import MASK_KINDS

    kind = MASK_KINDS.get(mask_type)
    return kind.legend if kind is not None else "filled"


def html_page(report: Report, *, fragment: bool = False, id_prefix: str = "r") -> str:
    """The report as an HTML5 document, or (``fragment``) a ``<div>`` with its own scoped ``<style>``."""
    page = _Page(report, id_prefix)
    body = page.body()
    style = page.style()
    if fragment:
        return f"<div><style>{style}</style>{body}</div>"
    title = escape(clean(report.content.title))
    return ("<!DOCTYPE html>\n"
            f'<html lang="{_e(report.content.language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="generator" content="maskrender">\n'
            f"<title>{title}</title>\n<style>\nhtml,body{{margin:0;padding:0;background:{report.theme.paper}}}\n"
            f"{style}\n</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
