/* streams._scan: the native single pass of streams.tag.
 *
 * Scanner(keys, values).scan(text) -> (folded, matches, breaks) does in one C loop what
 * streams.tag's pure-Python path does in three: fold the text (ASCII letters lower-cased,
 * digits kept, every other character a space), run an Aho–Corasick automaton over
 * " " + folded + " " and find where sentences start. Its output is the pure path's, item for
 * item (tests/unit/test_scan.py holds them equal); streams.tag falls back to that path
 * when this module was not built. scan_filed(text) also files each match by the kinds of its
 * hits, as streams.tag._scan does in a Python loop that cost as much as the rest of the pass.
 *
 * Why C: the folded alphabet has 37 symbols (space, a-z, 0-9), so the automaton is a full DFA
 * table, one load per character, where pyahocorasick walks a list of children and fail links;
 * and the sentence breaks come out of the same loop instead of a regex pass of their own.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

#define ALPHA 37 /* 0 = space, 1-26 = a-z, 27-36 = 0-9 */

static int8_t SYMBOL[128]; /* ASCII character -> symbol, -1 outside the alphabet */
static char FOLD[128];     /* ASCII character -> its folded form */

static void init_tables(void) {
    for (int c = 0; c < 128; c++) {
        SYMBOL[c] = -1;
        FOLD[c] = ' ';
    }
    SYMBOL[' '] = 0;
    for (int c = 'a'; c <= 'z'; c++) {
        SYMBOL[c] = (int8_t)(1 + c - 'a');
        FOLD[c] = (char)c;
        FOLD[c - 32] = (char)c;
    }
    for (int c = '0'; c <= '9'; c++) {
        SYMBOL[c] = (int8_t)(27 + c - '0');
        FOLD[c] = (char)c;
    }
}

/* A transition's high bit says "some key ends at the state it leads to": most characters then
 * cost one load from the table, none from value/output. */
#define EMITS 0x80000000u

typedef struct {
    PyObject_HEAD
    uint32_t *next;   /* n_nodes * ALPHA transitions, failures resolved (a DFA); after the build, row offsets */
    int32_t *value;   /* node -> index in values of the key ending there, or -1 */
    int32_t *output;  /* node -> the longest proper suffix node where a key ends, or -1 */
    Py_ssize_t n_nodes;
    PyObject *values; /* tuple */
} Scanner;

static void Scanner_dealloc(Scanner *self) {
    PyMem_Free(self->next);
    PyMem_Free(self->value);
    PyMem_Free(self->output);
    Py_XDECREF(self->values);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int grow(Scanner *self, Py_ssize_t *capacity) {
    Py_ssize_t cap = *capacity * 2;
    uint32_t *next = PyMem_Realloc(self->next, (size_t)cap * ALPHA * sizeof(int32_t));
    if (next == NULL) return -1;
    self->next = next;
    int32_t *value = PyMem_Realloc(self->value, (size_t)cap * sizeof(int32_t));
    if (value == NULL) return -1;
    self->value = value;
    memset(self->next + *capacity * ALPHA, 0, (size_t)(cap - *capacity) * ALPHA * sizeof(uint32_t));
    for (Py_ssize_t i = *capacity; i < cap; i++) self->value[i] = -1;
    *capacity = cap;
    return 0;
}

static int Scanner_init(Scanner *self, PyObject *args, PyObject *kwds) {
    PyObject *keys, *values;
    static char *kwlist[] = {"keys", "values", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO", kwlist, &keys, &values)) return -1;
    if (self->next != NULL) {
        PyErr_SetString(PyExc_TypeError, "Scanner is already built");
        return -1;
    }
    PyObject *key_seq = PySequence_Fast(keys, "keys must be a sequence");
    if (key_seq == NULL) return -1;
    PyObject *value_tuple = PySequence_Tuple(values);
    if (value_tuple == NULL) {
        Py_DECREF(key_seq);
        return -1;
    }
    Py_ssize_t n_keys = PySequence_Fast_GET_SIZE(key_seq);
    if (n_keys != PyTuple_GET_SIZE(value_tuple) || n_keys >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "keys and values must have the same length");
        goto fail;
    }
    Py_ssize_t capacity = 1024;
    self->next = PyMem_Calloc((size_t)capacity * ALPHA, sizeof(uint32_t));
    self->value = PyMem_Malloc((size_t)capacity * sizeof(int32_t));
    if (self->next == NULL || self->value == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < capacity; i++) self->value[i] = -1;
    self->n_nodes = 1; /* the root; a 0 transition means "none yet": no edge leads back to the root in a trie */

    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = PySequence_Fast_GET_ITEM(key_seq, k);
        if (PyUnicode_Check(key) && PyUnicode_READY(key) < 0) goto fail;
        if (!PyUnicode_Check(key) || !PyUnicode_IS_ASCII(key) || PyUnicode_GET_LENGTH(key) == 0) {
            PyErr_Format(PyExc_ValueError, "key %R: keys are non-empty folded text (space, a-z, 0-9)", key);
            goto fail;
        }
        const unsigned char *s = PyUnicode_1BYTE_DATA(key);
        Py_ssize_t len = PyUnicode_GET_LENGTH(key);
        int32_t node = 0;
        for (Py_ssize_t i = 0; i < len; i++) {
            int sym = SYMBOL[s[i]];
            if (sym < 0) {
                PyErr_Format(PyExc_ValueError, "key %R: keys are non-empty folded text (space, a-z, 0-9)", key);
                goto fail;
            }
            int32_t child = (int32_t)self->next[(Py_ssize_t)node * ALPHA + sym];
            if (child == 0) {
                if (self->n_nodes == capacity && grow(self, &capacity) < 0) {
                    PyErr_NoMemory();
                    goto fail;
                }
                if (self->n_nodes >= INT32_MAX / ALPHA) { /* row offsets must fit in 31 bits */
                    PyErr_SetString(PyExc_OverflowError, "too many automaton states");
                    goto fail;
                }
                child = (int32_t)self->n_nodes++;
                self->next[(Py_ssize_t)node * ALPHA + sym] = (uint32_t)child;
            }
            node = child;
        }
        if (self->value[node] >= 0) {
            PyErr_Format(PyExc_ValueError, "key %R is given twice", key);
            goto fail;
        }
        self->value[node] = (int32_t)k;
    }

    /* Breadth first: each node's failure (its longest proper suffix that is a trie node) and
     * output link; a missing transition takes the failure's, so the table becomes a DFA. */
    Py_ssize_t n = self->n_nodes;
    int32_t *fail = PyMem_Malloc((size_t)n * sizeof(int32_t));
    int32_t *queue = PyMem_Malloc((size_t)n * sizeof(int32_t));
    self->output = PyMem_Malloc((size_t)n * sizeof(int32_t));
    if (fail == NULL || queue == NULL || self->output == NULL) {
        PyMem_Free(fail);
        PyMem_Free(queue);
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t head = 0, tail = 0;
    fail[0] = 0;
    self->output[0] = -1;
    for (int sym = 0; sym < ALPHA; sym++) {
        int32_t child = (int32_t)self->next[sym];
        if (child) {
            fail[child] = 0;
            self->output[child] = -1;
            queue[tail++] = child;
        }
    }
    while (head < tail) {
        int32_t u = queue[head++];
        uint32_t *row = self->next + (Py_ssize_t)u * ALPHA;
        const uint32_t *fail_row = self->next + (Py_ssize_t)fail[u] * ALPHA;
        for (int sym = 0; sym < ALPHA; sym++) {
            int32_t v = (int32_t)row[sym];
            if (v) {
                int32_t f = (int32_t)fail_row[sym];
                fail[v] = f;
                self->output[v] = self->value[f] >= 0 ? f : self->output[f];
                queue[tail++] = v;
            } else {
                row[sym] = fail_row[sym];
            }
        }
    }
    /* the scan loop follows row offsets (state * ALPHA): no multiplication on its critical path */
    for (Py_ssize_t t = 0; t < n * ALPHA; t++) {
        int32_t v = (int32_t)self->next[t];
        self->next[t] = (uint32_t)v * ALPHA | (self->value[v] >= 0 || self->output[v] >= 0 ? EMITS : 0);
    }
    PyMem_Free(fail);
    PyMem_Free(queue);
    Py_DECREF(key_seq);
    self->values = value_tuple;
    return 0;

fail:
    Py_DECREF(key_seq);
    Py_DECREF(value_tuple);
    return -1;
}

static int is_break_mark(Py_UCS4 c) {
    /* as streams.tag._sentence_starts sees it: non-ASCII became "?", and ! ? ) " ' . all end a sentence */
    return c >= 128 || c == '.' || c == '!' || c == '?' || c == ')' || c == '"' || c == '\'';
}

static int opens_sentence(Py_UCS4 c) {
    /* after a break: a capital, a digit, "(" or what _sentence_starts reads as "." */
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '(' || is_break_mark(c);
}

static int compare_offsets(const void *a, const void *b) {
    Py_ssize_t x = *(const Py_ssize_t *)a, y = *(const Py_ssize_t *)b;
    return (x > y) - (x < y);
}

/* Where the matches go: as (last, value) pairs into `matches` (scan), or filed by kind (scan_filed). */
typedef struct {
    PyObject *matches;
    PyObject *text; /* filed: the original text, for the case checks */
    PyObject *cues, *context_at, *context_rules, *vetoes, *gates, *guards, *masks, *entities, *numbers, *marks;
} Sink;

/* The hit kinds of streams.tag, in its order (KINDS below lets it check). */
enum { CUE, CONTEXT, MASK, VETO, GATE, NEG, NEG_AFTER, HYP, HABIT, UNGUARD, PLACE, ACTOR, WEAPON, TITLE, NUMBER,
       FIGWORD, N_KINDS };
static const char *KIND_NAMES[N_KINDS] = {"CUE", "CONTEXT", "MASK", "VETO", "GATE", "NEG", "NEG_AFTER", "HYP",
                                          "HABIT", "UNGUARD", "PLACE", "ACTOR", "WEAPON", "TITLE", "NUMBER", "FIGWORD"};

/* streams.tag._case_ok: text[start].isupper() when check is True, else text[start:end] == check.
 * Through the sequence protocol, so negative offsets behave as in Python. 1, 0, or -1 on error. */
static int case_ok(PyObject *text, Py_ssize_t start, Py_ssize_t end, PyObject *check) {
    if (check == Py_True) {
        PyObject *ch = PySequence_GetItem(text, start);
        if (ch == NULL) return -1;
        int ok = Py_UNICODE_ISUPPER(PyUnicode_READ_CHAR(ch, 0));
        Py_DECREF(ch);
        return ok;
    }
    PyObject *part = PySequence_GetSlice(text, start, end);
    if (part == NULL) return -1;
    int ok = PyObject_RichCompareBool(part, check, Py_EQ);
    Py_DECREF(part);
    return ok;
}

/* Append a new tuple of `n` items (references stolen; NULL items fail cleanly) to `list`. */
static int append_tuple(PyObject *list, Py_ssize_t n, PyObject *a, PyObject *b, PyObject *c, PyObject *d) {
    PyObject *items[4] = {a, b, c, d};
    PyObject *t = NULL;
    int rc = -1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (items[i] == NULL) goto done;
    t = PyTuple_New(n);
    if (t == NULL) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(t, i, items[i]);
        items[i] = NULL;
    }
    rc = PyList_Append(list, t);
done:
    for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(items[i]);
    Py_XDECREF(t);
    return rc;
}

static PyObject *new_ref(PyObject *o) {
    Py_INCREF(o);
    return o;
}

/* What streams.tag._scan does with one match, in C: file it by the kinds of its hits. */
static int file_match(Sink *sink, Py_ssize_t last, PyObject *value) {
    if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 3) {
        PyErr_SetString(PyExc_TypeError, "scan_filed needs values (length, context, hits)");
        return -1;
    }
    Py_ssize_t length = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, 0));
    if (length == -1 && PyErr_Occurred()) return -1;
    PyObject *context = PyTuple_GET_ITEM(value, 1), *hits = PyTuple_GET_ITEM(value, 2);
    int has_context = PyObject_IsTrue(context);
    if (has_context < 0) return -1;
    if (!PyTuple_Check(hits)) {
        PyErr_SetString(PyExc_TypeError, "a value's hits must be a tuple");
        return -1;
    }
    if (has_context) {
        PyObject *at = PyLong_FromSsize_t(last);
        if (at == NULL) return -1;
        int rc = PyList_Append(sink->context_at, at);
        Py_DECREF(at);
        if (rc < 0 || PyList_Append(sink->context_rules, context) < 0) return -1;
    }
    Py_ssize_t start = last - 1 - length, end = last - 1;
    for (Py_ssize_t h = 0; h < PyTuple_GET_SIZE(hits); h++) {
        PyObject *hit = PyTuple_GET_ITEM(hits, h);
        if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) != 3) {
            PyErr_SetString(PyExc_TypeError, "a hit must be (kind, ref, check)");
            return -1;
        }
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(hit, 0));
        if (kind == -1 && PyErr_Occurred()) return -1;
        PyObject *ref = PyTuple_GET_ITEM(hit, 1), *check = PyTuple_GET_ITEM(hit, 2);
        int rc = 0;
        if (kind >= PLACE && kind <= TITLE) {
            int ok = check == Py_None ? 1 : case_ok(sink->text, start, end, check);
            if (ok < 0) return -1;
            if (ok)
                rc = append_tuple(sink->entities, 4, PyLong_FromSsize_t(start), PyLong_FromSsize_t(-length),
                                  PyLong_FromLong(kind), new_ref(ref));
        } else if (kind == NUMBER) {
            rc = append_tuple(sink->numbers, 3, PyLong_FromSsize_t(last), PyLong_FromSsize_t(length), new_ref(ref),
                              NULL);
        } else if (kind > NUMBER) {
            rc = append_tuple(sink->marks, 2, PyLong_FromSsize_t(last), new_ref(ref), NULL, NULL);
        } else if (kind == CUE) {
            rc = append_tuple(sink->cues, 4, PyLong_FromSsize_t(last), PyLong_FromSsize_t(length), new_ref(ref),
                              new_ref(check));
        } else if (kind == VETO) {
            rc = append_tuple(sink->vetoes, 2, PyLong_FromSsize_t(last), new_ref(ref), NULL, NULL);
        } else if (kind == GATE) {
            int ok = check == Py_None ? 1 : case_ok(sink->text, start, end, check);
            if (ok < 0) return -1;
            if (ok) rc = PySet_Add(sink->gates, ref);
        } else if (kind == MASK) {
            rc = append_tuple(sink->masks, 3, PyLong_FromSsize_t(start), PyLong_FromSsize_t(end), new_ref(ref), NULL);
        } else {
            rc = append_tuple(sink->guards, 3, PyLong_FromSsize_t(start), PyLong_FromSsize_t(end),
                              PyLong_FromLong(kind), NULL);
        }
        if (rc < 0) return -1;
    }
    return 0;
}

static int emit(Sink *sink, Py_ssize_t last, PyObject *value) {
    if (sink->matches == NULL) return file_match(sink, last, value);
    PyObject *matches = sink->matches;
    PyObject *at = PyLong_FromSsize_t(last);
    if (at == NULL) return -1;
    PyObject *pair = PyTuple_New(2);
    if (pair == NULL) {
        Py_DECREF(at);
        return -1;
    }
    Py_INCREF(value);
    PyTuple_SET_ITEM(pair, 0, at);
    PyTuple_SET_ITEM(pair, 1, value);
    int rc = PyList_Append(matches, pair);
    Py_DECREF(pair);
    return rc;
}

/* Emit the keys ending at `node`, at position `pos` of the padded text, longest first
 * (pyahocorasick's order). */
static int emit_all(Scanner *self, int32_t node, Py_ssize_t pos, Sink *matches) {
    if (self->value[node] < 0) node = self->output[node];
    while (node >= 0) {
        if (emit(matches, pos, PyTuple_GET_ITEM(self->values, self->value[node])) < 0) return -1;
        node = self->output[node];
    }
    return 0;
}

#define FEED(sym, pos)                                                              \
    do {                                                                            \
        uint32_t t_ = next[row + (sym)];                                            \
        row = t_ & ~EMITS;                                                          \
        if ((t_ & EMITS) && emit_all(self, (int32_t)(row / ALPHA), (pos), matches) < 0) return -1; \
    } while (0)

/* The loop, compiled once per string kind (1, 2 or 4 bytes a character). Returns the number of
 * sentence starts written to `breaks`, or -1 with an exception set. */
static inline __attribute__((always_inline)) Py_ssize_t
scan_kind(Scanner *self, int kind, const void *data, Py_ssize_t n, Py_UCS1 *out, Sink *matches,
          Py_ssize_t *breaks) {
    const uint32_t *next = self->next;
    Py_ssize_t n_breaks = 0;
    int newline = 0;
    uint32_t row = 0; /* the state's row offset in next */
    breaks[n_breaks++] = 0;
    FEED(0, 0);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        char f = c < 128 ? FOLD[c] : ' ';
        out[i] = (Py_UCS1)f;
        FEED(SYMBOL[(unsigned char)f], i + 1);
        if (f != ' ') continue;  /* letters and digits neither end nor start a break */
        if (c == '\n') {
            /* a line break: the sentence starts after the run of "\n" */
            newline = 1;
            if (i + 1 >= n || PyUnicode_READ(kind, data, i + 1) != '\n') breaks[n_breaks++] = i + 1;
        } else if (is_break_mark(c) && i + 1 < n && PyUnicode_READ(kind, data, i + 1) == ' ') {
            /* ". " then more spaces, then what opens a sentence; the spaces are passed over in
             * the main loop, so only the offset is taken here */
            Py_ssize_t j = i + 1;
            while (j < n && PyUnicode_READ(kind, data, j) == ' ') j++;
            if (j < n && opens_sentence(PyUnicode_READ(kind, data, j))) breaks[n_breaks++] = j;
        }
    }
    FEED(0, n + 1);
    if (newline) qsort(breaks, (size_t)n_breaks, sizeof(Py_ssize_t), compare_offsets);
    return n_breaks;
}

/* The pass over `text` into `sink`: the folded text and the sentence starts as a list, or NULL. */
static PyObject *run(Scanner *self, PyObject *text, Sink *sink, PyObject **break_list) {
    if (self->next == NULL) {
        PyErr_SetString(PyExc_TypeError, "Scanner is not built");
        return NULL;
    }
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "scan() takes a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *folded = PyUnicode_New(n, 127);
    Py_ssize_t *breaks = PyMem_Malloc((size_t)(n + 2) * sizeof(Py_ssize_t)); /* starts are 2 apart: n/2 + 2 would do */
    *break_list = NULL;
    if (folded == NULL || breaks == NULL) {
        if (breaks == NULL) PyErr_NoMemory();
        goto fail;
    }
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(folded);
    Py_ssize_t n_breaks;
    switch (kind) {
    case PyUnicode_1BYTE_KIND: n_breaks = scan_kind(self, PyUnicode_1BYTE_KIND, data, n, out, sink, breaks); break;
    case PyUnicode_2BYTE_KIND: n_breaks = scan_kind(self, PyUnicode_2BYTE_KIND, data, n, out, sink, breaks); break;
    default: n_breaks = scan_kind(self, PyUnicode_4BYTE_KIND, data, n, out, sink, breaks); break;
    }
    if (n_breaks < 0) goto fail;
    *break_list = PyList_New(n_breaks);
    if (*break_list == NULL) goto fail;
    for (Py_ssize_t b = 0; b < n_breaks; b++) {
        PyObject *at = PyLong_FromSsize_t(breaks[b]);
        if (at == NULL) goto fail;
        PyList_SET_ITEM(*break_list, b, at);
    }
    PyMem_Free(breaks);
    return folded;

fail:
    PyMem_Free(breaks);
    Py_XDECREF(folded);
    Py_CLEAR(*break_list);
    return NULL;
}

static PyObject *Scanner_scan(Scanner *self, PyObject *text) {
    Sink sink = {0};
    PyObject *break_list;
    sink.matches = PyList_New(0);
    if (sink.matches == NULL) return NULL;
    PyObject *folded = run(self, text, &sink, &break_list);
    if (folded == NULL) {
        Py_DECREF(sink.matches);
        return NULL;
    }
    PyObject *result = PyTuple_Pack(3, folded, sink.matches, break_list);
    Py_DECREF(folded);
    Py_DECREF(sink.matches);
    Py_DECREF(break_list);
    return result;
}

/* scan_filed(text): scan(text) with the matches filed as streams.tag._scan files them. */
static PyObject *Scanner_scan_filed(Scanner *self, PyObject *text) {
    Sink sink = {0};
    PyObject *result = NULL, *folded = NULL, *break_list = NULL;
    PyObject **lists[] = {&sink.cues, &sink.context_at, &sink.context_rules, &sink.vetoes, &sink.guards, &sink.masks,
                          &sink.entities, &sink.numbers, &sink.marks};
    sink.text = text;
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++)
        if ((*lists[i] = PyList_New(0)) == NULL) goto done;
    if ((sink.gates = PySet_New(NULL)) == NULL) goto done;
    folded = run(self, text, &sink, &break_list);
    if (folded == NULL) goto done;
    /* the order of streams.tag.Scan's fields, after the folded text */
    result = PyTuple_Pack(12, folded, break_list, sink.cues, sink.context_at, sink.context_rules, sink.vetoes,
                          sink.gates, sink.guards, sink.masks, sink.entities, sink.numbers, sink.marks);
done:
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) Py_XDECREF(*lists[i]);
    Py_XDECREF(sink.gates);
    Py_XDECREF(folded);
    Py_XDECREF(break_list);
    return result;
}

static PyObject *Scanner_states(Scanner *self, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromSsize_t(self->n_nodes);
}

static PyMethodDef Scanner_methods[] = {
    {"scan", (PyCFunction)Scanner_scan, METH_O,
     "scan(text) -> (folded, matches, breaks): the folded text, every key occurrence as\n"
     "(offset of its last character in ' ' + folded + ' ', value), and the sentence starts."},
    {"scan_filed", (PyCFunction)Scanner_scan_filed, METH_O,
     "scan_filed(text) -> (folded, breaks, cues, context_at, context_rules, vetoes, gates, guards, masks,\n"
     "entities, numbers, marks): scan(text) with every match filed by the kinds of its hits, as\n"
     "streams.tag._scan files them (the values must be (length, context, hits))."},
    {"states", (PyCFunction)Scanner_states, METH_NOARGS, "Number of automaton states."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "streams._scan.Scanner",
    .tp_doc = "Scanner(keys, values): an Aho-Corasick DFA over folded text (space, a-z, 0-9).",
    .tp_basicsize = sizeof(Scanner),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT, "streams._scan", "The native single pass of streams.tag.", -1, NULL,
};

PyMODINIT_FUNC PyInit__scan(void) {
    init_tables();
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&scan_module);
    if (m == NULL) return NULL;
    PyObject *kinds = PyTuple_New(N_KINDS);
    for (int k = 0; kinds != NULL && k < N_KINDS; k++) {
        PyObject *name = PyUnicode_FromString(KIND_NAMES[k]);
        if (name == NULL) Py_CLEAR(kinds);
        else PyTuple_SET_ITEM(kinds, k, name);
    }
    if (kinds == NULL || PyModule_AddObject(m, "KINDS", kinds) < 0) { /* the hit kinds it files, in order */
        Py_XDECREF(kinds);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
