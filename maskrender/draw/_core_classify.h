/* Part of _core.c (one translation unit): the classified shapes of a band, as in
 * maskrender/draw/sweep.py (_classified, _sweep, _level_at, _extensions). */

/* Sweep crossings (keys already made) in (key, index) order: the covered level after each one
 * and the change it makes, in input order; and the sorted keys with the level after each. */
static void sweep_keys(Ctx *c, const Plan *p, const i64 *key, const i64 *li, const i64 *d, i64 n,
                       i64 *after, i64 *v, i64 *keys_s, i64 *after_s) {
    Pair *o = sorted_pairs(c, key, NULL, n);
    if (!o) return;
    i64 nl = p->levels.n;
    i64 *count = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nl ? nl : 1));
    if (!count) return;
    memset(count, 0, sizeof(i64) * (size_t)(nl ? nl : 1));
    i64 prev = 0;
    for (i64 k = 0; k < n; k++) {
        i64 i = o[k].i;
        i64 l = li[i];
        if ((uint64_t)l >= (uint64_t)nl) { c->bad = 1; break; }
        count[l] += d[i];
        i64 a = 0;
        for (i64 j = nl - 1; j >= 0; j--) if (count[j] != 0) { a = p->levels.p[j]; break; }
        if (keys_s) keys_s[k] = o[k].k;
        if (after_s) after_s[k] = a;
        if (v) v[i] = a - prev;
        if (after) after[i] = a;
        prev = a;
    }
}

static i64 level_at(const i64 *keys, const i64 *after, i64 n, i64 m, double x) {
    i64 key = sort_key(m, x, 1);
    i64 lo = 0, hi = n;  /* searchsorted(keys, key, side="right") */
    while (lo < hi) { i64 mid = (lo + hi) / 2; if (keys[mid] <= key) lo = mid + 1; else hi = mid; }
    i64 pos = lo - 1;
    if (pos < 0 || floordiv(keys[pos], 2 * XSPAN) != m) return 0;
    return after[pos];
}

typedef struct { IV m, y, top, sum; FV x, lo, hi; i64 n; } Events;

typedef struct { i64 a, b, i; } Triple;

static int cmp_triple(const void *x, const void *y) {
    const Triple *s = (const Triple *)x, *t = (const Triple *)y;
    if (s->a != t->a) return s->a < t->a ? -1 : 1;
    if (s->b != t->b) return s->b < t->b ? -1 : 1;
    return s->i < t->i ? -1 : (s->i > t->i);
}

static void extend(Ctx *c, Buf *b, i64 r0, Events *ev) {
    i64 n = ev->n;
    if (n == 0) return;
    IV dr = iv_new(c, n, 0), half = iv_new(c, n, 0), dist = iv_new(c, n, 0), lo_key = iv_new(c, n, 0);
    IV hi_key = iv_new(c, n, 0), cluster = iv_new(c, n, 0), hk = iv_new(c, n, 0);
    Pair *o = NULL;
    int any_dr = 0;
    if (c->nomem) goto done;
    for (i64 i = 0; i < n; i++) {
        i64 m = ig(c, ev->m, i), y = ig(c, ev->y, i), top = ig(c, ev->top, i);
        i64 yc = m * STRIP + HALF;
        int upper = y < yc || (y == yc && !top);
        int toward = upper ? (int)top : !top;
        i64 s = ig(c, ev->sum, i);
        dr.p[i] = toward ? -s : s;
        any_dr = any_dr || dr.p[i] != 0;
        half.p[i] = m * 2 + (upper ? 1 : 0);
        dist.p[i] = y - yc < 0 ? yc - y : y - yc;
        lo_key.p[i] = wrap(half.p[i], XSPAN, to_i64(floor(fg(c, ev->lo, i) * XQ)) + XSPAN / 2);
        hi_key.p[i] = wrap(half.p[i], XSPAN, to_i64(ceil(fg(c, ev->hi, i) * XQ)) + XSPAN / 2);
    }
    if (!any_dr || c->bad) goto done;
    {
        /* order by (half, lo_key, index): the numpy lexsort and the grouped argsort */
        Triple *a = (Triple *)amalloc(c, sizeof(Triple) * (size_t)n);
        if (!a) goto done;
        for (i64 i = 0; i < n; i++) { a[i].a = half.p[i]; a[i].b = lo_key.p[i]; a[i].i = i; }
        qsort(a, (size_t)n, sizeof(Triple), cmp_triple);
        for (i64 t = 0; t < n; t++) is(c, hk, t, a[t].i);
    }
    {
        i64 cl = -1, reach = -1;
        for (i64 t = 0; t < n; t++) {
            i64 i = ig(c, hk, t);
            int fresh = t == 0 || ig(c, lo_key, i) >= reach;
            if (fresh) cl += 1;
            reach = fresh ? ig(c, hi_key, i) : imax(reach, ig(c, hi_key, i));
            is(c, cluster, i, cl);
        }
    }
    {
        i64 ns = 0;
        for (i64 i = 0; i < n; i++) if (dr.p[i] != 0) ns++;
        i64 *key = (i64 *)amalloc(c, sizeof(i64) * (size_t)(ns ? ns : 1));
        i64 *idx = (i64 *)amalloc(c, sizeof(i64) * (size_t)(ns ? ns : 1));
        if (!key || !idx) goto done;
        i64 j = 0;
        for (i64 i = 0; i < n; i++) if (dr.p[i] != 0) { key[j] = cluster.p[i] * (4 * STRIP) + dist.p[i]; idx[j] = i; j++; }
        o = sorted_pairs(c, key, idx, ns);
        if (!o) goto done;
        i64 start = 0;
        while (start < ns && !c->bad) {
            i64 g = cluster.p[o[start].i];
            i64 end = start;
            while (end < ns && cluster.p[o[end].i] == g) end++;
            i64 balance = 0, open_from = start, k = start;
            while (k < end) {
                i64 run_end = k;
                while (run_end < end && dist.p[o[run_end].i] == dist.p[o[k].i]) { balance += dr.p[o[run_end].i]; run_end++; }
                if (balance == 0) {
                    i64 y_close = ig(c, ev->y, o[k].i);
                    for (i64 t = open_from; t < run_end; t++) {
                        i64 i = o[t].i, yi = ig(c, ev->y, i);
                        i64 ya = imin(yi, y_close), yb = imax(yi, y_close);
                        double x = fg(c, ev->x, i);
                        if (yb > ya) add_piece(c, b, floordiv(ig(c, ev->m, i), STRIPS) - r0, ya, yb, x, x, -dr.p[i]);
                    }
                    open_from = run_end;
                }
                k = run_end;
            }
            for (i64 t = open_from; t < end; t++) {
                i64 i = o[t].i, m = ig(c, ev->m, i), yi = ig(c, ev->y, i);
                int upper = pymod(half.p[i], 2) == 1;
                i64 y_close = upper ? m * STRIP : (m + 1) * STRIP;
                i64 ya = imin(yi, y_close), yb = imax(yi, y_close);
                double x = fg(c, ev->x, i);
                if (yb > ya) add_piece(c, b, floordiv(m, STRIPS) - r0, ya, yb, x, x, -dr.p[i]);
            }
            start = end;
        }
    }
done:
    FREE(dr); FREE(half); FREE(dist); FREE(lo_key); FREE(hi_key); FREE(cluster); FREE(hk);
}

/* passages: one per (chain, strip) and two per (disc, strip) in the band */
typedef struct {
    IV m, owner, d, lev, li, cc, ymax;
    FV x, xmin, xmax;
    i64 n;
} Passages;

static inline int before(i64 ka, i64 ia, i64 kb, i64 ib) { return ka < kb || (ka == kb && ia < ib); }

/* Sweep every strip's centre line and set q of its crossings: the same result as sorting all the
 * crossings by (key, index) and sweeping them (sweep.py's _sweep), but each line starts from the
 * previous line's order, so sorting is nearly linear.  An owner's (a chain's, a disc side's)
 * passages on consecutive lines are step indices apart (1 for chains, 2 for discs).  Writes the
 * sorted keys and the covered level after each crossing, line after line, for look-ups. */
static void centre_lines(Ctx *c, const Plan *p, Passages *ps, i64 s0, i64 s1, IV q, i64 *keys_s, i64 *after_s,
                         i64 n_cc) {
    const i64 n = ps->n, ns = s1 - s0, nl = p->levels.n;
    i64 *count = (i64 *)amalloc(c, sizeof(i64) * (size_t)(ns + 1));
    i64 *wind = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nl ? nl : 1));
    i64 *act = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n_cc ? n_cc : 1));
    i64 *act_k = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n_cc ? n_cc : 1));
    i64 *nw = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n_cc ? n_cc : 1));
    i64 *nw_k = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n_cc ? n_cc : 1));
    i64 *starters = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n_cc ? n_cc : 1));
    Pair *st = (Pair *)amalloc(c, sizeof(Pair) * (size_t)(n_cc ? n_cc : 1));
    Pair *tmp = (Pair *)amalloc(c, sizeof(Pair) * (size_t)(n_cc ? n_cc : 1));
    if (!count || !wind || !act || !act_k || !nw || !nw_k || !starters || !st || !tmp) return;
    memset(count, 0, sizeof(i64) * (size_t)(ns + 1));
    memset(wind, 0, sizeof(i64) * (size_t)(nl ? nl : 1));
#define STEP(i) (ps->owner.p[i] < 0 ? 2 : 1)
#define STARTS(i) ((i) - STEP(i) < 0 || ps->owner.p[(i) - STEP(i)] != ps->owner.p[i] || !ps->cc.p[(i) - STEP(i)])
    for (i64 i = 0; i < n; i++) {
        if (!ps->cc.p[i] || !STARTS(i)) continue;
        i64 line = ps->m.p[i] - s0;
        if ((uint64_t)line >= (uint64_t)ns) { c->bad = 1; return; }
        count[line + 1]++;
    }
    for (i64 m = 0; m < ns; m++) count[m + 1] += count[m];
    if (count[ns] > n_cc) { c->bad = 1; return; }
    {
        i64 *fill = nw;  /* borrowed for the fill positions */
        if (ns > n_cc) { fill = (i64 *)amalloc(c, sizeof(i64) * (size_t)ns); if (!fill) return; }
        for (i64 m = 0; m < ns; m++) fill[m] = count[m];
        for (i64 i = 0; i < n; i++)
            if (ps->cc.p[i] && STARTS(i)) starters[fill[ps->m.p[i] - s0]++] = i;
    }
    i64 n_act = 0, out = 0, prev_after = 0;
    for (i64 line = 0; line < ns && !c->bad; line++) {
        /* continue the previous line's crossings, in its order, then put them in order again */
        i64 n_new = 0;
        for (i64 t = 0; t < n_act; t++) {
            i64 i = act[t], j = i + STEP(i);
            if (j < n && ps->owner.p[j] == ps->owner.p[i] && ps->cc.p[j]) {
                if (ps->m.p[j] - s0 != line || n_new >= n_cc) { c->bad = 1; return; }
                nw[n_new] = j;
                nw_k[n_new] = sort_key(line, ps->x.p[j], ps->d.p[j]);
                n_new++;
            }
        }
        i64 moves = 0, limit = 16 * n_new + 1024;
        for (i64 t = 1; t < n_new && moves <= limit; t++) {  /* nearly sorted: insertion sort */
            i64 kv = nw_k[t], iv = nw[t], u = t - 1;
            while (u >= 0 && before(kv, iv, nw_k[u], nw[u])) { nw_k[u + 1] = nw_k[u]; nw[u + 1] = nw[u]; u--; moves++; }
            nw_k[u + 1] = kv;
            nw[u + 1] = iv;
        }
        if (moves > limit) {  /* the order changed a lot (lines crossing everywhere): sort afresh */
            for (i64 t = 0; t < n_new; t++) { st[t].k = nw_k[t]; st[t].i = nw[t]; }
            sort_pairs(st, tmp, n_new);
            for (i64 t = 0; t < n_new; t++) { nw_k[t] = st[t].k; nw[t] = st[t].i; }
        }
        /* the line's new crossings, sorted, merged in */
        i64 a = count[line], nb = count[line + 1] - a;
        for (i64 t = 0; t < nb; t++) {
            i64 i = starters[a + t];
            st[t].k = sort_key(line, ps->x.p[i], ps->d.p[i]);
            st[t].i = i;
        }
        if (nb > 1) sort_pairs(st, tmp, nb);
        if (n_new + nb > n_cc) { c->bad = 1; return; }
        i64 x1 = 0, x2 = 0;
        n_act = 0;
        while (x1 < n_new || x2 < nb) {
            if (x2 >= nb || (x1 < n_new && before(nw_k[x1], nw[x1], st[x2].k, st[x2].i))) {
                act[n_act] = nw[x1]; act_k[n_act] = nw_k[x1]; x1++;
            } else {
                act[n_act] = st[x2].i; act_k[n_act] = st[x2].k; x2++;
            }
            n_act++;
        }
        /* sweep the line: per level the winding number; the largest level not at zero is covered */
        for (i64 t = 0; t < n_act; t++) {
            i64 i = act[t], l = ps->li.p[i];
            if ((uint64_t)l >= (uint64_t)nl || out >= n_cc) { c->bad = 1; return; }
            wind[l] += ps->d.p[i];
            i64 lv = 0;
            for (i64 j = nl - 1; j >= 0; j--) if (wind[j] != 0) { lv = p->levels.p[j]; break; }
            is(c, q, i, lv - prev_after);
            prev_after = lv;
            keys_s[out] = act_k[t];
            after_s[out] = lv;
            out++;
        }
    }
    if (out != n_cc && !c->bad) c->bad = 1;
#undef STEP
#undef STARTS
}

static void classified(Ctx *c, const Plan *p, Buf *b, i64 lo, i64 hi, i64 r0) {
    const i64 s0 = floordiv(lo, STRIP), s1 = floordiv(hi, STRIP);
    const i64 nch = p->ch_ymin.n;
    IV local = {0}, ce = {0}, cms = {0}, coff = {0}, de = {0}, dms = {0}, doff = {0}, q = {0};
    Passages ps = {0};
    Events ev = {0};
    i64 *ckey = NULL, *cidx = NULL, *keys_s = NULL, *after_s = NULL;
    i64 nce = 0, nde = 0, n_pass = 0;
    local = iv_new(c, nch, -1);
    if (c->nomem) goto done;
    for (i64 j = 0; j < nch; j++) if (gi(c, p->ch_ymax, j) > lo && p->ch_ymin.p[j] < hi) nce++;
    ce = iv_new(c, nce, 0); cms = iv_new(c, nce, 0); coff = iv_new(c, nce, 0);
    for (i64 j = 0; j < p->d_cy.n; j++) if (p->d_cy.p[j] - p->k0 > lo && p->d_cy.p[j] + p->k0 < hi) nde++;
    de = iv_new(c, nde, 0); dms = iv_new(c, nde, 0); doff = iv_new(c, nde, 0);
    if (c->nomem) goto done;
    {
        i64 j = 0;
        for (i64 ch = 0; ch < nch; ch++) {
            if (!(p->ch_ymax.p[ch] > lo && p->ch_ymin.p[ch] < hi)) continue;
            is(c, ce, j, ch);
            is(c, local, ch, j);
            i64 ms = imax(floordiv(p->ch_ymin.p[ch], STRIP), s0);
            i64 me = imin(floordiv(p->ch_ymax.p[ch] - 1, STRIP), s1 - 1);
            is(c, cms, j, ms);
            is(c, coff, j, n_pass);
            n_pass += imax(me - ms + 1, 0);
            j++;
        }
        j = 0;
        for (i64 i = 0; i < p->d_cy.n; i++) {
            i64 cy = p->d_cy.p[i];
            if (!(cy - p->k0 > lo && cy + p->k0 < hi)) continue;
            i64 ms = imax(floordiv(cy + p->k0, STRIP), s0);
            i64 me = imin(floordiv(cy - p->k0 - 1, STRIP), s1 - 1);
            is(c, de, j, i);
            is(c, dms, j, ms);
            is(c, doff, j, n_pass);
            n_pass += 2 * imax(me - ms + 1, 0);
            j++;
        }
    }
    if (n_pass == 0 || c->bad) goto done;
    ps.n = n_pass;
    ps.m = iv_new(c, n_pass, 0); ps.owner = iv_new(c, n_pass, 0); ps.d = iv_new(c, n_pass, 0);
    ps.lev = iv_new(c, n_pass, 0); ps.li = iv_new(c, n_pass, 0); ps.cc = iv_new(c, n_pass, 0);
    ps.ymax = iv_new(c, n_pass, 0);
    ps.x = fv_new(c, n_pass, 0.0); ps.xmin = fv_new(c, n_pass, INFINITY); ps.xmax = fv_new(c, n_pass, -INFINITY);
    q = iv_new(c, n_pass, 0);
    if (c->nomem) goto done;
    for (i64 j = 0; j < nce; j++) {
        i64 ch = ce.p[j];
        i64 me = imin(floordiv(p->ch_ymax.p[ch] - 1, STRIP), s1 - 1);
        i64 d = gi(c, p->ch_d, ch), lev = gi(c, p->ch_level, ch), li = level_index(c, p, lev);
        for (i64 m = cms.p[j]; m <= me; m++) {
            i64 i = coff.p[j] + m - cms.p[j];
            i64 yc = m * STRIP + HALF;
            is(c, ps.m, i, m); is(c, ps.owner, i, j); is(c, ps.d, i, d); is(c, ps.lev, i, lev); is(c, ps.li, i, li);
            is(c, ps.ymax, i, p->ch_ymax.p[ch]);
            is(c, ps.cc, i, p->ch_ymin.p[ch] < yc && yc < p->ch_ymax.p[ch]);
        }
    }
    /* edge pieces: the one holding its strip's centre gives its chain's crossing */
    for (i64 e = 0; e < p->e_yt.n && !c->bad; e++) {
        i64 yt = p->e_yt.p[e], yb = gi(c, p->e_yb, e);
        if (!(yb > lo && yt < hi)) continue;
        i64 lc = gi(c, (IA){local.p, local.n}, gi(c, p->e_ch, e));
        double xt = gf(c, p->e_xt, e), sl = gf(c, p->e_sl, e);
        i64 ms = imax(floordiv(yt, STRIP), s0), me = imin(floordiv(yb - 1, STRIP), s1 - 1);
        i64 off = ig(c, coff, lc) - ig(c, cms, lc);
        for (i64 m = ms; m <= me; m++) {
            i64 i = off + m;
            i64 yc = m * STRIP + HALF;
            if (yt <= yc && yc < yb) fs(c, ps.x, i, xt + (double)(yc - yt) * sl);
            i64 ya = imax(yt, m * STRIP), y2 = imin(yb, (m + 1) * STRIP);
            double xa = xt + (double)(ya - yt) * sl, xb = xt + (double)(y2 - yt) * sl;
            fs(c, ps.xmin, i, pmin(fg(c, ps.xmin, i), pmin(xa, xb)));
            fs(c, ps.xmax, i, pmax(fg(c, ps.xmax, i), pmax(xa, xb)));
        }
    }
    for (i64 j = 0; j < nde && !c->bad; j++) {
        i64 di = de.p[j];
        i64 cy = p->d_cy.p[di], top = cy + p->k0, bot = cy - p->k0;
        double cx = gf(c, p->d_cx, di);
        i64 lev = gi(c, p->d_lev, di), li = level_index(c, p, lev);
        i64 me = imin(floordiv(bot - 1, STRIP), s1 - 1);
        for (i64 m = dms.p[j]; m <= me; m++) {
            i64 base = doff.p[j] + 2 * (m - dms.p[j]);
            i64 yc = m * STRIP + HALF;
            int cc = top < yc && yc < bot;
            double half_c = gf(c, p->half, disc_slot(c, p, imin(imax(yc - top, 0), -2 * p->k0)));
            i64 ya, yb; double lxa, lxb, rxa, rxb;
            disc_piece(c, p, cx, cy, m, &ya, &yb, &lxa, &lxb, &rxa, &rxb);
            for (int side = 0; side < 2; side++) {
                i64 sign = side == 0 ? 1 : -1, i = base + side;
                is(c, ps.m, i, m); is(c, ps.owner, i, -(2 * j + side) - 1); is(c, ps.d, i, sign);
                is(c, ps.lev, i, lev); is(c, ps.li, i, li); is(c, ps.cc, i, cc); is(c, ps.ymax, i, bot);
                fs(c, ps.x, i, cx - (double)sign * half_c);
                double xa = side == 0 ? lxa : rxa, xb = side == 0 ? lxb : rxb;
                fs(c, ps.xmin, i, pmin(fg(c, ps.xmin, i), pmin(xa, xb)));
                fs(c, ps.xmax, i, pmax(fg(c, ps.xmax, i), pmax(xa, xb)));
            }
        }
    }
    if (c->bad) goto done;
    /* classification: the crossings of every centre line, swept */
    {
        i64 n_cc = 0, n_caps = 0;
        for (i64 i = 0; i < n_pass; i++) { if (ps.cc.p[i]) n_cc++; else n_caps++; }
        i64 nn = n_cc > n_caps ? n_cc : n_caps;
        ckey = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nn ? nn : 1));
        cidx = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nn ? nn : 1));
        keys_s = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n_cc ? n_cc : 1));
        after_s = (i64 *)amalloc(c, sizeof(i64) * (size_t)(n_cc ? n_cc : 1));
        if (!ckey || !cidx || !keys_s || !after_s) goto done;
        /* sweep over all passages' arrays, keyed; non-crossings take no part */
        i64 *lic = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nn ? nn : 1));
        i64 *dc = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nn ? nn : 1));
        i64 *vc = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nn ? nn : 1));
        i64 *ac = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nn ? nn : 1));
        double *xc = (double *)amalloc(c, sizeof(double) * (size_t)(nn ? nn : 1));
        i64 *under = (i64 *)amalloc(c, sizeof(i64) * (size_t)(nn ? nn : 1));
        if (!lic || !dc || !vc || !ac || !xc || !under) {
            goto done;
        }
        i64 k = 0;
        centre_lines(c, p, &ps, s0, s1, q, keys_s, after_s, n_cc);
        if (n_caps && !c->bad) {
            /* caps (passages missing the centre line) are swept among themselves, per half strip,
             * over the level the centre line has where each one is */
            k = 0;
            for (i64 i = 0; i < n_pass; i++) {
                if (ps.cc.p[i]) continue;
                i64 m = ps.m.p[i];
                xc[k] = (ps.xmin.p[i] + ps.xmax.p[i]) * 0.5;
                under[k] = level_at(keys_s, after_s, n_cc, m - s0, xc[k]);
                i64 grp = (m - s0) * 2 + (ps.ymax.p[i] <= m * STRIP + HALF ? 1 : 0);
                ckey[k] = sort_key(grp, xc[k], ps.d.p[i]);
                cidx[k] = i; lic[k] = ps.li.p[i]; dc[k] = ps.d.p[i];
                k++;
            }
            sweep_keys(c, p, ckey, lic, dc, n_caps, ac, vc, NULL, NULL);
            for (k = 0; k < n_caps; k++)
                is(c, q, cidx[k], imax(under[k], ac[k]) - imax(under[k], ac[k] - vc[k]));
        }
    }
    if (c->bad || c->nomem) goto done;
    /* turns inside the band's strips: chains', then disc tops and bottoms */
    {
        i64 n_ev = 0;
        for (i64 t = 0; t < p->t_y.n; t++) {
            i64 y = p->t_y.p[t];
            if (y >= lo && y < hi && pymod(y, STRIP) != 0) n_ev++;
        }
        for (i64 j = 0; j < nde; j++) {
            i64 cy = p->d_cy.p[de.p[j]];
            for (int s = 0; s < 2; s++) {
                i64 yy = s == 0 ? cy + p->k0 : cy - p->k0;
                if (yy >= lo && yy < hi && pymod(yy, STRIP) != 0) n_ev++;
            }
        }
        ev.n = n_ev;
        ev.m = iv_new(c, n_ev, 0); ev.y = iv_new(c, n_ev, 0); ev.top = iv_new(c, n_ev, 0);
        ev.sum = iv_new(c, n_ev, 0); ev.x = fv_new(c, n_ev, 0); ev.lo = fv_new(c, n_ev, 0); ev.hi = fv_new(c, n_ev, 0);
        if (c->nomem) goto done;
        i64 k = 0;
        for (i64 t = 0; t < p->t_y.n; t++) {
            i64 y = p->t_y.p[t];
            if (!(y >= lo && y < hi && pymod(y, STRIP) != 0)) continue;
            i64 tm = floordiv(y, STRIP);
            i64 la = ig(c, local, gi(c, p->t_a, t)), lb = ig(c, local, gi(c, p->t_b, t));
            i64 ia = ig(c, coff, la) + tm - ig(c, cms, la), ib = ig(c, coff, lb) + tm - ig(c, cms, lb);
            is(c, ev.m, k, tm); is(c, ev.y, k, y); fs(c, ev.x, k, gf(c, p->t_x, t));
            is(c, ev.top, k, (uint64_t)t < (uint64_t)p->t_top.n ? p->t_top.p[t] != 0 : (c->bad = 1, 0));
            is(c, ev.sum, k, ig(c, q, ia) + ig(c, q, ib));
            fs(c, ev.lo, k, pmin(fg(c, ps.xmin, ia), fg(c, ps.xmin, ib)));
            fs(c, ev.hi, k, pmax(fg(c, ps.xmax, ia), fg(c, ps.xmax, ib)));
            k++;
        }
        for (i64 j = 0; j < nde; j++) {
            i64 di = de.p[j], cy = p->d_cy.p[di];
            for (int s = 0; s < 2; s++) {
                i64 yy = s == 0 ? cy + p->k0 : cy - p->k0;
                if (!(yy >= lo && yy < hi && pymod(yy, STRIP) != 0)) continue;
                i64 mm = floordiv(yy, STRIP);
                i64 base = doff.p[j] + 2 * (mm - dms.p[j]);
                is(c, ev.m, k, mm); is(c, ev.y, k, yy); fs(c, ev.x, k, gf(c, p->d_cx, di)); is(c, ev.top, k, s == 0);
                is(c, ev.sum, k, ig(c, q, base) + ig(c, q, base + 1));
                fs(c, ev.lo, k, pmin(fg(c, ps.xmin, base), fg(c, ps.xmin, base + 1)));
                fs(c, ev.hi, k, pmax(fg(c, ps.xmax, base), fg(c, ps.xmax, base + 1)));
                k++;
            }
        }
        if (!c->bad) extend(c, b, r0, &ev);
    }
    if (c->bad || c->nomem) goto done;
    /* every piece with its passage's value; an edge crossing a whole row with one value in its
     * four strips is one row piece (sweep._merge_rows) */
    for (i64 e = 0; e < p->e_yt.n && !c->bad; e++) {
        i64 yt = p->e_yt.p[e], yb = p->e_yb.p[e];
        if (!(yb > lo && yt < hi)) continue;
        i64 lc = ig(c, local, p->e_ch.p[e]);
        double xt = p->e_xt.p[e], sl = p->e_sl.p[e];
        i64 ms = imax(floordiv(yt, STRIP), s0), me = imin(floordiv(yb - 1, STRIP), s1 - 1);
        i64 off = ig(c, coff, lc) - ig(c, cms, lc);
        i64 m = ms;
        while (m <= me) {
            i64 qm = ig(c, q, off + m);
            i64 row = floordiv(m, STRIPS);
            if (pymod(m, STRIPS) == 0 && yt <= row * YQ && yb >= (row + 1) * YQ) {
                int same = 1;
                for (i64 kk = 1; kk < STRIPS; kk++) if (ig(c, q, off + m + kk) != qm) same = 0;
                if (same) {
                    i64 ya = row * YQ, y2 = ya + YQ;
                    add_piece(c, b, row - r0, ya, y2, xt + (double)(ya - yt) * sl, xt + (double)(y2 - yt) * sl, qm);
                    m += STRIPS;
                    continue;
                }
            }
            i64 ya = imax(yt, m * STRIP), y2 = imin(yb, (m + 1) * STRIP);
            add_piece(c, b, row - r0, ya, y2, xt + (double)(ya - yt) * sl, xt + (double)(y2 - yt) * sl, qm);
            m += 1;
        }
    }
    for (i64 j = 0; j < nde && !c->bad; j++) {
        i64 di = de.p[j], cy = p->d_cy.p[di];
        double cx = p->d_cx.p[di];
        i64 me = imin(floordiv(cy - p->k0 - 1, STRIP), s1 - 1);
        for (i64 m = dms.p[j]; m <= me; m++) {
            i64 base = doff.p[j] + 2 * (m - dms.p[j]);
            i64 ya, yb; double lxa, lxb, rxa, rxb;
            disc_piece(c, p, cx, cy, m, &ya, &yb, &lxa, &lxb, &rxa, &rxb);
            add_piece(c, b, floordiv(m, STRIPS) - r0, ya, yb, lxa, lxb, ig(c, q, base));
            add_piece(c, b, floordiv(m, STRIPS) - r0, ya, yb, rxa, rxb, ig(c, q, base + 1));
        }
    }
done:
    FREE(local); FREE(ce); FREE(cms); FREE(coff); FREE(de); FREE(dms); FREE(doff); FREE(q);
    FREE(ps.m); FREE(ps.owner); FREE(ps.d); FREE(ps.lev); FREE(ps.li); FREE(ps.cc); FREE(ps.ymax);
    FREE(ps.x); FREE(ps.xmin); FREE(ps.xmax);
    FREE(ev.m); FREE(ev.y); FREE(ev.top); FREE(ev.sum); FREE(ev.x); FREE(ev.lo); FREE(ev.hi);
}
