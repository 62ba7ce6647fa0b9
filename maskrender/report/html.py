"""Wrap the SVG report in one self-contained HTML page.

The page holds the report as inline SVG (text stays selectable and searchable), the photos
as data URIs, no script, and a Content-Security-Policy that forbids loading anything, so it
works opened from disk, offline, and nothing from the data can run or call out.
"""

from __future__ import annotations

from html import escape

__all__ = ["html_page"]

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def html_page(svg: str, *, title: str, width: int) -> str:
    """An HTML5 document showing ``svg`` (``width`` pixels wide, scaled down on narrow screens)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="maskrender">\n'
        f"<title>{escape(title)}</title>\n"
        "<style>\n"
        "html, body { margin: 0; padding: 0; background: #ffffff; }\n"
        f"main > svg {{ display: block; width: 100%; max-width: {int(width)}px; height: auto; margin: 0 auto; }}\n"
        "</style>\n</head>\n<body>\n<main>\n"
        f"{svg}\n"
        "</main>\n</body>\n</html>\n"
    )
