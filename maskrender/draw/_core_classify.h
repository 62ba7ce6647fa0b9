/* Part of _core.c (one translation unit): the classified shapes of a band, as in
 * maskrender/draw/sweep.py (_classified, _links, _clusters, _slabs, _refine, _sweep_slabs).
 *
 * Per strip, pieces whose x ranges overlap or touch (and the horizontal runs between them) form
 * clusters; each cluster is cut into slabs at its pieces' ends and where its pieces cross, and
 * every slab is swept along its middle line from the winding numbers of the clusters left of it. */

#define SNAP 16
#define ROUNDS 8
static inline i64 budget(i64 k) { return 64 * k + 1024; }
static inline i64 cross_budget(i64 k) { return 4 * k + 256; }  /* sweep._cross_budget */

static inline i64 xq(double v) {
    v = v + (double)(XSPAN / 2);
    v = pmin(pmax(v, 0.0), (double)(XSPAN - 1));
    return to_i64(v);
}

static inline double x_at(double xa, double xb, i64 ya, i64 yb, i64 y) {
    if (y == ya) return xa;
    if (y == yb) return xb;
    double sl = (xb - xa) / (double)(yb - ya);
    return xa + (double)(y - ya) * sl;
}

static int cmp_i64(const void *x, const void *y) {
    i64 a = *(const i64 *)x, b = *(const i64 *)y;
    return a < b ? -1 : (a > b);
}

/* insertion sort for short arrays, qsort beyond (the same order: the comparators are total) */
#define SORT(T, a, n, cmp) do { \
    if ((n) > 24) qsort((a), (size_t)(n), sizeof(T), cmp); \
    else for (i64 i_ = 1; i_ < (n); i_++) { T v_ = (a)[i_]; i64 j_ = i_ - 1; \
        while (j_ >= 0 && cmp(&(a)[j_], &v_) > 0) { (a)[j_ + 1] = (a)[j_]; j_--; } (a)[j_ + 1] = v_; } \
} while (0)

/* sorted unique in place; returns the new length */
static i64 sort_unique(i64 *a, i64 n) {
    if (n <= 0) return 0;
    SORT(i64, a, n, cmp_i64);
    i64 u = 1;
    for (i64 i = 1; i < n; i++) if (a[i] != a[u - 1]) a[u++] = a[i];
    return u;
}

static i64 lower_bound(const i64 *a, i64 n, i64 v) {
    i64 lo = 0, hi = n;
    while (lo < hi) { i64 mid = lo + (hi - lo) / 2; if (a[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
}

typedef struct { double a, b; i64 s, i; } Quad;  /* x at two lines, source id, piece */

static int cmp_quad(const void *x, const void *y) {
    const Quad *s = (const Quad *)x, *t = (const Quad *)y;
    if (s->a != t->a) return s->a < t->a ? -1 : 1;
    if (s->b != t->b) return s->b < t->b ? -1 : 1;
    return s->s < t->s ? -1 : (s->s > t->s);
}

/* the band's pieces: edges' strip pieces, then discs' left sides, then their right sides */
typedef struct {
    i64 m, ya, yb, d, li, src, snapped, nruns, qs, run_q, run_ya, run_yb, open;
    double xa, xb;
} Pc;
typedef struct { Pc *p; i64 n; Pc junk; IV eq; } Pieces;  /* eq: edges' pieces drawn as one run, by edge */

#define SET(a, v) ((a) = (v))

/* piece i, checked: a bad index reads and writes a scratch piece and stops the drawing */
static inline Pc *pc_at(Ctx *c, Pieces *P, i64 i) {
    if ((uint64_t)i < (uint64_t)P->n) return &P->p[i];
    c->bad = 1;
    return &P->junk;
}

/* a piece's slope (x per y unit) and its x at any y of its line, the one place both are computed for the
   slabs (the same operations, in the same order, as sweep.py's numpy) */
static inline double pc_slope(const Pc *q) { return (q->xb - q->xa) / (double)(q->yb - q->ya); }
static inline double pc_x(const Pc *q, double sl, double y) { return q->xa + (y - (double)q->ya) * sl; }

/* the largest level whose winding number is not zero */
static inline i64 covered(const Plan *p, const i64 *w) {
    for (i64 j = p->levels.n - 1; j >= 0; j--) if (w[j] != 0) return p->levels.p[j];
    return 0;
}

typedef struct { i64 k, s, i; } Tri;  /* sort key, source id, piece */

static int cmp_tri(const void *x, const void *y) {
    const Tri *u = (const Tri *)x, *v = (const Tri *)y;
    if (u->k != v->k) return u->k < v->k ? -1 : 1;
    return u->s < v->s ? -1 : (u->s > v->s);
}

/* draw piece i's run [ya, yb) of value q (x on the piece's own line) */
static void draw_run(Ctx *c, Buf *b, i64 r0, Pieces *P, i64 i, i64 ya, i64 yb, i64 q) {
    double xa = pc_at(c, P, i)->xa, xb = pc_at(c, P, i)->xb;
    i64 pya = pc_at(c, P, i)->ya, pyb = pc_at(c, P, i)->yb;
    add_piece(c, b, floordiv(pc_at(c, P, i)->m, STRIPS) - r0, ya, yb, x_at(xa, xb, pya, pyb, ya),
              x_at(xa, xb, pya, pyb, yb), q);
}

/* a piece drawn as one run: an edge's waits for the row merge (its value by edge), a disc's draws */
static void single(Ctx *c, const Plan *p, Buf *b, i64 r0, Pieces *P, i64 i, i64 q) {
    Pc *pc = pc_at(c, P, i);
    if (pc->src < p->e_yt.n) { is(c, P->eq, pc->qs, q); return; }
    add_piece(c, b, floordiv(pc->m, STRIPS) - r0, pc->ya, pc->yb, pc->xa, pc->xb, q);
}

/* one cluster of one strip: its pieces are idx[0 .. k); w holds the winding numbers (per level) left
 * of it and is advanced past it */
static void cluster(Ctx *c, const Plan *p, Buf *b, i64 r0, Pieces *P, const i64 *idx, i64 k, i64 *w) {
    const i64 nl = p->levels.n;
    const i64 m = pc_at(c, P, idx[0])->m, top = m * STRIP, bot = top + STRIP;
    if (k == 1) {  /* a piece alone (it spans the strip): one slab, no allocation */
        i64 i = idx[0], l = pc_at(c, P, i)->li, d = pc_at(c, P, i)->d;
        if ((uint64_t)l >= (uint64_t)nl) { c->bad = 1; return; }
        i64 before = covered(p, w);
        w[l] += d;
        i64 q = covered(p, w) - before;
        w[l] += floordiv(d * (pc_at(c, P, i)->yb - pc_at(c, P, i)->ya), STRIP) - d;
        single(c, p, b, r0, P, i, q);
        return;
    }
    if (k <= 32) {  /* pieces one above another (a chain through the strip, bending at vertices): every
                     * slab holds one piece, which the general path below would find too */
        i64 ord[32];
        int disjoint = 1;
        for (i64 t = 0; t < k; t++) {
            i64 v = idx[t], u = t - 1;
            while (u >= 0 && pc_at(c, P, ord[u])->ya > pc_at(c, P, v)->ya) { ord[u + 1] = ord[u]; u--; }
            ord[u + 1] = v;
        }
        for (i64 t = 1; t < k && disjoint; t++) disjoint = pc_at(c, P, ord[t])->ya >= pc_at(c, P, ord[t - 1])->yb;
        if (disjoint) {
            i64 before = covered(p, w);
            for (i64 t = 0; t < k; t++) {
                Pc *q = pc_at(c, P, idx[t]);
                if ((uint64_t)q->li >= (uint64_t)nl) { c->bad = 1; return; }
                w[q->li] += q->d;
                i64 after = covered(p, w);
                w[q->li] -= q->d;
                single(c, p, b, r0, P, idx[t], after - before);
            }
            for (i64 t = 0; t < k; t++) {  /* each level's net over the strip's height, as below */
                i64 l = pc_at(c, P, idx[t])->li, net = 0, seen = 0;
                for (i64 u = 0; u < t; u++) seen |= pc_at(c, P, idx[u])->li == l;
                if (seen) continue;
                for (i64 u = t; u < k; u++) {
                    Pc *q = pc_at(c, P, idx[u]);
                    if (q->li == l) net += q->d * (q->yb - q->ya);
                }
                if ((uint64_t)l >= (uint64_t)nl) { c->bad = 1; return; }
                w[l] += floordiv(net, STRIP);
            }
            return;
        }
    }
    i64 *ev = (i64 *)amalloc(c, sizeof(i64) * (size_t)(2 * k + 2));
    if (!ev) return;
    i64 ne = 0;
    for (i64 t = 0; t < k; t++) {
        i64 i = idx[t], ya = pc_at(c, P, i)->ya, yb = pc_at(c, P, i)->yb;
        if (ya > top) ev[ne++] = ya;
        if (yb < bot) ev[ne++] = yb;
    }
    i64 e = sort_unique(ev, ne);
    if (k * (e + 1) > budget(k)) {  /* too many ends: to the nearest 1/64 px */
        for (i64 t = 0; t < k; t++) {
            i64 i = idx[t];
            SET(pc_at(c, P, i)->ya, floordiv(pc_at(c, P, i)->ya + SNAP / 2, SNAP) * SNAP);
            SET(pc_at(c, P, i)->yb, floordiv(pc_at(c, P, i)->yb + SNAP / 2, SNAP) * SNAP);
            SET(pc_at(c, P, i)->snapped, 1);
        }
    }
    /* elementary slabs */
    i64 nb = 0;
    ev[nb++] = top;
    ev[nb++] = bot;
    for (i64 t = 0; t < k; t++) {
        i64 i = idx[t], ya = pc_at(c, P, i)->ya, yb = pc_at(c, P, i)->yb;
        if (yb > ya) { ev[nb++] = ya; ev[nb++] = yb; }
    }
    nb = sort_unique(ev, nb);
    i64 ns = nb - 1;
    const i64 cap = budget(k);
    /* slabs: y0, y1, first record, count, done; records: pieces, grouped by slab */
    i64 slab_cap = cap + 2 * k + 8;
    i64 *s_y0 = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap), *s_y1 = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
    i64 *s_at = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap), *s_n = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
    i64 *s_done = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap), *s_split = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
    i64 *rec = (i64 *)amalloc(c, sizeof(i64) * (size_t)(cap + 1));
    if (!s_y0 || !s_y1 || !s_at || !s_n || !s_done || !s_split || !rec) return;
    if (ns > slab_cap) { c->bad = 1; return; }
    for (i64 j = 0; j < ns; j++) { s_y0[j] = ev[j]; s_y1[j] = ev[j + 1]; s_n[j] = 0; s_done[j] = 0; }
    i64 n_rec = 0;
    for (i64 t = 0; t < k; t++) {
        i64 i = idx[t], ya = pc_at(c, P, i)->ya, yb = pc_at(c, P, i)->yb;
        if (yb <= ya) continue;
        i64 ia = lower_bound(ev, nb, ya), ib = lower_bound(ev, nb, yb);
        for (i64 j = ia; j < ib; j++) { if (j >= ns) { c->bad = 1; return; } s_n[j]++; n_rec++; }
    }
    if (n_rec > cap) { c->bad = 1; return; }
    {
        i64 at = 0;
        for (i64 j = 0; j < ns; j++) { s_at[j] = at; at += s_n[j]; s_n[j] = 0; }
        for (i64 t = 0; t < k; t++) {
            i64 i = idx[t], ya = pc_at(c, P, i)->ya, yb = pc_at(c, P, i)->yb;
            if (yb <= ya) continue;
            i64 ia = lower_bound(ev, nb, ya), ib = lower_bound(ev, nb, yb);
            for (i64 j = ia; j < ib; j++) {
                i64 o = s_at[j] + s_n[j]++;
                if ((uint64_t)o >= (uint64_t)(cap + 1)) { c->bad = 1; return; }
                rec[o] = i;
            }
        }
    }
    /* rounds: split slabs where neighbours (half a unit inside the slab) cross */
    Quad *qd = (Quad *)amalloc(c, sizeof(Quad) * (size_t)(k + 1));
    i64 *cut = (i64 *)amalloc(c, sizeof(i64) * (size_t)(k + 1));
    i64 *splits = (i64 *)amalloc(c, sizeof(i64) * (size_t)(cap + 1));
    i64 *split_at = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
    if (!qd || !cut || !splits || !split_at) return;
    for (int round = 0; round < ROUNDS && !c->bad; round++) {
        i64 add = 0, n_sp = 0;
        for (i64 j = 0; j < ns; j++) {
            s_split[j] = 0;
            split_at[j] = n_sp;
            if (s_done[j] || s_n[j] < 2) continue;
            i64 n = s_n[j], y0 = s_y0[j], y1 = s_y1[j];
            if (n > k) { c->bad = 1; return; }
            for (i64 u = 0; u < n; u++) {
                i64 i = rec[s_at[j] + u];
                const Pc *q = pc_at(c, P, i);
                double sl = pc_slope(q);
                qd[u].a = pc_x(q, sl, (double)y0 + 0.5);
                qd[u].b = pc_x(q, sl, (double)y1 - 0.5);
                qd[u].s = q->src;
                qd[u].i = i;
            }
            SORT(Quad, qd, n, cmp_quad);
            i64 nc = 0;
            for (i64 u = 0; u + 1 < n; u++) {
                if (!(qd[u].b > qd[u + 1].b)) continue;
                double dt = qd[u + 1].a - qd[u].a, db = qd[u].b - qd[u + 1].b;
                i64 yc = y0 + to_i64(rint(0.5 + dt / (dt + db) * (double)(y1 - y0 - 1)));
                if (yc > y0 && yc < y1) cut[nc++] = yc;
            }
            nc = sort_unique(cut, nc);
            if (n_sp + nc > cap + 1) { c->bad = 1; return; }
            for (i64 u = 0; u < nc; u++) splits[n_sp++] = cut[u];
            s_split[j] = nc;
            add += nc * n;
        }
        if (add == 0 || n_rec + add > cross_budget(k)) {
            for (i64 j = 0; j < ns; j++) s_done[j] = 1;
            break;
        }
        /* the new slabs, in y order; their records copied */
        i64 ns2 = 0;
        for (i64 j = 0; j < ns; j++) ns2 += 1 + s_split[j];
        if (ns2 > slab_cap) { c->bad = 1; return; }
        i64 *t_y0 = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap), *t_y1 = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
        i64 *t_at = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap), *t_n = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
        i64 *t_done = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
        i64 *rec2 = (i64 *)amalloc(c, sizeof(i64) * (size_t)(cap + 1));
        if (!t_y0 || !t_y1 || !t_at || !t_n || !t_done || !rec2) return;
        i64 o = 0, r2 = 0;
        for (i64 j = 0; j < ns; j++) {
            i64 y = s_y0[j];
            for (i64 u = 0; u <= s_split[j]; u++) {
                i64 y_end = u < s_split[j] ? splits[split_at[j] + u] : s_y1[j];
                t_y0[o] = y; t_y1[o] = y_end; t_at[o] = r2; t_n[o] = s_n[j];
                t_done[o] = s_split[j] ? 0 : 1;
                if (r2 + s_n[j] > cap + 1) { c->bad = 1; return; }
                memcpy(rec2 + r2, rec + s_at[j], sizeof(i64) * (size_t)s_n[j]);
                r2 += s_n[j];
                o++;
                y = y_end;
            }
        }
        n_rec += add;
        s_y0 = t_y0; s_y1 = t_y1; s_at = t_at; s_n = t_n; s_done = t_done; rec = rec2; ns = ns2;
        i64 *sp = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap), *sa = (i64 *)amalloc(c, sizeof(i64) * (size_t)slab_cap);
        if (!sp || !sa) return;
        s_split = sp; split_at = sa;
    }
    /* sweep every slab along its middle line, in (key, source) order; runs of one value per piece */
    i64 *wl = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nl ? nl : 1));
    Tri *tr = (Tri *)amalloc(c, sizeof(Tri) * (size_t)(k + 1));
    if (!wl || !tr) return;
    for (i64 j = 0; j < ns && !c->bad; j++) {
        i64 n = s_n[j], y0 = s_y0[j], y1 = s_y1[j];
        if (n > k) { c->bad = 1; return; }
        for (i64 u = 0; u < n; u++) {
            i64 i = rec[s_at[j] + u];
            const Pc *q = pc_at(c, P, i);
            double xm = pc_x(q, pc_slope(q), (double)(y0 + y1) * 0.5);
            tr[u].k = xq(rint(xm * XQ)) * 2 + (q->d > 0 ? 1 : 0);
            tr[u].s = q->src;
            tr[u].i = i;
        }
        SORT(Tri, tr, n, cmp_tri);
        for (i64 l = 0; l < nl; l++) wl[l] = w[l];
        i64 before = covered(p, wl);
        for (i64 u = 0; u < n; u++) {
            i64 i = tr[u].i, l = pc_at(c, P, i)->li;
            if ((uint64_t)l >= (uint64_t)nl) { c->bad = 1; return; }
            wl[l] += pc_at(c, P, i)->d;
            i64 after = covered(p, wl);
            i64 q = after - before;
            before = after;
            if (pc_at(c, P, i)->open && pc_at(c, P, i)->run_q == q && pc_at(c, P, i)->run_yb == y0) {
                SET(pc_at(c, P, i)->run_yb, y1);  /* the piece's run goes on */
                continue;
            }
            if (pc_at(c, P, i)->open)  /* a second run: the piece draws run by run */
                draw_run(c, b, r0, P, i, pc_at(c, P, i)->run_ya, pc_at(c, P, i)->run_yb, pc_at(c, P, i)->run_q);
            SET(pc_at(c, P, i)->open, 1);
            SET(pc_at(c, P, i)->run_q, q); SET(pc_at(c, P, i)->run_ya, y0); SET(pc_at(c, P, i)->run_yb, y1);
            SET(pc_at(c, P, i)->nruns, pc_at(c, P, i)->nruns + 1);
        }
    }
    /* the winding numbers right of the cluster: each level's net over the strip's height */
    {
        i64 *net = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nl ? nl : 1));
        if (!net) return;
        memset(net, 0, sizeof(i64) * (size_t)(nl ? nl : 1));
        for (i64 t = 0; t < k; t++) {
            i64 i = idx[t], l = pc_at(c, P, i)->li;
            if ((uint64_t)l >= (uint64_t)nl) { c->bad = 1; return; }
            net[l] += pc_at(c, P, i)->d * (pc_at(c, P, i)->yb - pc_at(c, P, i)->ya);
        }
        for (i64 l = 0; l < nl; l++) w[l] += floordiv(net[l], STRIP);
    }
    /* runs: a piece drawn as one run, not moved, waits for the row merge; the others draw now */
    for (i64 t = 0; t < k; t++) {
        i64 i = idx[t];
        if (!pc_at(c, P, i)->open) continue;
        SET(pc_at(c, P, i)->open, 0);
        i64 q = pc_at(c, P, i)->run_q;
        if (pc_at(c, P, i)->nruns == 1 && !pc_at(c, P, i)->snapped) { single(c, p, b, r0, P, i, q); continue; }
        draw_run(c, b, r0, P, i, pc_at(c, P, i)->run_ya, pc_at(c, P, i)->run_yb, q);
    }
}

/* a piece of the band, every field set */
static inline void put_piece(Ctx *c, Pieces *P, i64 i, i64 m, i64 ya, i64 yb, double xa, double xb, i64 d, i64 li,
                             i64 src, i64 k) {
    Pc *q = pc_at(c, P, i);
    Pc v = {m, ya, yb, d, li, src, 0, 0, k, 0, 0, 0, 0, xa, xb};
    *q = v;
}

/* pieces ordered by the left end of their x range (links too), cut into clusters, each processed */
static void strip_clusters(Ctx *c, const Plan *p, Buf *b, i64 r0, Pieces *P, i64 pa, i64 pn, const i64 *lk_s,
                           const double *lk0, const double *lk1, i64 nlk, i64 strip, i64 *idx, i64 *w) {
    const i64 nl = p->levels.n;
    i64 ln = 0;
    for (i64 t = 0; t < nlk; t++) ln += lk_s[t] == strip;
    i64 n_it = pn + ln;
    Mark mark0 = arena_mark(c);
    i64 *lo_k = (i64 *)amalloc(c, sizeof(i64) * (size_t)n_it), *hi_k = (i64 *)amalloc(c, sizeof(i64) * (size_t)n_it);
    if (!lo_k || !hi_k) return;
    i64 t2 = pn;
    for (i64 t = 0; t < pn; t++) {
        Pc *q = pc_at(c, P, pa + t);
        lo_k[t] = xq(floor(pmin(q->xa, q->xb) * XQ));
        hi_k[t] = xq(ceil(pmax(q->xa, q->xb) * XQ));
    }
    for (i64 t = 0; t < nlk; t++) {
        if (lk_s[t] != strip) continue;
        if (t2 >= n_it) { c->bad = 1; return; }
        lo_k[t2] = xq(floor(pmin(lk0[t], lk1[t]) * XQ));
        hi_k[t2] = xq(ceil(pmax(lk0[t], lk1[t]) * XQ));
        t2++;
    }
    /* the pieces come nearly in order (the active edges are kept in x order): insertion sort,
     * or a full sort once it has moved too much */
    Pair *o = (Pair *)amalloc(c, sizeof(Pair) * (size_t)n_it);
    if (!o) return;
    for (i64 t = 0; t < n_it; t++) { o[t].k = lo_k[t]; o[t].i = t; }
    i64 moves = 0, limit = 8 * n_it + 256;
    for (i64 t = 1; t < n_it && moves <= limit; t++) {
        Pair v = o[t];
        i64 u = t - 1;
        while (u >= 0 && (o[u].k > v.k || (o[u].k == v.k && o[u].i > v.i))) { o[u + 1] = o[u]; u--; moves++; }
        o[u + 1] = v;
    }
    if (moves > limit) { o = sorted_pairs(c, lo_k, NULL, n_it); if (!o) return; }
    memset(w, 0, sizeof(i64) * (size_t)(nl ? nl : 1));
    i64 reach = 0, kk = 0;
    for (i64 t = 0; t <= n_it && !c->bad && !c->nomem; t++) {
        int fresh = t == n_it || t == 0 || lo_k[o[t].i] > reach;
        if (fresh && kk > 0) {  /* a cluster ends */
            Mark mark = arena_mark(c);
            cluster(c, p, b, r0, P, idx, kk, w);
            arena_release(c, mark);
            kk = 0;
        }
        if (t == n_it) break;
        i64 i = o[t].i;
        if ((uint64_t)i >= (uint64_t)n_it) { c->bad = 1; return; }
        reach = fresh ? hi_k[i] : imax(reach, hi_k[i]);
        if (i < pn) { if (kk >= pn) { c->bad = 1; return; } idx[kk++] = pa + i; }
    }
    arena_release(c, mark0);
}

/* the classified shapes of a band, a row at a time: the edges and discs that reach a row are kept
 * in active lists, so a row's pieces are made, classified and drawn while they are in cache */
static void classified(Ctx *c, const Plan *p, Buf *b, i64 lo, i64 hi, i64 r0) {
    const i64 rows = floordiv(hi, YQ) - r0, n_edges = p->e_yt.n, nd = p->d_cy.n, nt = p->t_y.n;
    if (rows <= 0 || floordiv(lo, YQ) != r0) { if (rows > 0) c->bad = 1; return; }
    /* edges, discs and turns by the first row of the band they reach */
    IV es = iv_new(c, rows + 1, 0), ds = iv_new(c, rows + 1, 0), ts = iv_new(c, rows + 1, 0);
    if (c->nomem) return;
#define FIRST_ROW(y) (imax(floordiv((y), YQ), r0) - r0)
    i64 ne = 0, ndd = 0, ntt = 0;
    for (i64 e = 0; e < n_edges; e++) {
        i64 yt = p->e_yt.p[e], yb = gi(c, p->e_yb, e);
        if (yb > lo && yt < hi) { i64 r = FIRST_ROW(yt) + 1; is(c, es, r, ig(c, es, r) + 1); ne++; }
    }
    for (i64 j = 0; j < nd; j++) {
        i64 cy = p->d_cy.p[j];
        if (cy - p->k0 > lo && cy + p->k0 < hi) { i64 r = FIRST_ROW(cy + p->k0) + 1; is(c, ds, r, ig(c, ds, r) + 1); ndd++; }
    }
    for (i64 t = 0; t < nt; t++) {
        i64 y = p->t_y.p[t];
        if (y >= lo && y < hi && pymod(y, STRIP) != 0) { i64 r = floordiv(y, YQ) - r0 + 1; is(c, ts, r, ig(c, ts, r) + 1); ntt++; }
    }
    if (ne == 0 && ndd == 0) return;
    IV eo = iv_new(c, ne, 0), dor = iv_new(c, ndd, 0), tor = iv_new(c, ntt, 0);
    IV ef = iv_new(c, rows + 1, 0), df = iv_new(c, rows + 1, 0), tf = iv_new(c, rows + 1, 0);
    if (c->nomem) return;
    for (i64 r = 0; r < rows; r++) {
        es.p[r + 1] += es.p[r]; ds.p[r + 1] += ds.p[r]; ts.p[r + 1] += ts.p[r];
        ef.p[r] = es.p[r]; df.p[r] = ds.p[r]; tf.p[r] = ts.p[r];
    }
    for (i64 e = 0; e < n_edges; e++) {
        i64 yt = p->e_yt.p[e], yb = p->e_yb.p[e];
        if (yb > lo && yt < hi) { i64 r = FIRST_ROW(yt); i64 at = ig(c, ef, r); is(c, eo, at, e); is(c, ef, r, at + 1); }
    }
    for (i64 j = 0; j < nd; j++) {
        i64 cy = p->d_cy.p[j];
        if (cy - p->k0 > lo && cy + p->k0 < hi) {
            i64 r = FIRST_ROW(cy + p->k0); i64 at = ig(c, df, r); is(c, dor, at, j); is(c, df, r, at + 1);
        }
    }
    for (i64 t = 0; t < nt; t++) {
        i64 y = p->t_y.p[t];
        if (y >= lo && y < hi && pymod(y, STRIP) != 0) {
            i64 r = floordiv(y, YQ) - r0; i64 at = ig(c, tf, r); is(c, tor, at, t); is(c, tf, r, at + 1);
        }
    }
#undef FIRST_ROW
    IV ae = iv_new(c, ne, 0), ad = iv_new(c, ndd, 0);  /* the active edges and discs */
    i64 *w = (i64 *)amalloc(c, sizeof(i64) * (size_t)(p->levels.n ? p->levels.n : 1));
    if (c->nomem || !w) return;
    i64 n_ae = 0, n_ad = 0;
    for (i64 r = 0; r < rows && !c->bad && !c->nomem; r++) {
        const i64 row = r0 + r, ylo = row * YQ, yhi = ylo + YQ, m0 = row * STRIPS;
        i64 keep = 0;
        for (i64 a = 0; a < n_ae; a++) { i64 e = ae.p[a]; if (p->e_yb.p[e] > ylo) ae.p[keep++] = e; }
        n_ae = keep;
        for (i64 t = es.p[r]; t < es.p[r + 1]; t++) { if (n_ae >= ne) { c->bad = 1; return; } ae.p[n_ae++] = ig(c, eo, t); }
        keep = 0;
        for (i64 a = 0; a < n_ad; a++) { i64 j = ad.p[a]; if (p->d_cy.p[j] - p->k0 > ylo) ad.p[keep++] = j; }
        n_ad = keep;
        for (i64 t = ds.p[r]; t < ds.p[r + 1]; t++) { if (n_ad >= ndd) { c->bad = 1; return; } ad.p[n_ad++] = ig(c, dor, t); }
        if (n_ae == 0 && n_ad == 0) continue;
        Mark mark = arena_mark(c);
        {  /* active edges in x order at the row's top (nearly so from the row before) */
            double *kx = (double *)amalloc(c, sizeof(double) * (size_t)(n_ae ? n_ae : 1));
            if (!kx) return;
            for (i64 a = 0; a < n_ae; a++) {
                i64 e = ae.p[a], yt = p->e_yt.p[e];
                kx[a] = p->e_xt.p[e] + (double)(imax(yt, ylo) - yt) * p->e_sl.p[e];
            }
            i64 moves = 0, limit = 8 * n_ae + 256;
            for (i64 a = 1; a < n_ae && moves <= limit; a++) {
                double kv = kx[a]; i64 ev = ae.p[a], u = a - 1;
                while (u >= 0 && kx[u] > kv) { kx[u + 1] = kx[u]; ae.p[u + 1] = ae.p[u]; u--; moves++; }
                kx[u + 1] = kv; ae.p[u + 1] = ev;
            }
        }
        /* the row's pieces, strip by strip */
        i64 cnt[STRIPS + 1] = {0}, fill[STRIPS];
        for (i64 a = 0; a < n_ae; a++) {
            i64 e = ae.p[a], yt = p->e_yt.p[e], yb = p->e_yb.p[e];
            i64 ms = imax(floordiv(yt, STRIP), m0), me = imin(floordiv(yb - 1, STRIP), m0 + STRIPS - 1);
            for (i64 m = ms; m <= me; m++) cnt[m - m0 + 1]++;
        }
        for (i64 a = 0; a < n_ad; a++) {
            i64 cy = p->d_cy.p[ad.p[a]];
            i64 ms = imax(floordiv(cy + p->k0, STRIP), m0), me = imin(floordiv(cy - p->k0 - 1, STRIP), m0 + STRIPS - 1);
            for (i64 m = ms; m <= me; m++) cnt[m - m0 + 1] += 2;
        }
        for (int j = 0; j < STRIPS; j++) { cnt[j + 1] += cnt[j]; fill[j] = cnt[j]; }
        const i64 n = cnt[STRIPS];
        Pieces P;
        P.n = n;
        P.p = (Pc *)amalloc(c, sizeof(Pc) * (size_t)(n ? n : 1));
        memset(&P.junk, 0, sizeof(Pc));
        P.eq = iv_new(c, STRIPS * n_ae, INT64_MIN);
        i64 lk_cap = n_ae + (ts.p[r + 1] - ts.p[r]) + 2 * n_ad + 1;
        i64 *lk_s = (i64 *)amalloc(c, sizeof(i64) * (size_t)lk_cap), *idx = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n + 1));
        double *lk0 = (double *)amalloc(c, sizeof(double) * (size_t)lk_cap), *lk1 = (double *)amalloc(c, sizeof(double) * (size_t)lk_cap);
        if (!P.p || !lk_s || !idx || !lk0 || !lk1 || c->nomem) return;
        i64 nlk = 0;
#define LINK(y, xa_, xb_) do { i64 y_ = (y); double a_ = (xa_), b_ = (xb_); \
        if (y_ >= ylo && y_ < yhi && pymod(y_, STRIP) != 0 && a_ != b_) { \
            if (nlk >= lk_cap) { c->bad = 1; return; } \
            lk_s[nlk] = floordiv(y_, STRIP) - m0; lk0[nlk] = a_; lk1[nlk] = b_; nlk++; } } while (0)
        for (i64 a = 0; a < n_ae && !c->bad; a++) {
            i64 e = ae.p[a], yt = p->e_yt.p[e], yb = p->e_yb.p[e];
            double xt = gf(c, p->e_xt, e), sl = gf(c, p->e_sl, e);
            i64 ch = gi(c, p->e_ch, e);
            i64 d = gi(c, p->ch_d, ch), li = level_index(c, p, gi(c, p->ch_level, ch));
            i64 ms = imax(floordiv(yt, STRIP), m0), me = imin(floordiv(yb - 1, STRIP), m0 + STRIPS - 1);
            for (i64 m = ms; m <= me; m++) {
                i64 ya = imax(yt, m * STRIP), y2 = imin(yb, (m + 1) * STRIP);
                put_piece(c, &P, fill[m - m0]++, m, ya, y2, xt + (double)(ya - yt) * sl, xt + (double)(y2 - yt) * sl,
                          d, li, e, a * STRIPS + (m - m0));
            }
            if (e + 1 < n_edges && gi(c, p->e_ch, e + 1) == ch) {  /* the next edge of the chain */
                i64 f = e + 1, ft = gi(c, p->e_yt, f);
                i64 y = yb == ft ? yb : yt;
                LINK(y, xt + (double)(y - yt) * sl, gf(c, p->e_xt, f) + (double)(y - ft) * gf(c, p->e_sl, f));
            }
        }
        for (i64 u = ts.p[r]; u < ts.p[r + 1] && !c->bad; u++) {
            i64 t = ig(c, tor, u), y = gi(c, p->t_y, t);
            i64 ca = gi(c, p->t_a, t), cb = gi(c, p->t_b, t);
            if ((uint64_t)ca >= (uint64_t)p->ch_ymin.n || (uint64_t)cb >= (uint64_t)p->ch_ymin.n) { c->bad = 1; return; }
            i64 ea = lower_bound(p->e_ch.p, p->e_ch.n, ca + 1) - 1, eb = lower_bound(p->e_ch.p, p->e_ch.n, cb);
            if (gi(c, p->e_ch, ea) != ca || gi(c, p->e_ch, eb) != cb) { c->bad = 1; return; }  /* the chains' last and first edges */
            double xa = gf(c, p->e_xt, ea) + (double)(y - gi(c, p->e_yt, ea)) * gf(c, p->e_sl, ea);
            double xb = gf(c, p->e_xt, eb) + (double)(y - gi(c, p->e_yt, eb)) * gf(c, p->e_sl, eb);
            LINK(y, xa, xb);
        }
        for (i64 a = 0; a < n_ad && !c->bad; a++) {
            i64 j = ad.p[a], cy = p->d_cy.p[j], top = cy + p->k0, bot = cy - p->k0;
            double cx = gf(c, p->d_cx, j);
            i64 li = level_index(c, p, gi(c, p->d_lev, j));
            i64 ms = imax(floordiv(top, STRIP), m0), me = imin(floordiv(bot - 1, STRIP), m0 + STRIPS - 1);
            for (i64 m = ms; m <= me; m++) {
                i64 ya, yb; double lxa, lxb, rxa, rxb;
                disc_piece(c, p, cx, cy, m, &ya, &yb, &lxa, &lxb, &rxa, &rxb);
                put_piece(c, &P, fill[m - m0]++, m, ya, yb, lxa, lxb, 1, li, n_edges + 2 * j, -1);
                put_piece(c, &P, fill[m - m0]++, m, ya, yb, rxa, rxb, -1, li, n_edges + 2 * j + 1, -1);
                if (ya == top) LINK(ya, lxa, rxa);
                if (yb == bot) LINK(yb, lxb, rxb);
            }
        }
#undef LINK
        for (int j = 0; j < STRIPS && !c->bad && !c->nomem; j++)
            if (cnt[j + 1] > cnt[j])
                strip_clusters(c, p, b, r0, &P, cnt[j], cnt[j + 1] - cnt[j], lk_s, lk0, lk1, nlk, j, idx, w);
        /* edges drawn as one run per strip: one row piece where the four strips carry one value
         * (sweep._merge_rows), else strip by strip */
        for (i64 a = 0; a < n_ae && !c->bad && !c->nomem; a++) {
            i64 e = ae.p[a], yt = p->e_yt.p[e], yb = p->e_yb.p[e];
            double xt = p->e_xt.p[e], sl = p->e_sl.p[e];
            i64 q0 = ig(c, P.eq, a * STRIPS);
            if (yt <= ylo && yb >= yhi && q0 != INT64_MIN) {
                int same = 1;
                for (i64 u = 1; u < STRIPS; u++) if (ig(c, P.eq, a * STRIPS + u) != q0) same = 0;
                if (same) {
                    add_piece(c, b, row - r0, ylo, yhi, xt + (double)(ylo - yt) * sl, xt + (double)(yhi - yt) * sl, q0);
                    continue;
                }
            }
            i64 ms = imax(floordiv(yt, STRIP), m0), me = imin(floordiv(yb - 1, STRIP), m0 + STRIPS - 1);
            for (i64 m = ms; m <= me; m++) {
                i64 qm = ig(c, P.eq, a * STRIPS + (m - m0));
                if (qm == INT64_MIN) continue;
                i64 ya = imax(yt, m * STRIP), y2 = imin(yb, (m + 1) * STRIP);
                add_piece(c, b, row - r0, ya, y2, xt + (double)(ya - yt) * sl, xt + (double)(y2 - yt) * sl, qm);
            }
        }
        arena_release(c, mark);
    }
}
