"""Lines stroked with round joins and caps, built directly as outlines (never buffered).

A polyline is cut at its *sharp* vertices into runs.  Each run becomes one counter-clockwise
outline: its right offset forward and its left offset back, joined at every vertex by a
round arc on the outer side (:func:`arc_segments` per full turn: every chord within 0.005 px
of the circle) and by the miter point on the inner side, with the round caps of the line's
ends as half circles in the outline; a run cut at a sharp vertex gets a round join there, a
regular polygon with the disc's area (its own ring, as exact to the rasteriser as any
polygon).  A vertex is sharp when the inner miter would reach past half of an adjacent
segment (the line bends tighter than half its width); there the runs and joins overlap and
the rasteriser's exact union counts them once.  So the cost is that of the outline, not of
one piece per segment, and any polyline (zigzags included) is linear.

>>> import shapely
>>> x, y, start, level, discs, disc_level = stroke_outlines(
...     np.array([shapely.LineString([(0, 0), (10, 0), (10, 10)])]), np.array([200]), 2.0)
>>> len(start) - 1, level.tolist(), discs.tolist()   # one outline, no sharp vertex (joins are rings)
(1, [200], [])
>>> round(float(shapely.Polygon(np.c_[x, y]).area), 2)   # 20 x 2 - 1, a quarter disc at the corner, two half caps
42.92
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import shapely

__all__ = ["arc_segments", "cap_segments", "stroke_outlines"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]



def arc_segments(h: float) -> int:
    """Segments of a full turn of a round join of radius ``h`` (twice :func:`cap_segments`).

    >>> arc_segments(0.25), arc_segments(10.0)
    (16, 100)
    """
    return 2 * cap_segments(h)


def cap_segments(h: float) -> int:
    """Segments of a round cap's half circle of radius ``h``: the chord stays within 0.005 px of
    the arc (4 to 64).

    >>> cap_segments(0.25), cap_segments(2.4), cap_segments(50.0)
    (8, 25, 64)
    """
    return int(min(64, max(4, math.ceil(math.pi / math.sqrt(8 * 0.005 / max(h, 1e-9))))))


def stroke_outlines(lines: npt.NDArray[np.object_], levels: I64, width: float, box: tuple[int, int] | None = None
                    ) -> tuple[F64, F64, I64, I64, F64, I64]:
    """Outlines of lines stroked ``width`` wide: ``(x, y, ring_start, ring_level, disc_centres, disc_level)``.

    Rings are counter-clockwise without their closing vertex: the runs' outlines, then the
    joins at sharp vertices.  A join is a disc (radius ``width / 2``) only where that disc holds
    the whole ``box`` (``(width, height)``, grown by a pixel; the rasteriser then draws the box):
    a disc's quarter-pixel strips are chords of its exact area, a few levels off near its poles,
    which a pixel-traced line, sharp at nearly every vertex, would show all along.
    """
    h = width / 2.0
    parts, feature = shapely.get_parts(lines, return_index=True)  # the lines of a MultiLineString apart
    levels = levels[feature]
    xy, line = shapely.get_coordinates(parts, return_index=True)
    if len(xy):
        keep = np.r_[True, (line[1:] != line[:-1]) | (xy[1:] != xy[:-1]).any(axis=1)]
        xy, line = xy[keep], line[keep]
    if len(xy) < 2:
        return (np.empty(0), np.empty(0), np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int64),
                xy.reshape(-1, 2), levels[line].astype(np.int64))
    seg = np.flatnonzero(line[1:] == line[:-1])  # segment i joins vertex seg[i] to seg[i] + 1
    d = xy[seg + 1] - xy[seg]
    length = np.hypot(d[:, 0], d[:, 1])
    u = d / length[:, None]
    n = np.column_stack([-u[:, 1], u[:, 0]])
    # interior vertices: between consecutive segments of one line
    inner = np.flatnonzero(seg[1:] == seg[:-1] + 1)  # segment pairs (inner, inner + 1)
    ua, ub = u[inner], u[inner + 1]
    cross = ua[:, 0] * ub[:, 1] - ua[:, 1] * ub[:, 0]
    dot = np.clip((ua * ub).sum(axis=1), -1.0, 1.0)
    foot = h * np.abs(cross) / np.maximum(1.0 + dot, 1e-12)  # miter foot distance, h tan(phi / 2)
    sharp = (dot < -0.999) | (foot > 0.5 * np.minimum(length[inner], length[inner + 1]))
    # runs: segments joined by non-sharp interior vertices
    joined = np.zeros(len(seg), dtype=bool)  # segment i continues the run of segment i - 1
    joined[inner[~sharp] + 1] = True
    run = np.cumsum(~joined) - 1
    n_run = int(run[-1]) + 1
    run_first = np.flatnonzero(~joined)
    run_last = np.r_[run_first[1:] - 1, len(seg) - 1]
    # per segment: the join at its start (from the previous segment), if any
    j_cross = np.zeros(len(seg))
    j_dot = np.ones(len(seg))
    j_cross[inner + 1] = cross
    j_dot[inner + 1] = dot

    # slots: side A (-n) forward over vertices first..last+1, then side B (+n) backward
    nseg = run_last - run_first + 1
    nvert = nseg + 1
    slots_per_run = 2 * nvert
    total_slots = int(slots_per_run.sum())
    slot_run = np.repeat(np.arange(n_run), slots_per_run)
    k = np.arange(total_slots) - np.repeat(np.cumsum(slots_per_run) - slots_per_run, slots_per_run)
    nv = nvert[slot_run]
    side_b = k >= nv
    vpos = np.where(side_b, 2 * nv - 1 - k, k)  # vertex position within the run, 0..nseg
    first = run_first[slot_run]
    at_start = vpos == 0
    at_end = vpos == nv - 1
    seg_before = first + vpos - 1  # segment ending at this vertex (if not the run start)
    seg_after = first + vpos  # segment starting at it (if not the run end)
    sigma = np.where(side_b, 1.0, -1.0)
    vertex = np.where(at_end, seg[np.minimum(seg_before, len(seg) - 1)] + 1, seg[np.minimum(seg_after, len(seg) - 1)])
    # normals in traversal order (A forward: before -> after; B backward: after -> before)
    nb = n[np.clip(seg_before, 0, len(seg) - 1)]
    na = n[np.clip(seg_after, 0, len(seg) - 1)]
    n_in = np.where(side_b[:, None], na, nb)
    n_out = np.where(side_b[:, None], nb, na)
    n_in = np.where((at_start & ~side_b)[:, None] | (at_end & side_b)[:, None], n_out, n_in)
    n_out = np.where((at_end & ~side_b)[:, None] | (at_start & side_b)[:, None], n_in, n_out)
    interior = ~at_start & ~at_end
    c = np.where(interior, j_cross[np.clip(seg_after, 0, len(seg) - 1)], 0.0)
    dt = np.where(interior, j_dot[np.clip(seg_after, 0, len(seg) - 1)], 1.0)
    is_inner = interior & (sigma * c > 0)
    is_outer = interior & ~is_inner & (c != 0)
    phi = np.arctan2(np.abs(c), dt)
    per_turn = arc_segments(h)
    extra = np.where(is_outer, np.maximum(np.ceil(phi / (2 * np.pi / per_turn)) - 1, 0), 0).astype(np.int64)
    # round caps at the ends of a line (not where a run was cut at a sharp vertex): a half circle
    # in the outline, from the end's right offset round the end to its left offset
    line_start = np.r_[True, seg[1:] != seg[:-1] + 1][run_first]
    line_end = np.r_[seg[1:] != seg[:-1] + 1, True][run_last]
    cap = (at_end & ~side_b & line_end[slot_run]) | (at_start & side_b & line_start[slot_run])
    n_cap = cap_segments(h)
    count = np.where(is_outer, 2 + extra, np.where(cap, n_cap, 1))

    # points
    pk = np.repeat(np.arange(total_slots), count)
    j = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    centre = xy[vertex[pk]]
    s = sigma[pk][:, None]
    a_in = np.arctan2(s[:, 0] * n_in[pk, 1], s[:, 0] * n_in[pk, 0])
    a_out = np.arctan2(s[:, 0] * n_out[pk, 1], s[:, 0] * n_out[pk, 0])
    delta = np.angle(np.exp(1j * (a_out - a_in)))
    t = j / np.maximum(count[pk] - 1, 1)
    ang = a_in + t * delta
    arc = centre + h * np.column_stack([np.cos(ang), np.sin(ang)])
    miter = centre + s * (n_in[pk] + n_out[pk]) * (h / (1.0 + dt[pk]))[:, None]
    plain = centre + s * n_in[pk] * h
    cap_ang = a_in + np.pi * j / n_cap  # from this side's offset half a turn round the end
    step = math.pi / n_cap
    cap_r = np.where(j == 0, h, h * math.sqrt(step / math.sin(step)))  # the polygon keeps the half disc's area
    cap_pts = centre + cap_r[:, None] * np.column_stack([np.cos(cap_ang), np.sin(cap_ang)])
    pts = np.where(is_outer[pk][:, None], arc, np.where(is_inner[pk][:, None], miter,
                                                        np.where(cap[pk][:, None], cap_pts, plain)))
    ring_counts = np.bincount(slot_run[pk], minlength=n_run)
    ring_start = np.r_[0, np.cumsum(ring_counts)].astype(np.int64)
    ring_level = levels[line[seg[run_first]]].astype(np.int64)
    # the joins at sharp vertices, where one run ends flat and the next begins: each run covers the
    # half disc on its side, so the join is the sector between them (as wide as the turn), its
    # arc's points at the radius that keeps the sector's exact area
    at = inner[sharp]
    centre = xy[seg[at] + 1]
    holds = np.zeros(len(at), dtype=bool)  # a join whose disc holds the whole box (grown by a pixel): the disc
    if box is not None:
        far_x = np.maximum(np.abs(centre[:, 0] + 1), np.abs(centre[:, 0] - box[0] - 1))
        far_y = np.maximum(np.abs(centre[:, 1] + 1), np.abs(centre[:, 1] - box[1] - 1))
        holds = far_x * far_x + far_y * far_y < h * h
    discs, disc_level = centre[holds], levels[line[seg[at[holds]]]].astype(np.int64)
    at = at[~holds]
    ua, ub = u[at], u[at + 1]
    turn = np.arccos(np.clip((ua * ub).sum(axis=1), -1.0, 1.0))
    n_arc = np.maximum(np.ceil(turn / (2 * np.pi / per_turn)), 1).astype(np.int64)
    mid = np.arctan2(ua[:, 1] - ub[:, 1], ua[:, 0] - ub[:, 0])
    jk = np.repeat(np.arange(len(at)), n_arc + 2)
    jj = np.arange(int((n_arc + 2).sum())) - np.repeat(np.cumsum(n_arc + 2) - n_arc - 2, n_arc + 2)
    step = (turn / n_arc)[jk]
    ang_j = mid[jk] - turn[jk] / 2 + (jj - 1) * step
    r_j = np.where(jj == 0, 0.0, h * np.sqrt(step / np.maximum(np.sin(step), 1e-300)))
    joins = xy[seg[at] + 1][jk] + r_j[:, None] * np.column_stack([np.cos(ang_j), np.sin(ang_j)])
    pts = np.concatenate([pts, joins])
    ring_start = np.r_[ring_start, ring_start[-1] + np.cumsum(n_arc + 2)].astype(np.int64)
    ring_level = np.r_[ring_level, levels[line[seg[at]]]].astype(np.int64)
    return pts[:, 0].copy(), pts[:, 1].copy(), ring_start, ring_level, discs, disc_level
