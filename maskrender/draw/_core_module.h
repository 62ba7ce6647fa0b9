/* Part of _core.c (one translation unit): band loop, finishing, blend, and the Python module. */

/* Prefix-sum each row over the columns it touched, convert, clear the buffer for the next band.
 * A 32-column tile no contribution touched holds the value carried in from its left: filled
 * with it (inside a shape) or skipped (outside every shape) without summing. */
static inline void put(int mode, unsigned char *out8, float *outf, i64 at, i64 a, i64 k) {
    const i64 half_unit = (i64)1 << (ALPHA_SHIFT - 1);
    if (mode == 0) out8[at] = (unsigned char)((a * k + half_unit) >> ALPHA_SHIFT);
    else outf[at] = (float)((double)a / (255.0 * (double)FULL));
}

static void finish(Ctx *c, Buf *b, i64 r0, i64 height, int mode, i64 k, unsigned char *out8, float *outf) {
    const i64 w = b->w, stride = w + 2, cap = 255 * FULL, nt = n_tiles(w);
    for (i64 r = 0; r < b->rows; r++) {
        i64 *row = b->v + r * stride;
        unsigned char *mark = b->mark + r * nt;
        i64 lo = row[w], hi = row[w + 1];
        row[w] = w;
        row[w + 1] = 0;
        if (hi <= lo) continue;
        if (lo < 0 || hi > w) { c->bad = 1; continue; }
        int skip = r0 + r >= height || r0 + r < 0;
        i64 base = (r0 + r) * w;
        i64 acc = 0;
        for (i64 t = lo / TILE; t * TILE < hi; t++) {
            i64 c0 = imax(t * TILE, lo), c1 = imin((t + 1) * TILE, hi);
            if (mark[t]) {
                mark[t] = 0;
                for (i64 col = c0; col < c1; col++) {
                    acc += row[col];
                    row[col] = 0;
                    i64 a = imin(imax(acc, 0), cap);
                    if (a && !skip) put(mode, out8, outf, base + col, a, k);
                }
            } else {
                i64 a = imin(imax(acc, 0), cap);
                if (a && !skip) for (i64 col = c0; col < c1; col++) put(mode, out8, outf, base + col, a, k);
            }
        }
        i64 a = imin(imax(acc, 0), cap);
        if (a && !skip) {  /* a shape whose right side is off the box covers the rest of the row */
            for (i64 col = hi; col < w; col++) put(mode, out8, outf, base + col, a, k);
        }
    }
}

static void draw(Ctx *c, const Plan *p, IA bands, int mode, i64 k, unsigned char *out8, float *outf) {
    const i64 w = p->width;
    i64 rows = 0;
    for (i64 j = 0; j + 1 < bands.n; j += 2) rows = imax(rows, bands.p[j + 1] - bands.p[j]);
    if (rows <= 0 || w <= 0) return;
    if (rows > p->height) { c->bad = 1; return; }
    Buf b = {NULL, rows, w, NULL};
    b.v = (i64 *)calloc((size_t)(rows * (w + 2)), sizeof(i64));
    b.mark = (unsigned char *)calloc((size_t)(rows * n_tiles(w)), 1);
    if (!b.v || !b.mark) { free(b.v); free(b.mark); c->nomem = 1; return; }
    for (i64 r = 0; r < rows; r++) b.v[r * (w + 2) + w] = w;
    for (i64 j = 0; j + 1 < bands.n && !c->bad && !c->nomem; j += 2) {
        i64 r0 = bands.p[j], r1 = bands.p[j + 1];
        if (r0 < 0 || r1 > p->height || r1 - r0 > rows) { c->bad = 1; break; }
        Buf view = {b.v, r1 - r0, w, b.mark};
        arena_reset(c);
        isolated(c, p, &view, r0 * YQ, r1 * YQ, r0);
        classified(c, p, &view, r0 * YQ, r1 * YQ, r0);
        finish(c, &view, r0, p->height, mode, k, out8, outf);
    }
    free(b.v);
    free(b.mark);
}

/* ------------------------------------------------------------------------------------------ */
/* Python glue                                                                                 */
/* ------------------------------------------------------------------------------------------ */

#define N_ARRAYS 30
static const char KINDS[N_ARRAYS + 1] = "IIIIFFIFIIFFIIIIIIFFIIIIFBFIII";
/* levels, bands, iso_yt, iso_yb, iso_xt, iso_slope, iso_q, iso_cx, iso_cy, iso_level, half, above,
 * ch_ymin, ch_ymax, ch_d, ch_level, e_yt, e_yb, e_xt, e_sl, e_ch, t_a, t_b, t_y, t_x, t_top, d_cx,
 * d_cy, d_lev, disc_keys */

static int get_array(PyObject *obj, Py_buffer *view, char kind, int i) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return -1;
    char f = view->format ? view->format[strlen(view->format) ? strlen(view->format) - 1 : 0] : 'B';
    int ok = kind == 'I' ? (view->itemsize == 8 && (f == 'q' || f == 'l'))
           : kind == 'F' ? (view->itemsize == 8 && f == 'd')
           : (view->itemsize == 1 && (f == '?' || f == 'B' || f == 'b'));
    if (!ok) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "plan array %d: expected %s, got format '%s' of %zd bytes", i,
                     kind == 'I' ? "int64" : kind == 'F' ? "float64" : "bool", view->format ? view->format : "B",
                     view->itemsize);
        return -1;
    }
    return 0;
}

static PyObject *core_render(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *out_obj, *arrays;
    int mode;
    long long k, width, height, k0;
    if (!PyArg_ParseTuple(args, "OiLLLLO!", &out_obj, &mode, &k, &width, &height, &k0, &PyTuple_Type, &arrays))
        return NULL;
    if (PyTuple_GET_SIZE(arrays) != N_ARRAYS) {
        PyErr_Format(PyExc_ValueError, "expected %d plan arrays", N_ARRAYS);
        return NULL;
    }
    if (mode != 0 && mode != 1) { PyErr_SetString(PyExc_ValueError, "mode is 0 (alpha) or 1 (coverage)"); return NULL; }
    if (k < 0 || k > ((long long)1 << 24)) { PyErr_SetString(PyExc_ValueError, "alpha factor out of range"); return NULL; }
    if (width < 0 || height < 0 || k0 > 0) { PyErr_SetString(PyExc_ValueError, "bad plan size"); return NULL; }
    Py_buffer out;
    if (PyObject_GetBuffer(out_obj, &out, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) return NULL;
    if (out.len != (Py_ssize_t)(width * height * (mode == 0 ? 1 : 4))) {
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_ValueError, "output buffer does not match the plan's size");
        return NULL;
    }
    Py_buffer v[N_ARRAYS];
    int got = 0;
    for (; got < N_ARRAYS; got++)
        if (get_array(PyTuple_GET_ITEM(arrays, got), &v[got], KINDS[got], got) < 0) break;
    PyObject *result = NULL;
    /* arrays that describe the same items must have the same length */
    static const int groups[][6] = {{2, 3, 4, 5, 6, -1}, {7, 8, 9, -1}, {10, 11, 29, -1}, {12, 13, 14, 15, -1},
                                    {16, 17, 18, 19, 20, -1}, {21, 22, 23, 24, 25, -1}, {26, 27, 28, -1}};
    for (size_t g = 0; got == N_ARRAYS && g < sizeof(groups) / sizeof(groups[0]); g++) {
        const int *m = groups[g];
        for (int j = 1; m[j] >= 0; j++) {
            if (v[m[j]].len / v[m[j]].itemsize != v[m[0]].len / v[m[0]].itemsize) {
                PyErr_Format(PyExc_ValueError, "plan arrays %d and %d are of unequal lengths", m[0], m[j]);
                got = -got - 1;  /* release what was taken, draw nothing */
                break;
            }
        }
    }
    if (got < 0) got = -got - 1;
    else if (got == N_ARRAYS) {
#define IAR(j) ((IA){(const i64 *)v[j].buf, (i64)(v[j].len / 8)})
#define FAR(j) ((FA){(const double *)v[j].buf, (i64)(v[j].len / 8)})
        Plan p = {
            width, height, k0, IAR(0),
            IAR(2), IAR(3), FAR(4), FAR(5), IAR(6), FAR(7), IAR(8), IAR(9), FAR(10), FAR(11),
            IAR(12), IAR(13), IAR(14), IAR(15), IAR(16), IAR(17), FAR(18), FAR(19), IAR(20),
            IAR(21), IAR(22), IAR(23), FAR(24), {(const unsigned char *)v[25].buf, (i64)v[25].len},
            FAR(26), IAR(27), IAR(28), IAR(29),
        };
        IA bands = IAR(1);
        Ctx c = {0, 0, NULL, 0, 0};
        Py_BEGIN_ALLOW_THREADS
        draw(&c, &p, bands, mode, (i64)k, mode == 0 ? (unsigned char *)out.buf : NULL,
             mode == 1 ? (float *)out.buf : NULL);
        arena_free(&c);
        Py_END_ALLOW_THREADS
        if (c.nomem) PyErr_NoMemory();
        else if (c.bad) PyErr_SetString(PyExc_RuntimeError, "rasteriser core: an index out of range was refused");
        else result = Py_NewRef(Py_None);
    }
    for (int j = 0; j < got; j++) PyBuffer_Release(&v[j]);
    PyBuffer_Release(&out);
    return result;
}

/* Pillow's paste(colour, box, mask) on RGB(X) pixels: ((t >> 8) + t) >> 8 with t = p (255 - a) + c a + 128 */
static inline unsigned char mix(unsigned char px, int col, int a) {
    int t = (int)px * (255 - a) + col * a + 128;
    return (unsigned char)(((t >> 8) + t) >> 8);
}

/* blend(pixels, width, height, channels, origin_x, origin_y, layers) -> touched pixels.
 * ``pixels`` (writable, rows of ``width * channels`` bytes) hold the image region whose top
 * left is (origin_x, origin_y); each layer is (x0, y0, alpha, alpha_width, r, g, b), alpha
 * being rows of alpha_width bytes placed at (x0, y0) of the image.  Each row of each layer is
 * blended over its inked span only (from its first to its last non-zero alpha). */
static PyObject *core_blend(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *pix_obj, *layers;
    long long pw, ph, ch, ox, oy;
    if (!PyArg_ParseTuple(args, "OLLLLLO", &pix_obj, &pw, &ph, &ch, &ox, &oy, &layers)) return NULL;
    if (pw < 0 || ph < 0 || (ch != 3 && ch != 4)) { PyErr_SetString(PyExc_ValueError, "bad pixel region"); return NULL; }
    PyObject *seq = PySequence_Fast(layers, "layers must be a sequence");
    if (!seq) return NULL;
    Py_buffer pix;
    if (PyObject_GetBuffer(pix_obj, &pix, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE) < 0) { Py_DECREF(seq); return NULL; }
    if (pix.len != (Py_ssize_t)(pw * ph * ch)) {
        PyBuffer_Release(&pix); Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "pixel buffer does not match its size");
        return NULL;
    }
    long long touched = 0;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t li = 0; li < n; li++) {
        PyObject *alpha_obj;
        long long x0, y0, aw, r, g, bl;
        if (!PyArg_ParseTuple(PySequence_Fast_GET_ITEM(seq, li), "LLOLLLL", &x0, &y0, &alpha_obj, &aw, &r, &g, &bl)) {
            PyBuffer_Release(&pix); Py_DECREF(seq);
            return NULL;
        }
        Py_buffer al;
        if (PyObject_GetBuffer(alpha_obj, &al, PyBUF_C_CONTIGUOUS) < 0) { PyBuffer_Release(&pix); Py_DECREF(seq); return NULL; }
        if (aw <= 0 || al.len % aw != 0 || r < 0 || r > 255 || g < 0 || g > 255 || bl < 0 || bl > 255) {
            PyBuffer_Release(&al);
            if (aw == 0 || al.len == 0) continue;
            PyBuffer_Release(&pix); Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "bad layer");
            return NULL;
        }
        long long ah = al.len / aw;
        const unsigned char *a = (const unsigned char *)al.buf;
        unsigned char *px = (unsigned char *)pix.buf;
        Py_BEGIN_ALLOW_THREADS
        /* the layer's rows and columns inside the region */
        long long ya = y0 > oy ? y0 : oy, yb = y0 + ah < oy + ph ? y0 + ah : oy + ph;
        long long xa = x0 > ox ? x0 : ox, xb = x0 + aw < ox + pw ? x0 + aw : ox + pw;
        for (long long y = ya; y < yb; y++) {
            const unsigned char *arow = a + (y - y0) * aw;
            long long s = xa - x0, e = xb - x0;
            while (s < e && arow[s] == 0) s++;
            while (e > s && arow[e - 1] == 0) e--;
            for (long long x = s; x < e; x++) {
                int av = arow[x];
                if (av == 0) continue;
                long long off = ((y - oy) * pw + (x + x0 - ox)) * ch;
                if (off < 0 || off + 2 >= (long long)pix.len) continue;  /* never reached: checked anyway */
                px[off] = mix(px[off], (int)r, av);
                px[off + 1] = mix(px[off + 1], (int)g, av);
                px[off + 2] = mix(px[off + 2], (int)bl, av);
                touched++;
            }
        }
        Py_END_ALLOW_THREADS
        PyBuffer_Release(&al);
    }
    PyBuffer_Release(&pix);
    Py_DECREF(seq);
    return PyLong_FromLongLong(touched);
}

static PyMethodDef methods[] = {
    {"render", core_render, METH_VARARGS,
     "render(out, mode, k, width, height, k0, arrays): draw a plan into out (mode 0: uint8 alpha, 1: float32 coverage)."},
    {"blend", core_blend, METH_VARARGS,
     "blend(pixels, width, height, channels, origin_x, origin_y, layers) -> pixels touched (Pillow's paste arithmetic)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", "maskrender's compiled rasteriser core.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }
