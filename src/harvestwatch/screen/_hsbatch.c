/* Batch scanning with Hyperscan: one call scans many records, matches are collected in C.
 *
 * The Python bindings call back into Python for every match, which costs far more than the
 * scan itself when a corpus is dense with lexicon terms. Here the match handler appends
 * (record, pattern id, end offset) to packed arrays, and Chinese text can be folded
 * (traditional -> simplified, through a table built in Python) in the same pass, so a batch
 * of records costs one call from Python.
 *
 * Records are separated by NUL bytes. End offsets are returned in characters (code points)
 * from the start of each record, as Python counts them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <hs/hs.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FOLD_LO 0x3400
#define FOLD_HI 0xFB00 /* exclusive */

typedef struct {
    PyObject_HEAD
    hs_database_t *db;
} DatabaseObject;

typedef struct {
    int32_t *rec, *id, *end;
    Py_ssize_t n, cap;
    const Py_ssize_t *starts;
    Py_ssize_t n_records;
    int oom;
} Matches;

static int grow(Matches *m) {
    Py_ssize_t cap = m->cap ? m->cap * 2 : 4096;
    int32_t *r = realloc(m->rec, cap * sizeof(int32_t));
    if (!r) return -1;
    m->rec = r;
    int32_t *i = realloc(m->id, cap * sizeof(int32_t));
    if (!i) return -1;
    m->id = i;
    int32_t *e = realloc(m->end, cap * sizeof(int32_t));
    if (!e) return -1;
    m->end = e;
    m->cap = cap;
    return 0;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx) {
    (void)from;
    (void)flags;
    Matches *m = (Matches *)ctx;
    if (m->n == m->cap && grow(m) != 0) {
        m->oom = 1;
        return 1; /* stop scanning */
    }
    /* The record holding the match's last byte: the last start <= to - 1. */
    Py_ssize_t last = (Py_ssize_t)to - 1, lo = 0, hi = m->n_records - 1;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi + 1) / 2;
        if (m->starts[mid] <= last) lo = mid; else hi = mid - 1;
    }
    m->rec[m->n] = (int32_t)lo;
    m->id[m->n] = (int32_t)id;
    m->end[m->n] = (int32_t)((Py_ssize_t)to - m->starts[lo]);
    m->n++;
    return 0;
}

/* Byte end offsets -> character end offsets. Matches come mostly in increasing order, so
 * counting resumes from the previous match of the same record and restarts otherwise. */
static void to_chars(Matches *m, const unsigned char *data) {
    int32_t rec = -1, byte_pos = 0, chars = 0;
    for (Py_ssize_t i = 0; i < m->n; i++) {
        if (m->rec[i] != rec || m->end[i] < byte_pos) {
            rec = m->rec[i];
            byte_pos = 0;
            chars = 0;
        }
        const unsigned char *base = data + m->starts[rec];
        for (; byte_pos < m->end[i]; byte_pos++) chars += (base[byte_pos] & 0xC0) != 0x80;
        m->end[i] = chars;
    }
}

static void fold_cjk(unsigned char *buf, Py_ssize_t len, const uint16_t *table) {
    for (Py_ssize_t i = 0; i + 2 < len; i++) {
        unsigned char b = buf[i];
        if (b < 0xE3 || b > 0xEF) continue;
        if ((buf[i + 1] & 0xC0) != 0x80 || (buf[i + 2] & 0xC0) != 0x80) continue;
        uint32_t cp = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(buf[i + 1] & 0x3F) << 6) | (buf[i + 2] & 0x3F);
        if (cp < FOLD_LO || cp >= FOLD_HI) continue;
        uint32_t to = table[cp - FOLD_LO];
        if (to != cp && to >= 0x800 && (to < 0xD800 || to > 0xDFFF)) {
            buf[i] = (unsigned char)(0xE0 | (to >> 12));
            buf[i + 1] = (unsigned char)(0x80 | ((to >> 6) & 0x3F));
            buf[i + 2] = (unsigned char)(0x80 | (to & 0x3F));
        }
        i += 2;
    }
}

static void Database_dealloc(DatabaseObject *self) {
    if (self->db) hs_free_database(self->db);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Database_init(DatabaseObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"expressions", "flags", NULL};
    PyObject *exprs, *flags;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO", kwlist, &exprs, &flags)) return -1;
    exprs = PySequence_Fast(exprs, "expressions must be a sequence of bytes");
    if (!exprs) return -1;
    flags = PySequence_Fast(flags, "flags must be a sequence of int");
    if (!flags) { Py_DECREF(exprs); return -1; }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(exprs);
    int rc = -1;
    const char **ex = calloc(n ? n : 1, sizeof(char *));
    unsigned int *fl = calloc(n ? n : 1, sizeof(unsigned int));
    unsigned int *ids = calloc(n ? n : 1, sizeof(unsigned int));
    if (!ex || !fl || !ids) { PyErr_NoMemory(); goto done; }
    if (n == 0 || PySequence_Fast_GET_SIZE(flags) != n) {
        PyErr_SetString(PyExc_ValueError, "need one flag per expression, and at least one expression");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = PySequence_Fast_GET_ITEM(exprs, i);
        if (!PyBytes_Check(e)) { PyErr_SetString(PyExc_TypeError, "expressions must be bytes"); goto done; }
        ex[i] = PyBytes_AS_STRING(e);
        fl[i] = (unsigned int)PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(flags, i));
        if (PyErr_Occurred()) goto done;
        ids[i] = (unsigned int)i;
    }
    hs_compile_error_t *err = NULL;
    if (self->db) { hs_free_database(self->db); self->db = NULL; }
    if (hs_compile_multi(ex, fl, ids, (unsigned int)n, HS_MODE_BLOCK, NULL, &self->db, &err) != HS_SUCCESS) {
        PyErr_Format(PyExc_ValueError, "expression %d does not compile: %s", err ? err->expression : -1,
                     err ? err->message : "unknown error");
        if (err) hs_free_compile_error(err);
        goto done;
    }
    rc = 0;
done:
    free(ex); free(fl); free(ids);
    Py_DECREF(exprs); Py_DECREF(flags);
    return rc;
}

static PyObject *Database_scan(DatabaseObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"data", "fold_table", NULL};
    Py_buffer data, table = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|z*", kwlist, &data, &table)) return NULL;
    PyObject *result = NULL;
    unsigned char *buf = NULL;
    Py_ssize_t *starts = NULL;
    Matches m = {0};
    hs_scratch_t *scratch = NULL;
    if (table.buf && table.len != (FOLD_HI - FOLD_LO) * 2) {
        PyErr_Format(PyExc_ValueError, "fold_table must hold %d uint16 code points", FOLD_HI - FOLD_LO);
        goto done;
    }
    Py_ssize_t len = data.len, n_records = 1;
    if ((unsigned long long)len >= 0xFFFFFFFFULL) {
        PyErr_SetString(PyExc_ValueError, "a batch must be under 4 GiB");
        goto done;
    }
    const unsigned char *src = data.buf;
    for (const unsigned char *p = src; (p = memchr(p, 0, len - (p - src))) != NULL; p++) n_records++;
    starts = malloc(n_records * sizeof(Py_ssize_t));
    buf = malloc(len ? len : 1);
    if (!starts || !buf) { PyErr_NoMemory(); goto done; }
    memcpy(buf, src, len);
    starts[0] = 0;
    Py_ssize_t k = 1;
    for (const unsigned char *p = src; (p = memchr(p, 0, len - (p - src))) != NULL; p++) starts[k++] = (p - src) + 1;
    m.starts = starts;
    m.n_records = n_records;
    if (hs_alloc_scratch(self->db, &scratch) != HS_SUCCESS) { PyErr_NoMemory(); goto done; }
    hs_error_t rc;
    Py_BEGIN_ALLOW_THREADS
    if (table.buf) fold_cjk(buf, len, (const uint16_t *)table.buf);
    rc = hs_scan(self->db, (const char *)buf, (unsigned int)len, 0, scratch, on_match, &m);
    Py_END_ALLOW_THREADS
    if (m.oom) { PyErr_NoMemory(); goto done; }
    if (rc != HS_SUCCESS) { PyErr_Format(PyExc_RuntimeError, "hs_scan failed (%d)", rc); goto done; }
    to_chars(&m, src);
    Py_ssize_t nbytes = m.n * (Py_ssize_t)sizeof(int32_t);
    static const char empty[1] = {0}; /* y# turns a NULL pointer into None */
    result = Py_BuildValue("(ny#y#y#)", n_records, m.rec ? (const char *)m.rec : empty, nbytes,
                           m.id ? (const char *)m.id : empty, nbytes, m.end ? (const char *)m.end : empty, nbytes);
done:
    if (scratch) hs_free_scratch(scratch);
    free(buf); free(starts); free(m.rec); free(m.id); free(m.end);
    PyBuffer_Release(&data);
    if (table.buf) PyBuffer_Release(&table);
    return result;
}

static PyMethodDef Database_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))Database_scan, METH_VARARGS | METH_KEYWORDS,
     "scan(data, fold_table=None) -> (n_records, records, ids, ends)\n\n"
     "Scan NUL-separated records. Returns the record count and three packed int32 arrays:\n"
     "the record of each match, its expression index and its end offset (characters) in the record.\n"
     "fold_table maps code points U+3400..U+FAFF (uint16 each) before matching."},
    {NULL, NULL, 0, NULL}};

static PyTypeObject DatabaseType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "harvestwatch.screen._hsbatch.Database",
    .tp_doc = "Database(expressions, flags): Hyperscan expressions compiled for block-mode scanning.",
    .tp_basicsize = sizeof(DatabaseObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Database_init,
    .tp_dealloc = (destructor)Database_dealloc,
    .tp_methods = Database_methods,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hsbatch", "Batch scanning with Hyperscan.", -1, NULL};

PyMODINIT_FUNC PyInit__hsbatch(void) {
    if (PyType_Ready(&DatabaseType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&DatabaseType);
    if (PyModule_AddObject(m, "Database", (PyObject *)&DatabaseType) < 0) {
        Py_DECREF(&DatabaseType);
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddIntConstant(m, "CASELESS", HS_FLAG_CASELESS);
    PyModule_AddIntConstant(m, "UTF8", HS_FLAG_UTF8);
    PyModule_AddIntConstant(m, "UCP", HS_FLAG_UCP);
    PyModule_AddIntConstant(m, "DOTALL", HS_FLAG_DOTALL);
    PyModule_AddIntConstant(m, "PREFILTER", HS_FLAG_PREFILTER);
    PyModule_AddIntConstant(m, "FOLD_LO", FOLD_LO);
    PyModule_AddIntConstant(m, "FOLD_HI", FOLD_HI);
    return m;
}
