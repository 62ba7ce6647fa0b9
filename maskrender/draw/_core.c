/* maskrender's compiled rasteriser core: the integer arithmetic of maskrender/draw/sweep.py and
 * accumulate.py (the numpy reference) in loops, and Pillow's paste arithmetic for the blend.
 *
 * Built by setup.py as the optional extension maskrender.draw._core (plain C API and the buffer
 * protocol: no numpy headers, no runtime dependency).  Every value is computed with the same
 * floating-point operations in the same order as the numpy path and summed as integers, so both
 * give byte-identical pictures (tests/draw/test_parity.py checks it on generated workloads).
 *
 * Memory safety on hostile input: every index this file writes, and every index it reads that
 * comes from data (a chain number, a table position), goes through a checked accessor; a
 * violation stops the drawing and raises RuntimeError instead of touching memory.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t i64;

#define YQ 1024
#define STRIPS 4
#define STRIP (YQ / STRIPS)
#define HALF (STRIP / 2)
#define XQ 4096
#define XSPAN ((i64)1 << 44)
#define FQ 1024
#define FULL ((i64)YQ * FQ)
#define ALPHA_SHIFT 44

typedef struct { const i64 *p; i64 n; } IA;
typedef struct { const double *p; i64 n; } FA;
typedef struct { const unsigned char *p; i64 n; } BA;

/* scratch memory of one band, handed out from blocks kept from band to band (no page faults
 * from freeing and mapping again) and released at the end of a drawing */
typedef struct { char *p; size_t cap, used; } Block;

typedef struct {
    int bad;      /* an index out of range was caught */
    int nomem;    /* an allocation failed */
    Block *blocks;
    int nblocks, cur;
} Ctx;

static void *amalloc(Ctx *c, size_t bytes) {
    bytes = (bytes + 15) & ~(size_t)15;
    if (!bytes) bytes = 16;
    for (; c->cur < c->nblocks; c->cur++) {
        Block *b = &c->blocks[c->cur];
        if (b->cap - b->used >= bytes) { void *out = b->p + b->used; b->used += bytes; return out; }
    }
    Block *nb = (Block *)realloc(c->blocks, sizeof(Block) * (size_t)(c->nblocks + 1));
    if (!nb) { c->nomem = 1; return NULL; }
    c->blocks = nb;
    size_t cap = bytes > ((size_t)1 << 22) ? bytes : ((size_t)1 << 22);
    char *mem = (char *)malloc(cap);
    if (!mem) { c->nomem = 1; return NULL; }
    c->blocks[c->nblocks] = (Block){mem, cap, bytes};
    c->cur = c->nblocks++;
    return mem;
}
static void arena_reset(Ctx *c) {
    for (int i = 0; i < c->nblocks; i++) c->blocks[i].used = 0;
    c->cur = 0;
}
/* where the arena stands, to give back everything allocated after it (blocks past the current
 * one are always empty: allocation only moves forward) */
typedef struct { int cur; size_t used; } Mark;
static Mark arena_mark(Ctx *c) {
    Mark m = {c->cur, c->cur < c->nblocks ? c->blocks[c->cur].used : 0};
    return m;
}
static void arena_release(Ctx *c, Mark m) {
    for (int i = m.cur + 1; i < c->nblocks; i++) c->blocks[i].used = 0;
    if (m.cur < c->nblocks) c->blocks[m.cur].used = m.used;
    c->cur = m.cur;
}
static void arena_free(Ctx *c) {
    for (int i = 0; i < c->nblocks; i++) free(c->blocks[i].p);
    free(c->blocks);
    c->blocks = NULL;
    c->nblocks = c->cur = 0;
}

static inline i64 gi(Ctx *c, IA a, i64 i) {
    if ((uint64_t)i < (uint64_t)a.n) return a.p[i];
    c->bad = 1;
    return 0;
}
static inline double gf(Ctx *c, FA a, i64 i) {
    if ((uint64_t)i < (uint64_t)a.n) return a.p[i];
    c->bad = 1;
    return 0.0;
}

/* growable scratch arrays, checked on every write */
typedef struct { i64 *p; i64 n; } IV;

static IV iv_new(Ctx *c, i64 n, i64 fill) {
    IV v = {NULL, 0};
    if (n < 0) n = 0;
    v.p = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n ? n : 1));
    if (!v.p) { c->nomem = 1; return v; }
    v.n = n;
    for (i64 i = 0; i < n; i++) v.p[i] = fill;
    return v;
}
static inline i64 ig(Ctx *c, IV v, i64 i) {
    if ((uint64_t)i < (uint64_t)v.n) return v.p[i];
    c->bad = 1;
    return 0;
}
static inline void is(Ctx *c, IV v, i64 i, i64 x) {
    if ((uint64_t)i < (uint64_t)v.n) v.p[i] = x; else c->bad = 1;
}
#define FREE(v) do { (v).p = NULL; (v).n = 0; } while (0)  /* the arena takes it back */

/* float -> int64 as numpy's astype does for in-range values; out-of-range values (which numpy
 * leaves undefined) are clamped instead of being undefined behaviour here */
static inline i64 to_i64(double x) {
    if (x != x) return 0;
    if (x >= 4.0e18) return (i64)4.0e18;
    if (x <= -4.0e18) return -(i64)4.0e18;
    return (i64)x;
}
static inline double pmin(double a, double b) { return b < a ? b : a; }  /* Python's min(a, b) */
static inline double pmax(double a, double b) { return b > a ? b : a; }
static inline i64 imin(i64 a, i64 b) { return b < a ? b : a; }
static inline i64 imax(i64 a, i64 b) { return b > a ? b : a; }
static inline i64 floordiv(i64 a, i64 b) { i64 q = a / b; return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q; }
static inline i64 pymod(i64 a, i64 b) { i64 r = a % b; return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r; }

/* a * b + c in int64 wrapping like numpy (no undefined overflow) */
static inline i64 wrap(i64 a, i64 b, i64 c) { return (i64)((uint64_t)a * (uint64_t)b + (uint64_t)c); }

/* (group * XSPAN + xq) * 2 + (d > 0), wrapping like numpy's int64 instead of overflowing */
static inline i64 sort_key(i64 group, double x, i64 d) {
    double xq = rint(x * XQ) + (double)(XSPAN / 2);
    xq = pmin(pmax(xq, 0.0), (double)(XSPAN - 1));
    uint64_t k = ((uint64_t)group * (uint64_t)XSPAN + (uint64_t)to_i64(xq)) * 2u + (d > 0 ? 1u : 0u);
    return (i64)k;
}

/* ------------------------------------------------------------------------------------------ */
/* sorting: pairs ordered by (key, index), i.e. a stable sort by key                            */
/* ------------------------------------------------------------------------------------------ */

typedef struct { i64 k; i64 i; } Pair;

static void sort_pairs(Pair *a, Pair *tmp, i64 n) {
    /* insertion sort on runs of 16, then bottom-up merges: stable, O(n log n) */
    const i64 run = 16;
    for (i64 s = 0; s < n; s += run) {
        i64 e = imin(s + run, n);
        for (i64 i = s + 1; i < e; i++) {
            Pair v = a[i];
            i64 j = i - 1;
            while (j >= s && (a[j].k > v.k || (a[j].k == v.k && a[j].i > v.i))) { a[j + 1] = a[j]; j--; }
            a[j + 1] = v;
        }
    }
    for (i64 width = run; width < n; width *= 2) {
        for (i64 s = 0; s < n; s += 2 * width) {
            i64 mid = imin(s + width, n), e = imin(s + 2 * width, n);
            if (mid >= e) continue;
            if (a[mid - 1].k < a[mid].k || (a[mid - 1].k == a[mid].k && a[mid - 1].i < a[mid].i)) continue;
            i64 i = s, j = mid, o = s;
            while (i < mid && j < e) {
                if (a[j].k < a[i].k || (a[j].k == a[i].k && a[j].i < a[i].i)) tmp[o++] = a[j++];
                else tmp[o++] = a[i++];
            }
            while (i < mid) tmp[o++] = a[i++];
            while (j < e) tmp[o++] = a[j++];
            memcpy(a + s, tmp + s, sizeof(Pair) * (size_t)(e - s));
        }
    }
}

/* pairs (key[j], idx[j] or j) sorted by (key, index).  Keys made by sort_key() order by their
 * line first (key >> 45): a counting sort by line, then each (short) line sorted */
static Pair *sorted_pairs(Ctx *c, const i64 *key, const i64 *idx, i64 n) {
    Pair *a = (Pair *)amalloc(c, sizeof(Pair) * (size_t)(n ? n : 1));
    Pair *t = (Pair *)amalloc(c, sizeof(Pair) * (size_t)(n ? n : 1));
    if (!a || !t) return NULL;
    i64 gmin = 0, gmax = -1;
    int grouped = 1;
    for (i64 j = 0; j < n; j++) {
        if (key[j] < 0) { grouped = 0; break; }
        i64 g = key[j] >> 45;
        if (j == 0 || g < gmin) gmin = g;
        if (j == 0 || g > gmax) gmax = g;
    }
    if (!grouped || n < 64 || gmax - gmin > 4 * n) {
        for (i64 j = 0; j < n; j++) { a[j].k = key[j]; a[j].i = idx ? idx[j] : j; }
        sort_pairs(a, t, n);
        return a;
    }
    i64 ng = gmax - gmin + 1;
    i64 *count = (i64 *)amalloc(c, sizeof(i64) * (size_t)(ng + 1));
    if (!count) return NULL;
    memset(count, 0, sizeof(i64) * (size_t)(ng + 1));
    for (i64 j = 0; j < n; j++) count[(key[j] >> 45) - gmin + 1]++;
    for (i64 g = 0; g < ng; g++) count[g + 1] += count[g];
    for (i64 j = 0; j < n; j++) {
        i64 g = (key[j] >> 45) - gmin;
        i64 o = count[g]++;
        if ((uint64_t)o >= (uint64_t)n) { c->bad = 1; return NULL; }
        a[o].k = key[j];
        a[o].i = idx ? idx[j] : j;
    }
    /* count[g] is now the end of line g */
    i64 start = 0;
    for (i64 g = 0; g < ng; g++) {
        i64 end = count[g];
        if (end - start > 1) sort_pairs(a + start, t + start, end - start);
        start = end;
    }
    return a;
}

/* ------------------------------------------------------------------------------------------ */
/* the band buffer: rows of w integrals plus each row's touched span [lo, hi)                   */
/* ------------------------------------------------------------------------------------------ */

#define TILE 32
typedef struct {
    i64 *v;      /* rows x (w + 2) */
    i64 rows;
    i64 w;
    unsigned char *mark;  /* rows x tiles: the 32-column tiles a row's contributions touch */
} Buf;

static inline i64 n_tiles(i64 w) { return w / TILE + 1; }

static void add_piece(Ctx *c, Buf *b, i64 row, i64 ya, i64 yb, double xa, double xb, i64 q) {
    if (q == 0) return;
    const i64 w = b->w, stride = w + 2;
    if ((uint64_t)row >= (uint64_t)b->rows) { c->bad = 1; return; }
    i64 *r = b->v + row * stride;
    double lo = floor(pmin(xa, xb));
    double hi = floor(pmax(xa, xb));
    if (lo >= (double)w) return;
    double first = pmax(lo + 1, 0.0);
    double last = pmin(hi, (double)w);
    i64 n_split = to_i64(pmax(last - first + 1, 0.0));
    if (n_split > w + 1) { c->bad = 1; return; }
    int rising = xb >= xa;
    double dy = (double)(yb - ya);
    double span = xb - xa;
    double dyx = span != 0 ? dy / span : 0.0;
    for (i64 k = 0; k <= n_split; k++) {
        double b_in, b_out;
        if (rising) { b_in = first + (double)k - 1; b_out = first + (double)k; }
        else { b_in = last - (double)k + 1; b_out = last - (double)k; }
        double xs = k == 0 ? xa : b_in;
        double xe = k == n_split ? xb : b_out;
        i64 ys = k == 0 ? ya : imin(imax(ya + to_i64(rint((xs - xa) * dyx)), ya), yb);
        i64 ye = k == n_split ? yb : imin(imax(ya + to_i64(rint((xe - xa) * dyx)), ya), yb);
        i64 height = ye - ys;
        i64 col = to_i64(floor(pmin(xs, xe)));
        double mid = (xs + xe) * 0.5 - (double)col;
        if (col < 0) { col = 0; mid = 0.0; }
        if (col >= w || height == 0) continue;
        i64 right = to_i64(rint((double)height * mid * FQ));
        unsigned char *mark = b->mark + row * n_tiles(w);
        r[col] += q * (height * FQ - right);
        mark[col / TILE] = 1;
        i64 nxt = q * right;
        if (col + 1 < w && nxt != 0) { r[col + 1] += nxt; mark[(col + 1) / TILE] = 1; }
        if (col < r[w]) r[w] = col;
        if (col + 2 > r[w + 1]) r[w + 1] = imin(col + 2, w);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* the plan                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    i64 width, height, k0;
    IA levels;
    IA iso_yt, iso_yb; FA iso_xt, iso_slope; IA iso_q;
    FA iso_cx; IA iso_cy, iso_level;
    FA half, above;
    IA ch_ymin, ch_ymax, ch_d, ch_level;
    IA e_yt, e_yb; FA e_xt, e_sl; IA e_ch;
    IA t_a, t_b, t_y; FA t_x; BA t_top;
    FA d_cx; IA d_cy, d_lev;
    IA dkeys;   /* the offsets from a disc's top at which half and above hold values */
} Plan;

/* where offset k from a disc's top is in the disc table (it is always there) */
static i64 disc_slot(Ctx *c, const Plan *p, i64 k) {
    i64 lo = 0, hi = p->dkeys.n;
    while (lo < hi) { i64 mid = lo + (hi - lo) / 2; if (p->dkeys.p[mid] < k) lo = mid + 1; else hi = mid; }
    if (lo >= p->dkeys.n || p->dkeys.p[lo] != k) { c->bad = 1; return 0; }
    return lo;
}

static void disc_piece(Ctx *c, const Plan *p, double cx, i64 cy, i64 m, i64 *ya_, i64 *yb_,
                       double *lxa, double *lxb, double *rxa, double *rxb) {
    i64 top = cy + p->k0;
    i64 ya = imax(top, m * STRIP);
    i64 yb = imin(cy - p->k0, (m + 1) * STRIP);
    i64 ka = ya - top, kb = yb - top;
    i64 sa = disc_slot(c, p, ka), sb = disc_slot(c, p, kb);
    double area = gf(c, p->above, sb) - gf(c, p->above, sa);
    double wa = gf(c, p->half, sa), wb = gf(c, p->half, sb);
    double dy = (double)(yb - ya) / YQ;
    double delta = (area - dy * (wa + wb)) / (2.0 * dy);
    *ya_ = ya; *yb_ = yb;
    *lxa = cx - wa - delta; *lxb = cx - wb - delta;
    *rxa = cx + wa + delta; *rxb = cx + wb + delta;
}

static i64 level_index(Ctx *c, const Plan *p, i64 level) {
    /* np.searchsorted(levels, level) (left); must land on the level itself */
    i64 lo = 0, hi = p->levels.n;
    while (lo < hi) { i64 mid = (lo + hi) / 2; if (p->levels.p[mid] < level) lo = mid + 1; else hi = mid; }
    if (lo >= p->levels.n) { c->bad = 1; return 0; }
    return lo;
}

static void isolated(Ctx *c, const Plan *p, Buf *b, i64 lo, i64 hi, i64 r0) {
    for (i64 e = 0; e < p->iso_yt.n; e++) {
        i64 yt = p->iso_yt.p[e], yb = gi(c, p->iso_yb, e);
        if (yb <= lo || yt >= hi) continue;
        double xt = gf(c, p->iso_xt, e), sl = gf(c, p->iso_slope, e);
        i64 q = gi(c, p->iso_q, e);
        i64 ms = imax(floordiv(yt, YQ), floordiv(lo, YQ));
        i64 me = imin(floordiv(yb - 1, YQ), floordiv(hi, YQ) - 1);
        for (i64 m = ms; m <= me && !c->bad; m++) {
            i64 ya = imax(yt, m * YQ), y2 = imin(yb, (m + 1) * YQ);
            add_piece(c, b, m - r0, ya, y2, xt + (double)(ya - yt) * sl, xt + (double)(y2 - yt) * sl, q);
        }
    }
    for (i64 i = 0; i < p->iso_cx.n; i++) {
        i64 cy = gi(c, p->iso_cy, i);
        i64 top = cy + p->k0, bot = cy - p->k0;
        if (bot <= lo || top >= hi) continue;
        i64 lev = gi(c, p->iso_level, i);
        i64 ms = imax(floordiv(top, STRIP), floordiv(lo, STRIP));
        i64 me = imin(floordiv(bot - 1, STRIP), floordiv(hi, STRIP) - 1);
        for (i64 m = ms; m <= me && !c->bad; m++) {
            i64 ya, yb; double lxa, lxb, rxa, rxb;
            disc_piece(c, p, p->iso_cx.p[i], cy, m, &ya, &yb, &lxa, &lxb, &rxa, &rxb);
            i64 row = floordiv(m, STRIPS) - r0;
            add_piece(c, b, row, ya, yb, lxa, lxb, lev);
            add_piece(c, b, row, ya, yb, rxa, rxb, -lev);
        }
    }
}

#include "_core_classify.h"
#include "_core_module.h"
