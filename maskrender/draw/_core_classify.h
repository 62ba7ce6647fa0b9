/* Part of _core.c (one translation unit): the classified shapes of a band, as in
 * maskrender/draw/sweep.py (_classified, _links, _clusters, _slabs, _refine, _sweep_slabs).
 *
 * Per strip, pieces whose x ranges overlap or touch (and the horizontal runs between them) form
 * clusters; each cluster is cut into slabs at its pieces' ends and where its pieces cross, and
 * every slab is swept along its middle line from the winding numbers of the clusters left of it. */

#define SNAP 16
#define ROUNDS 8
static inline i64 budget(i64 k) { return 64 * k + 1024; }

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
typedef struct { Pc *p; i64 n; Pc junk; } Pieces;

#define SET(a, v) ((a) = (v))

/* piece i, checked: a bad index reads and writes a scratch piece and stops the drawing */
static inline Pc *pc_at(Ctx *c, Pieces *P, i64 i) {
    if ((uint64_t)i < (uint64_t)P->n) return &P->p[i];
    c->bad = 1;
    return &P->junk;
}

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
        SET(pc_at(c, P, i)->nruns, 1);
        SET(pc_at(c, P, i)->qs, q);
        return;
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
                double xa = pc_at(c, P, i)->xa, xb = pc_at(c, P, i)->xb;
                i64 ya = pc_at(c, P, i)->ya, yb = pc_at(c, P, i)->yb;
                double sl = (xb - xa) / (double)(yb - ya);
                qd[u].a = xa + (((double)y0 + 0.5) - (double)ya) * sl;
                qd[u].b = xa + (((double)y1 - 0.5) - (double)ya) * sl;
                qd[u].s = pc_at(c, P, i)->src;
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
        if (add == 0 || n_rec + add > cap) {
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
            double xa = pc_at(c, P, i)->xa, xb = pc_at(c, P, i)->xb;
            i64 ya = pc_at(c, P, i)->ya, yb = pc_at(c, P, i)->yb;
            double sl = (xb - xa) / (double)(yb - ya);
            double xm = xa + ((double)(y0 + y1) * 0.5 - (double)ya) * sl;
            tr[u].k = xq(rint(xm * XQ)) * 2 + (pc_at(c, P, i)->d > 0 ? 1 : 0);
            tr[u].s = pc_at(c, P, i)->src;
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
        if (pc_at(c, P, i)->nruns == 1 && !pc_at(c, P, i)->snapped) { SET(pc_at(c, P, i)->qs, q); continue; }
        draw_run(c, b, r0, P, i, pc_at(c, P, i)->run_ya, pc_at(c, P, i)->run_yb, q);
    }
}

static void classified(Ctx *c, const Plan *p, Buf *b, i64 lo, i64 hi, i64 r0) {
    const i64 s0 = floordiv(lo, STRIP), s1 = floordiv(hi, STRIP);
    const i64 n_edges = p->e_yt.n, nl = p->levels.n;
    i64 n_ep = 0, n_dp = 0;
    for (i64 e = 0; e < n_edges; e++) {
        i64 yt = p->e_yt.p[e], yb = gi(c, p->e_yb, e);
        if (!(yb > lo && yt < hi)) continue;
        n_ep += imax(imin(floordiv(yb - 1, STRIP), s1 - 1) - imax(floordiv(yt, STRIP), s0) + 1, 0);
    }
    for (i64 j = 0; j < p->d_cy.n; j++) {
        i64 cy = p->d_cy.p[j];
        if (!(cy - p->k0 > lo && cy + p->k0 < hi)) continue;
        n_dp += imax(imin(floordiv(cy - p->k0 - 1, STRIP), s1 - 1) - imax(floordiv(cy + p->k0, STRIP), s0) + 1, 0);
    }
    const i64 n = n_ep + 2 * n_dp;
    if (n == 0 || c->bad) return;
    Pieces P;
    P.n = n;
    P.p = (Pc *)amalloc(c, sizeof(Pc) * (size_t)n);
    if (!P.p) return;
    memset(P.p, 0, sizeof(Pc) * (size_t)n);
    memset(&P.junk, 0, sizeof(Pc));
    /* links: horizontal runs inside strips, at most one per edge, turn and disc end */
    i64 link_cap = n_edges + p->t_y.n + 2 * p->d_cy.n + 1;
    IV lm = iv_new(c, link_cap, 0);
    FV l0 = fv_new(c, link_cap, 0.0), l1 = fv_new(c, link_cap, 0.0);
    if (c->nomem) return;
    i64 nlk = 0;
#define LINK(y, xa_, xb_) do { i64 y_ = (y); double a_ = (xa_), b_ = (xb_); \
        if (y_ >= lo && y_ < hi && pymod(y_, STRIP) != 0 && a_ != b_) { \
            is(c, lm, nlk, floordiv(y_, STRIP)); fs(c, l0, nlk, a_); fs(c, l1, nlk, b_); nlk++; } } while (0)
    i64 k = 0;
    for (i64 e = 0; e < n_edges && !c->bad; e++) {
        i64 yt = p->e_yt.p[e], yb = gi(c, p->e_yb, e);
        if (!(yb > lo && yt < hi)) continue;
        double xt = gf(c, p->e_xt, e), sl = gf(c, p->e_sl, e);
        i64 ch = gi(c, p->e_ch, e);
        i64 d = gi(c, p->ch_d, ch), li = level_index(c, p, gi(c, p->ch_level, ch));
        i64 ms = imax(floordiv(yt, STRIP), s0), me = imin(floordiv(yb - 1, STRIP), s1 - 1);
        for (i64 m = ms; m <= me; m++, k++) {
            i64 ya = imax(yt, m * STRIP), y2 = imin(yb, (m + 1) * STRIP);
            SET(pc_at(c, &P, k)->m, m); SET(pc_at(c, &P, k)->ya, ya); SET(pc_at(c, &P, k)->yb, y2); SET(pc_at(c, &P, k)->d, d); SET(pc_at(c, &P, k)->li, li);
            SET(pc_at(c, &P, k)->src, e);
            SET(pc_at(c, &P, k)->xa, xt + (double)(ya - yt) * sl);
            SET(pc_at(c, &P, k)->xb, xt + (double)(y2 - yt) * sl);
        }
        if (e + 1 < n_edges && gi(c, p->e_ch, e + 1) == ch) {  /* the next edge of the chain */
            i64 f = e + 1, ft = gi(c, p->e_yt, f);
            i64 y = yb == ft ? yb : yt;
            LINK(y, xt + (double)(y - yt) * sl, gf(c, p->e_xt, f) + (double)(y - ft) * gf(c, p->e_sl, f));
        }
    }
    for (i64 t = 0; t < p->t_y.n && !c->bad; t++) {
        i64 y = p->t_y.p[t];
        if (!(y >= lo && y < hi && pymod(y, STRIP) != 0)) continue;
        i64 a = gi(c, p->t_a, t), bb = gi(c, p->t_b, t);
        i64 ea = lower_bound(p->e_ch.p, p->e_ch.n, a + 1) - 1, eb = lower_bound(p->e_ch.p, p->e_ch.n, bb);
        double xa = gf(c, p->e_xt, ea) + (double)(y - gi(c, p->e_yt, ea)) * gf(c, p->e_sl, ea);
        double xb = gf(c, p->e_xt, eb) + (double)(y - gi(c, p->e_yt, eb)) * gf(c, p->e_sl, eb);
        LINK(y, xa, xb);
    }
    for (i64 j = 0; j < p->d_cy.n && !c->bad; j++) {
        i64 cy = p->d_cy.p[j], top = cy + p->k0, bot = cy - p->k0;
        if (!(bot > lo && top < hi)) continue;
        double cx = gf(c, p->d_cx, j);
        i64 li = level_index(c, p, gi(c, p->d_lev, j));
        i64 ms = imax(floordiv(top, STRIP), s0), me = imin(floordiv(bot - 1, STRIP), s1 - 1);
        for (i64 m = ms; m <= me; m++, k++) {
            i64 ya, yb; double lxa, lxb, rxa, rxb;
            disc_piece(c, p, cx, cy, m, &ya, &yb, &lxa, &lxb, &rxa, &rxb);
            for (int side = 0; side < 2; side++) {
                i64 i = k + side * n_dp;
                SET(pc_at(c, &P, i)->m, m); SET(pc_at(c, &P, i)->ya, ya); SET(pc_at(c, &P, i)->yb, yb); SET(pc_at(c, &P, i)->d, side ? -1 : 1);
                SET(pc_at(c, &P, i)->li, li); SET(pc_at(c, &P, i)->src, n_edges + 2 * j + side);
                SET(pc_at(c, &P, i)->xa, side ? rxa : lxa); SET(pc_at(c, &P, i)->xb, side ? rxb : lxb);
            }
            if (ya == top) LINK(ya, lxa, rxa);
            if (yb == bot) LINK(yb, lxb, rxb);
        }
    }
#undef LINK
    if (k != n_ep + n_dp) { c->bad = 1; return; }
    if (c->bad) return;
    /* clusters: pieces and links by the left end of their x range, per strip */
    i64 n_it = n + nlk;
    i64 *lo_k = (i64 *)amalloc(c, sizeof(i64) * (size_t)n_it), *hi_k = (i64 *)amalloc(c, sizeof(i64) * (size_t)n_it);
    if (!lo_k || !hi_k) return;
    for (i64 i = 0; i < n_it; i++) {
        i64 m;
        double a, bx;
        if (i < n) { m = P.p[i].m; a = P.p[i].xa; bx = P.p[i].xb; }
        else { m = ig(c, lm, i - n); a = fg(c, l0, i - n); bx = fg(c, l1, i - n); }
        lo_k[i] = (m - s0) * XSPAN + xq(floor(pmin(a, bx) * XQ));
        hi_k[i] = (m - s0) * XSPAN + xq(ceil(pmax(a, bx) * XQ));
    }
    Pair *o = sorted_pairs(c, lo_k, NULL, n_it);
    i64 *idx = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n + 1));
    i64 *w = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nl ? nl : 1));
    if (!o || !idx || !w) return;
    memset(w, 0, sizeof(i64) * (size_t)(nl ? nl : 1));
    i64 strip = INT64_MIN, reach = 0, kk = 0;
    for (i64 t = 0; t <= n_it && !c->bad && !c->nomem; t++) {
        int fresh = t == n_it || t == 0 || lo_k[o[t].i] > reach;
        if (fresh && kk > 0) {  /* a cluster ends */
            i64 m = pc_at(c, &P, idx[0])->m;
            if (m != strip) { memset(w, 0, sizeof(i64) * (size_t)(nl ? nl : 1)); strip = m; }
            Mark mark = arena_mark(c);
            cluster(c, p, b, r0, &P, idx, kk, w);
            arena_release(c, mark);
            kk = 0;
        }
        if (t == n_it) break;
        i64 i = o[t].i;
        if ((uint64_t)i >= (uint64_t)n_it) { c->bad = 1; return; }
        reach = fresh ? hi_k[i] : imax(reach, hi_k[i]);
        if (i < n) { if (kk > n) { c->bad = 1; return; } idx[kk++] = i; }
    }
    if (c->bad || c->nomem) return;
    /* pieces drawn as one run: an edge crossing a whole row with one value in its four strips is
     * one row piece (sweep._merge_rows); the others as they are */
#define SINGLE(i) (pc_at(c, &P, i)->nruns == 1 && !pc_at(c, &P, i)->snapped)
    k = 0;
    for (i64 e = 0; e < n_edges && !c->bad; e++) {
        i64 yt = p->e_yt.p[e], yb = p->e_yb.p[e];
        if (!(yb > lo && yt < hi)) continue;
        double xt = p->e_xt.p[e], sl = p->e_sl.p[e];
        i64 ms = imax(floordiv(yt, STRIP), s0), me = imin(floordiv(yb - 1, STRIP), s1 - 1);
        i64 off = k - ms;
        i64 m = ms;
        while (m <= me) {
            i64 i = off + m;
            i64 row = floordiv(m, STRIPS);
            if (pymod(m, STRIPS) == 0 && yt <= row * YQ && yb >= (row + 1) * YQ && SINGLE(i)) {
                i64 qm = pc_at(c, &P, i)->qs;
                int same = 1;
                for (i64 u = 1; u < STRIPS; u++) if (!SINGLE(i + u) || pc_at(c, &P, i + u)->qs != qm) same = 0;
                if (same) {
                    i64 ya = row * YQ, y2 = ya + YQ;
                    add_piece(c, b, row - r0, ya, y2, xt + (double)(ya - yt) * sl, xt + (double)(y2 - yt) * sl, qm);
                    m += STRIPS;
                    continue;
                }
            }
            if (SINGLE(i)) add_piece(c, b, row - r0, pc_at(c, &P, i)->ya, pc_at(c, &P, i)->yb, pc_at(c, &P, i)->xa, pc_at(c, &P, i)->xb,
                                     pc_at(c, &P, i)->qs);
            m += 1;
        }
        k += me - ms + 1 > 0 ? me - ms + 1 : 0;
    }
    for (i64 i = n_ep; i < n && !c->bad; i++)
        if (SINGLE(i)) add_piece(c, b, floordiv(pc_at(c, &P, i)->m, STRIPS) - r0, pc_at(c, &P, i)->ya, pc_at(c, &P, i)->yb,
                                 pc_at(c, &P, i)->xa, pc_at(c, &P, i)->xb, pc_at(c, &P, i)->qs);
#undef SINGLE
}
