/* streams._classify: the native scorer of streams.classify's article classifier.
 *
 * Model(tokens, rows, bias).probabilities(folded) -> one probability per class: a logistic
 * regression over the TF-IDF vector of the folded text's words (1 + ln tf, times idf, L2-normed),
 * with words of one character and words outside `tokens` left out. rows[i] is
 * (idf, weight for class 0, weight for class 1, ...) of tokens[i]; bias is one intercept per class.
 * judge(folded, window, min_chars) scores a long text in windows and keeps each class's highest.
 *
 * It computes exactly what streams.classify's pure-Python scorer computes, in the same order, so
 * both give the same floats (tests/unit/test_classify.py). Why C: a 3 KB article has about 500
 * words, and a dict look-up per word in Python costs a third of the whole tagging budget; here
 * most words are one multiply to hash and one integer compare to find.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define MAX_CLASSES 16
#define SMALL_COUNTS 64

static double LOG_TF[SMALL_COUNTS]; /* 1 + ln(tf) for the common small counts: log() is the loop's dearest call */

typedef struct {
    uint64_t head; /* the token's first 8 bytes (see head()) */
    int32_t len;   /* its length; 0 = an empty slot */
    int32_t index; /* its row */
} Slot;

typedef struct {
    PyObject_HEAD
    Py_ssize_t n_tokens, n_classes, n_slots;
    char *chars;          /* every token's bytes, one after another */
    Py_ssize_t *start;    /* token i is chars[start[i] .. start[i + 1]) */
    Slot *slot;           /* open-addressing hash table, all a probe reads in one place */
    double *idf;          /* per token */
    double *weight;       /* per token, n_classes each */
    double *bias;         /* per class */
    uint32_t *count;      /* per token, scratch for one call: zero between calls */
    int32_t *seen;        /* scratch: the tokens counted in this call, in order of first sight */
} Model;

/* A word's first 8 bytes as one integer (zero-padded): most words fit, so most look-ups compare one integer. */
static uint64_t head(const char *s, Py_ssize_t n) {
    uint64_t h = 0;
    if (n >= 8) {
        memcpy(&h, s, 8); /* a constant size: one load */
    } else {
        for (Py_ssize_t i = 0; i < n; i++) h |= (uint64_t)(unsigned char)s[i] << (8 * i);
    }
    return h;
}

static uint64_t hash_word(const char *s, Py_ssize_t n) {
    uint64_t h = (head(s, n) ^ (uint64_t)n) * 0x9E3779B97F4A7C15ULL;
    for (Py_ssize_t i = 8; i < n; i += 8) h = (h ^ head(s + i, n - i)) * 0x9E3779B97F4A7C15ULL;
    return h >> 32; /* the product's high half: every byte of the word reaches it */
}

static int32_t find(Model *self, const char *s, Py_ssize_t n) {
    Py_ssize_t mask = self->n_slots - 1;
    uint64_t first = head(s, n);
    for (Py_ssize_t at = (Py_ssize_t)(hash_word(s, n) & (uint64_t)mask);; at = (at + 1) & mask) {
        const Slot *slot = &self->slot[at];
        if (slot->len == 0) return -1;
        if (slot->head == first && slot->len == n &&
            (n <= 8 || memcmp(self->chars + self->start[slot->index] + 8, s + 8, (size_t)(n - 8)) == 0))
            return slot->index;
    }
}

static void Model_dealloc(Model *self) {
    PyMem_Free(self->chars);
    PyMem_Free(self->start);
    PyMem_Free(self->slot);
    PyMem_Free(self->idf);
    PyMem_Free(self->weight);
    PyMem_Free(self->bias);
    PyMem_Free(self->count);
    PyMem_Free(self->seen);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int read_doubles(PyObject *seq, double *out, Py_ssize_t n, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (fast == NULL) return -1;
    if (PySequence_Fast_GET_SIZE(fast) != n) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd numbers", what, n);
        Py_DECREF(fast);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (out[i] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    return 0;
}

static int Model_init(Model *self, PyObject *args, PyObject *kwds) {
    PyObject *tokens, *rows, *bias;
    static char *kwlist[] = {"tokens", "rows", "bias", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO", kwlist, &tokens, &rows, &bias)) return -1;
    if (self->slot != NULL) {
        PyErr_SetString(PyExc_TypeError, "Model is already built");
        return -1;
    }
    PyObject *token_seq = PySequence_Fast(tokens, "tokens must be a sequence");
    PyObject *row_seq = PySequence_Fast(rows, "rows must be a sequence");
    PyObject *bias_seq = PySequence_Fast(bias, "bias must be a sequence");
    if (token_seq == NULL || row_seq == NULL || bias_seq == NULL) goto fail;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(token_seq), k = PySequence_Fast_GET_SIZE(bias_seq);
    if (PySequence_Fast_GET_SIZE(row_seq) != n || n >= INT32_MAX || k < 1 || k > MAX_CLASSES) {
        PyErr_SetString(PyExc_ValueError, "one row per token, and 1 to 16 classes");
        goto fail;
    }
    self->n_tokens = n;
    self->n_classes = k;
    for (self->n_slots = 8; self->n_slots < 2 * n; self->n_slots *= 2) {}
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(token_seq, i);
        if (!PyUnicode_Check(t) || PyUnicode_READY(t) < 0 || !PyUnicode_IS_ASCII(t) || PyUnicode_GET_LENGTH(t) < 2) {
            if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "token %R: tokens are folded words of 2+ characters", t);
            goto fail;
        }
        total += PyUnicode_GET_LENGTH(t);
    }
    self->chars = PyMem_Malloc((size_t)total + 1);
    self->start = PyMem_Malloc((size_t)(n + 1) * sizeof(Py_ssize_t));
    self->slot = PyMem_Calloc((size_t)self->n_slots, sizeof(Slot));
    self->idf = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(double));
    self->weight = PyMem_Malloc((size_t)(n ? n : 1) * (size_t)k * sizeof(double));
    self->bias = PyMem_Malloc((size_t)k * sizeof(double));
    self->count = PyMem_Calloc((size_t)(n ? n : 1), sizeof(uint32_t));
    self->seen = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(int32_t));
    if (!self->chars || !self->start || !self->slot || !self->idf || !self->weight || !self->bias || !self->count ||
        !self->seen) {
        PyErr_NoMemory();
        goto fail;
    }
    if (read_doubles(bias_seq, self->bias, k, "bias") < 0) goto fail;
    double *row = PyMem_Malloc((size_t)(k + 1) * sizeof(double));
    if (row == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(token_seq, i);
        Py_ssize_t len = PyUnicode_GET_LENGTH(t);
        self->start[i] = at;
        memcpy(self->chars + at, PyUnicode_1BYTE_DATA(t), (size_t)len);
        if (find(self, self->chars + at, len) >= 0) {
            PyErr_Format(PyExc_ValueError, "token %R comes twice", t);
            PyMem_Free(row);
            goto fail;
        }
        self->start[i + 1] = at + len; /* find() above read start[i + 1] only for tokens already placed */
        at += len;
        if (read_doubles(PySequence_Fast_GET_ITEM(row_seq, i), row, k + 1, "row (idf, weight per class)") < 0) {
            PyMem_Free(row);
            goto fail;
        }
        self->idf[i] = row[0];
        memcpy(self->weight + i * k, row + 1, (size_t)k * sizeof(double));
        Py_ssize_t mask = self->n_slots - 1;
        Py_ssize_t s = (Py_ssize_t)(hash_word(self->chars + self->start[i], len) & (uint64_t)mask);
        while (self->slot[s].len != 0) s = (s + 1) & mask;
        self->slot[s] = (Slot){head(self->chars + self->start[i], len), (int32_t)len, (int32_t)i};
    }
    self->start[n] = at;
    PyMem_Free(row);
    Py_DECREF(token_seq);
    Py_DECREF(row_seq);
    Py_DECREF(bias_seq);
    return 0;
fail:
    Py_XDECREF(token_seq);
    Py_XDECREF(row_seq);
    Py_XDECREF(bias_seq);
    return -1;
}

/* The probabilities of the words in s[from, to) (cut at spaces), into p[0 .. n_classes). */
static void score(Model *self, const char *s, Py_ssize_t from, Py_ssize_t to, double *p) {
    Py_ssize_t n_seen = 0, k = self->n_classes;
    for (Py_ssize_t i = from; i < to;) {
        while (i < to && s[i] == ' ') i++;
        Py_ssize_t j = i;
        while (j < to && s[j] != ' ') j++;
        if (j - i > 1) {
            int32_t t = find(self, s + i, j - i);
            if (t >= 0 && self->count[t]++ == 0) self->seen[n_seen++] = t;
        }
        i = j;
    }
    double norm = 0.0;
    for (Py_ssize_t c = 0; c < k; c++) p[c] = 0.0;
    for (Py_ssize_t a = 0; a < n_seen; a++) {
        int32_t t = self->seen[a];
        uint32_t tf = self->count[t];
        double x = (tf < SMALL_COUNTS ? LOG_TF[tf] : 1.0 + log((double)tf)) * self->idf[t];
        self->count[t] = 0;
        norm += x * x;
        for (Py_ssize_t c = 0; c < k; c++) p[c] += x * self->weight[t * k + c];
    }
    double scale = norm > 0.0 ? sqrt(norm) : 1.0;
    for (Py_ssize_t c = 0; c < k; c++) p[c] = 1.0 / (1.0 + exp(-(p[c] / scale + self->bias[c])));
}

static PyObject *as_tuple(const double *p, Py_ssize_t k) {
    PyObject *out = PyTuple_New(k);
    for (Py_ssize_t c = 0; out != NULL && c < k; c++) {
        PyObject *x = PyFloat_FromDouble(p[c]);
        if (x == NULL) Py_CLEAR(out);
        else PyTuple_SET_ITEM(out, c, x);
    }
    return out;
}

static const char *folded_text(PyObject *folded, Py_ssize_t *len) {
    if (!PyUnicode_Check(folded) || PyUnicode_READY(folded) < 0 || !PyUnicode_IS_ASCII(folded)) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "the classifier takes folded text (an ASCII str)");
        return NULL;
    }
    *len = PyUnicode_GET_LENGTH(folded);
    return (const char *)PyUnicode_1BYTE_DATA(folded);
}

static PyObject *Model_probabilities(Model *self, PyObject *folded) {
    Py_ssize_t len;
    const char *s = folded_text(folded, &len);
    if (s == NULL) return NULL;
    double p[MAX_CLASSES];
    score(self, s, 0, len, p);
    return as_tuple(p, self->n_classes);
}

static PyObject *Model_judge(Model *self, PyObject *args) {
    PyObject *folded;
    Py_ssize_t window, min_chars, len;
    if (!PyArg_ParseTuple(args, "Onn", &folded, &window, &min_chars)) return NULL;
    const char *s = folded_text(folded, &len);
    if (s == NULL) return NULL;
    if (window < 1) {
        PyErr_SetString(PyExc_ValueError, "window must be positive");
        return NULL;
    }
    Py_ssize_t first = 0, last = len;
    while (first < len && s[first] == ' ') first++;
    while (last > first && s[last - 1] == ' ') last--;
    if (last - first < min_chars) Py_RETURN_NONE;
    Py_ssize_t k = self->n_classes, windows = len <= window + window / 2 ? 1 : (len + window / 2) / window;
    double best[MAX_CLASSES], p[MAX_CLASSES];
    Py_ssize_t from = 0;
    for (Py_ssize_t w = 1; w <= windows; w++) {
        Py_ssize_t to = w == windows ? len : w * len / windows;
        while (to < len && s[to] != ' ') to++; /* never cut a word */
        score(self, s, from, to, w == 1 ? best : p);
        for (Py_ssize_t c = 0; w > 1 && c < k; c++)
            if (p[c] > best[c]) best[c] = p[c];
        from = to;
    }
    return as_tuple(best, k);
}

static PyMethodDef Model_methods[] = {
    {"probabilities", (PyCFunction)Model_probabilities, METH_O,
     "probabilities(folded) -> one probability per class for the folded text's words."},
    {"judge", (PyCFunction)Model_judge, METH_VARARGS,
     "judge(folded, window, min_chars) -> each class's highest probability over windows of about `window`\n"
     "characters (cut at spaces), or None when the text holds fewer than min_chars characters."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "streams._classify.Model",
    .tp_doc = "Model(tokens, rows, bias): logistic regression over TF-IDF word features of folded text.",
    .tp_basicsize = sizeof(Model),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Model_init,
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_methods = Model_methods,
};

static struct PyModuleDef classify_module = {
    PyModuleDef_HEAD_INIT, "streams._classify", "The native scorer of streams.classify.", -1, NULL,
};

PyMODINIT_FUNC PyInit__classify(void) {
    for (int tf = 1; tf < SMALL_COUNTS; tf++) LOG_TF[tf] = 1.0 + log((double)tf);
    if (PyType_Ready(&ModelType) < 0) return NULL;
    PyObject *m = PyModule_Create(&classify_module);
    if (m == NULL) return NULL;
    Py_INCREF(&ModelType);
    if (PyModule_AddObject(m, "Model", (PyObject *)&ModelType) < 0) {
        Py_DECREF(&ModelType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
