/* Weigh a text by a list of weighted words: the sum of the weights of every occurrence of every
 * word, overlapping occurrences included — what an overlapping Aho-Corasick scan would count —
 * without a Python object per occurrence (a 300-character note holds ~130 n-gram occurrences).
 *
 * The words are kept in a trie of their REVERSED characters (the root's edges in an array by
 * character, the deeper ones in one small hash table). For each end position the trie is walked
 * backwards from there, which meets the words ending at that position shortest first; they are
 * reported longest first. Positions in ascending order, longest
 * word first at each: exactly the order in which ahocorasick-rs reports overlapping matches, so
 * the weights are added in the same order and the sums are the same to the last bit (plain
 * sequential double additions, as Python's sum() does them in 3.11).
 *
 * The pure-Python twin (redline.checks.weigher.PlainWeigher) must give identical results;
 * tests/checks/test_weigher.py holds them to each other. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY UINT32_MAX
#define BLOCK_BITS 8
#define BLOCKS (0x110000 >> BLOCK_BITS) /* every code point is below 0x110000 */
#define LOCAL_TEXT 512                   /* texts up to this long are indexed on the stack */

/* One slot of the edge table: 8 bytes, so the table of the shipped model stays small enough to
 * stay in cache between texts (the detectors in between evict a larger one). */
typedef struct {
    uint32_t key;   /* node * (letters + 1) + letter, or EMPTY */
    int32_t target; /* the node the edge leads to */
} Edge;

typedef struct {
    PyObject_HEAD
    /* The alphabet: every character of any word gets a letter 1..letters (0: in no word), looked
     * up in two levels (block of 256 code points, then the character) to stay small. */
    uint16_t *block_of;     /* BLOCKS entries: the block's row in letter_of, 0 for an empty one */
    uint16_t *letter_of;    /* (rows) * 256 entries; row 0 is all zeros */
    int32_t letters;
    int32_t *root_child;    /* per letter: the node of the words ending in it, or -1 */
    Edge *edges;            /* the deeper edges: open addressing, linear probing */
    uint32_t slot_mask;     /* slot count - 1 (the slot count is a power of two) */
    int slot_shift;         /* 32 - log2(slot count): hashing keeps the product's top bits */
    int32_t *word_at;       /* per node: the word whose reversed characters end there, or -1 */
    int32_t node_count;
    double *weights;        /* per word */
    int32_t *ranks;         /* per word: its rank as evidence, or -1 */
    int32_t rank_limit;     /* above every rank */
    int32_t *lengths;       /* per word: its length in characters */
    Py_ssize_t word_count;
    Py_ssize_t longest;
    int initialised;        /* set once __init__ has finished */
} Weigher;

static inline uint16_t letter_of(const Weigher *w, Py_UCS4 code) {
    return w->letter_of[((size_t)w->block_of[code >> BLOCK_BITS] << BLOCK_BITS) | (code & 0xFF)];
}

static inline uint32_t slot_of(const Weigher *w, uint32_t key) {
    return (uint32_t)(key * 2654435769u) >> w->slot_shift;
}

static inline int32_t child_of(const Weigher *w, int32_t node, uint16_t letter) {
    uint32_t key = (uint32_t)node * (uint32_t)(w->letters + 1) + letter;
    uint32_t slot = slot_of(w, key);
    for (;;) {
        uint32_t found = w->edges[slot].key;
        if (found == key) return w->edges[slot].target;
        if (found == EMPTY) return -1;
        slot = (slot + 1) & w->slot_mask;
    }
}

static int32_t new_node(Weigher *w) {
    int32_t node = w->node_count++;
    w->word_at[node] = -1;
    return node;
}

static int32_t child_or_new(Weigher *w, int32_t node, uint16_t letter) {
    if (node == 0) {
        if (w->root_child[letter] < 0) w->root_child[letter] = new_node(w);
        return w->root_child[letter];
    }
    uint32_t key = (uint32_t)node * (uint32_t)(w->letters + 1) + letter;
    uint32_t slot = slot_of(w, key);
    for (;;) {
        uint32_t found = w->edges[slot].key;
        if (found == key) return w->edges[slot].target;
        if (found == EMPTY) {
            int32_t child = new_node(w);
            w->edges[slot].key = key;
            w->edges[slot].target = child;
            return child;
        }
        slot = (slot + 1) & w->slot_mask;
    }
}

/* Called for every occurrence in scan order; returns -1 (with a Python error set) to stop. */
typedef int (*visit_fn)(void *context, const Weigher *w, int32_t word, Py_ssize_t end);

static int scan(const Weigher *w, PyObject *text, visit_fn visit, void *context) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    /* The text's letters, looked up once (each is read again by the walks of later ends). */
    uint16_t local_letters[LOCAL_TEXT];
    int32_t local_found[32];
    uint16_t *letters = length <= LOCAL_TEXT ? local_letters : PyMem_New(uint16_t, length);
    int32_t *found = w->longest <= 32 ? local_found : PyMem_New(int32_t, w->longest);
    int status = 0;
    if (letters == NULL || found == NULL) {
        PyErr_NoMemory();
        status = -1;
        goto done;
    }
    for (Py_ssize_t i = 0; i < length; i++) letters[i] = letter_of(w, PyUnicode_READ(kind, data, i));
    for (Py_ssize_t end = 1; end <= length && status == 0; end++) {
        uint16_t letter = letters[end - 1];
        if (letter == 0) continue;
        int32_t node = w->root_child[letter];
        if (node < 0) continue;
        int count = 0;
        if (w->word_at[node] >= 0) found[count++] = w->word_at[node];
        Py_ssize_t lowest = end > w->longest ? end - w->longest : 0;
        for (Py_ssize_t i = end - 2; i >= lowest; i--) {
            if (letters[i] == 0) break;
            node = child_of(w, node, letters[i]);
            if (node < 0) break;
            if (w->word_at[node] >= 0) found[count++] = w->word_at[node];
        }
        while (count > 0 && status == 0) status = visit(context, w, found[--count], end);
    }
done:
    if (letters != NULL && letters != local_letters) PyMem_Free(letters);
    if (found != NULL && found != local_found) PyMem_Free(found);
    return status;
}

/* -- construction ----------------------------------------------------------------------------- */

static void Weigher_dealloc(Weigher *self) {
    PyMem_Free(self->block_of);
    PyMem_Free(self->letter_of);
    PyMem_Free(self->root_child);
    PyMem_Free(self->edges);
    PyMem_Free(self->word_at);
    PyMem_Free(self->weights);
    PyMem_Free(self->ranks);
    PyMem_Free(self->lengths);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Gives every character of the words a letter (1, 2, …) and builds the two-level lookup. */
static int build_alphabet(Weigher *self, PyObject *words, Py_ssize_t count) {
    self->block_of = PyMem_New(uint16_t, BLOCKS);
    if (self->block_of == NULL) return -1;
    memset(self->block_of, 0, BLOCKS * sizeof(uint16_t));
    int rows = 1; /* row 0: the empty block */
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *word = PySequence_Fast_GET_ITEM(words, i);
        int kind = PyUnicode_KIND(word);
        const void *data = PyUnicode_DATA(word);
        for (Py_ssize_t j = 0; j < PyUnicode_GET_LENGTH(word); j++) {
            Py_UCS4 code = PyUnicode_READ(kind, data, j);
            if (self->block_of[code >> BLOCK_BITS] == 0) self->block_of[code >> BLOCK_BITS] = (uint16_t)rows++;
        }
    }
    self->letter_of = PyMem_New(uint16_t, (size_t)rows << BLOCK_BITS);
    if (self->letter_of == NULL) return -1;
    memset(self->letter_of, 0, ((size_t)rows << BLOCK_BITS) * sizeof(uint16_t));
    int32_t letters = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *word = PySequence_Fast_GET_ITEM(words, i);
        int kind = PyUnicode_KIND(word);
        const void *data = PyUnicode_DATA(word);
        for (Py_ssize_t j = 0; j < PyUnicode_GET_LENGTH(word); j++) {
            Py_UCS4 code = PyUnicode_READ(kind, data, j);
            size_t at = ((size_t)self->block_of[code >> BLOCK_BITS] << BLOCK_BITS) | (code & 0xFF);
            if (self->letter_of[at] == 0) {
                if (letters == UINT16_MAX) {
                    PyErr_SetString(PyExc_ValueError, "the words use too many distinct characters");
                    return -1;
                }
                self->letter_of[at] = (uint16_t)++letters;
            }
        }
    }
    self->letters = letters;
    return 0;
}

static int Weigher_init(Weigher *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"words", "weights", "ranks", NULL};
    PyObject *words_arg, *weights_arg, *ranks_arg = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O", keywords, &words_arg, &weights_arg, &ranks_arg)) return -1;
    if (self->block_of != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Weigher is already initialised");
        return -1;
    }
    PyObject *words = PySequence_Fast(words_arg, "words must be a sequence");
    PyObject *weights = words ? PySequence_Fast(weights_arg, "weights must be a sequence") : NULL;
    PyObject *ranks = (weights && ranks_arg != Py_None) ? PySequence_Fast(ranks_arg, "ranks must be a sequence") : NULL;
    int status = -1;
    if (weights == NULL || (ranks_arg != Py_None && ranks == NULL)) goto done;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(words);
    if (PySequence_Fast_GET_SIZE(weights) != count || (ranks && PySequence_Fast_GET_SIZE(ranks) != count)) {
        PyErr_SetString(PyExc_ValueError, "words, weights and ranks must have the same length");
        goto done;
    }
    if (count >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many words");
        goto done;
    }
    Py_ssize_t characters = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *word = PySequence_Fast_GET_ITEM(words, i);
        if (!PyUnicode_Check(word) || PyUnicode_GET_LENGTH(word) == 0) {
            PyErr_SetString(PyExc_ValueError, "every word must be a non-empty str");
            goto done;
        }
        characters += PyUnicode_GET_LENGTH(word);
    }
    if (characters >= INT32_MAX / 4) {
        PyErr_SetString(PyExc_ValueError, "the words are too long in all");
        goto done;
    }
    if (build_alphabet(self, words, count) < 0) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    /* Keys (node * (letters + 1) + letter) must fit below EMPTY. */
    if ((uint64_t)(characters + 1) * (uint64_t)(self->letters + 1) >= EMPTY) {
        PyErr_SetString(PyExc_ValueError, "too many words for the native weigher");
        goto done;
    }
    uint32_t slots = 16;
    int bits = 4;
    while (slots < characters + characters / 2 + 1) { /* a load of at most two thirds */
        slots *= 2;
        bits++;
    }
    self->slot_mask = slots - 1;
    self->slot_shift = 32 - bits;
    self->edges = PyMem_New(Edge, slots);
    self->root_child = PyMem_New(int32_t, self->letters + 1);
    self->word_at = PyMem_New(int32_t, characters + 1);
    self->weights = PyMem_New(double, count ? count : 1);
    self->ranks = PyMem_New(int32_t, count ? count : 1);
    self->lengths = PyMem_New(int32_t, count ? count : 1);
    if (!self->edges || !self->root_child || !self->word_at || !self->weights || !self->ranks || !self->lengths) {
        PyErr_NoMemory();
        goto done;
    }
    for (uint32_t s = 0; s < slots; s++) self->edges[s].key = EMPTY;
    for (int32_t l = 0; l <= self->letters; l++) self->root_child[l] = -1;
    self->node_count = 0;
    new_node(self); /* the root */
    self->longest = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *word = PySequence_Fast_GET_ITEM(words, i);
        double weight = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(weights, i));
        if (weight == -1.0 && PyErr_Occurred()) goto done;
        long rank = -1;
        if (ranks) {
            rank = PyLong_AsLong(PySequence_Fast_GET_ITEM(ranks, i));
            if (rank == -1 && PyErr_Occurred()) goto done;
            if (rank < -1 || rank >= count) {
                PyErr_SetString(PyExc_ValueError, "a rank must be -1 or below the number of words");
                goto done;
            }
        }
        int kind = PyUnicode_KIND(word);
        const void *data = PyUnicode_DATA(word);
        Py_ssize_t length = PyUnicode_GET_LENGTH(word);
        int32_t node = 0;
        for (Py_ssize_t j = length - 1; j >= 0; j--) node = child_or_new(self, node, letter_of(self, PyUnicode_READ(kind, data, j)));
        if (self->word_at[node] >= 0) {
            PyErr_Format(PyExc_ValueError, "duplicate word %R", word);
            goto done;
        }
        self->word_at[node] = (int32_t)i;
        self->weights[i] = weight;
        self->ranks[i] = (int32_t)rank;
        if (rank >= self->rank_limit) self->rank_limit = (int32_t)rank + 1;
        self->lengths[i] = (int32_t)length;
        if (length > self->longest) self->longest = length;
    }
    self->word_count = count;
    self->initialised = 1;
    status = 0;
done:
    Py_XDECREF(words);
    Py_XDECREF(weights);
    Py_XDECREF(ranks);
    return status;
}

/* -- total ------------------------------------------------------------------------------------ */

static int add_weight(void *context, const Weigher *w, int32_t word, Py_ssize_t end) {
    (void)end;
    *(double *)context += w->weights[word];
    return 0;
}

static int ready(const Weigher *self) {
    if (!self->initialised) {
        PyErr_SetString(PyExc_RuntimeError, "Weigher is not initialised");
        return 0;
    }
    return 1;
}

static PyObject *Weigher_total(Weigher *self, PyObject *text) {
    if (!ready(self)) return NULL;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text must be a str");
        return NULL;
    }
    double total = 0.0;
    if (scan(self, text, add_weight, &total) < 0) return NULL;
    return PyFloat_FromDouble(total);
}

/* -- matches ---------------------------------------------------------------------------------- */

static int append_match(void *context, const Weigher *w, int32_t word, Py_ssize_t end) {
    PyObject *match = Py_BuildValue("(inn)", (int)word, end - w->lengths[word], end);
    if (match == NULL) return -1;
    int status = PyList_Append((PyObject *)context, match);
    Py_DECREF(match);
    return status;
}

static PyObject *Weigher_matches(Weigher *self, PyObject *text) {
    if (!ready(self)) return NULL;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text must be a str");
        return NULL;
    }
    PyObject *matches = PyList_New(0);
    if (matches == NULL) return NULL;
    if (scan(self, text, append_match, matches) < 0) {
        Py_DECREF(matches);
        return NULL;
    }
    return matches;
}

/* -- evidence: the heaviest clause and the ranked words met ----------------------------------- */

/* Whether the character at i belongs to a clause: it is not one of the breaks, or it is a full
 * stop before a decimal digit (3.5岁). The clauses are the maximal runs of such characters: the
 * pattern (?:[^BREAKS]+|\.(?=\d))+ of redline.checks.weigher.clause_pattern. */
static inline int in_clause(int kind, const void *data, Py_ssize_t length, Py_ssize_t i, const Py_UCS4 *breaks, Py_ssize_t break_count) {
    Py_UCS4 code = PyUnicode_READ(kind, data, i);
    for (Py_ssize_t b = 0; b < break_count; b++) {
        if (code == breaks[b]) return code == '.' && i + 1 < length && Py_UNICODE_ISDECIMAL(PyUnicode_READ(kind, data, i + 1));
    }
    return 1;
}

typedef struct {
    const Py_ssize_t *later_starts; /* where each clause after the first starts, ascending */
    Py_ssize_t later_count;
    double *clause_totals;          /* later_count + 1 sums, each in scan order */
    uint64_t *ranks_met;            /* a bit per rank */
} Evidence;

static int add_evidence(void *context, const Weigher *w, int32_t word, Py_ssize_t end) {
    Evidence *e = (Evidence *)context;
    Py_ssize_t start = end - w->lengths[word];
    /* The clause of an occurrence: how many later clauses start at or before it (bisect_right),
     * so one before the first clause counts for the first, one on a break for the clause before. */
    Py_ssize_t low = 0, high = e->later_count;
    while (low < high) {
        Py_ssize_t middle = (low + high) / 2;
        if (e->later_starts[middle] <= start) low = middle + 1;
        else high = middle;
    }
    e->clause_totals[low] += w->weights[word];
    int32_t rank = w->ranks[word];
    if (rank >= 0) e->ranks_met[rank >> 6] |= (uint64_t)1 << (rank & 63);
    return 0;
}

static PyObject *Weigher_evidence(Weigher *self, PyObject *args) {
    PyObject *text, *breaks_text;
    if (!ready(self)) return NULL;
    if (!PyArg_ParseTuple(args, "UU", &text, &breaks_text)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    Py_UCS4 *breaks = PyUnicode_AsUCS4Copy(breaks_text);
    if (breaks == NULL) return NULL;
    Py_ssize_t break_count = PyUnicode_GET_LENGTH(breaks_text);
    /* Clauses: at most one per two characters, plus one. */
    Py_ssize_t most = length / 2 + 2;
    Py_ssize_t *starts = PyMem_New(Py_ssize_t, most);
    Py_ssize_t *ends = PyMem_New(Py_ssize_t, most);
    double *totals = PyMem_New(double, most);
    Py_ssize_t rank_words = self->rank_limit / 64 + 1;
    uint64_t *ranks_met = PyMem_New(uint64_t, rank_words);
    PyObject *ranks = NULL, *span = NULL, *result = NULL;
    if (!starts || !ends || !totals || !ranks_met) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t clauses = 0;
    for (Py_ssize_t i = 0; i < length;) {
        if (!in_clause(kind, data, length, i, breaks, break_count)) {
            i++;
            continue;
        }
        starts[clauses] = i;
        while (i < length && in_clause(kind, data, length, i, breaks, break_count)) i++;
        ends[clauses++] = i;
    }
    for (Py_ssize_t c = 0; c < clauses; c++) totals[c] = 0.0;
    memset(ranks_met, 0, (size_t)rank_words * sizeof(uint64_t));
    Evidence e = {clauses ? starts + 1 : starts, clauses ? clauses - 1 : 0, totals, ranks_met};
    if (scan(self, text, add_evidence, &e) < 0) goto done;
    if (clauses == 0) {
        span = Py_None;
        Py_INCREF(span);
    } else {
        Py_ssize_t best = 0; /* the first of equally heavy clauses */
        for (Py_ssize_t c = 1; c < clauses; c++) {
            if (totals[c] > totals[best]) best = c;
        }
        Py_ssize_t start = starts[best], end = ends[best];
        while (start < end && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, start))) start++;
        while (end > start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1))) end--;
        span = Py_BuildValue("(nn)", start, end);
        if (span == NULL) goto done;
    }
    ranks = PyList_New(0);
    if (ranks == NULL) goto done;
    for (Py_ssize_t word = 0; word < rank_words; word++) {
        for (uint64_t bits = ranks_met[word]; bits; bits &= bits - 1) {
            PyObject *value = PyLong_FromSsize_t(word * 64 + __builtin_ctzll(bits));
            if (value == NULL || PyList_Append(ranks, value) < 0) {
                Py_XDECREF(value);
                goto done;
            }
            Py_DECREF(value);
        }
    }
    result = PyTuple_Pack(2, span, ranks);
done:
    Py_XDECREF(span);
    Py_XDECREF(ranks);
    PyMem_Free(breaks);
    PyMem_Free(starts);
    PyMem_Free(ends);
    PyMem_Free(totals);
    PyMem_Free(ranks_met);
    return result;
}

/* -- the type and the module ------------------------------------------------------------------ */

static PyObject *Weigher_word_count(Weigher *self, void *closure) {
    (void)closure;
    return PyLong_FromSsize_t(self->word_count);
}

static PyMethodDef Weigher_methods[] = {
    {"total", (PyCFunction)Weigher_total, METH_O,
     "total(text) -> float: the sum of the weights over every occurrence, in scan order."},
    {"matches", (PyCFunction)Weigher_matches, METH_O,
     "matches(text) -> list of (word, start, end): every occurrence, by end, longest first."},
    {"evidence", (PyCFunction)Weigher_evidence, METH_VARARGS,
     "evidence(text, breaks) -> (span, ranks): the clause (characters between breaks; a full\n"
     "stop before a digit is no break) whose occurrences weigh most, the first of equals, as\n"
     "(start, end) without surrounding whitespace, or None without a clause; and the distinct\n"
     "ranks (>= 0) of the words met, ascending."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Weigher_getset[] = {
    {"word_count", (getter)Weigher_word_count, NULL, "how many words are weighed", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject WeigherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "redline._native.weigher.Weigher",
    .tp_doc = "Weigher(words, weights, ranks=None): weighs texts by every occurrence of the words.",
    .tp_basicsize = sizeof(Weigher),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Weigher_init,
    .tp_dealloc = (destructor)Weigher_dealloc,
    .tp_methods = Weigher_methods,
    .tp_getset = Weigher_getset,
};

static struct PyModuleDef weigher_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "redline._native.weigher",
    .m_doc = "Weighted word occurrences summed natively (see redline.checks.weigher).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit_weigher(void) {
    if (PyType_Ready(&WeigherType) < 0) return NULL;
    PyObject *module = PyModule_Create(&weigher_module);
    if (module == NULL) return NULL;
    Py_INCREF(&WeigherType);
    if (PyModule_AddObject(module, "Weigher", (PyObject *)&WeigherType) < 0) {
        Py_DECREF(&WeigherType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
