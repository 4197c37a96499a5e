/* Map a text through the normaliser's one-to-one character table (redline.text.charmap:
 * `one_to_one`, a uint32 per code point) in one native pass: `str.translate` with a dict looks
 * every character up in a dict, NumPy pays fixed costs per call, and every text checked passes
 * here.
 *
 * Only the one-to-one case is handled: when a character of the text is dropped or expanded (its
 * entry is DELETE or EXPAND, both >= DELETE) the answer is None and the caller takes its general
 * path. The pure-Python path (redline.text.normalize) gives the same text; tests/text hold them to
 * each other. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define UNICODE_SIZE 0x110000
#define DELETE 0xFFFFFFFEu /* redline.text.charmap.DELETE; EXPAND (0xFFFFFFFF) is above it */
#define LOCAL_TEXT 512

typedef struct {
    PyObject_HEAD
    Py_buffer table; /* held for the object's lifetime */
    int held;
} OneToOneMap;

static void OneToOneMap_dealloc(OneToOneMap *self) {
    if (self->held) PyBuffer_Release(&self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int OneToOneMap_init(OneToOneMap *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"table", NULL};
    PyObject *table;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O", keywords, &table)) return -1;
    if (self->held) {
        PyErr_SetString(PyExc_RuntimeError, "OneToOneMap is already initialised");
        return -1;
    }
    if (PyObject_GetBuffer(table, &self->table, PyBUF_C_CONTIGUOUS) < 0) return -1;
    self->held = 1;
    if (self->table.itemsize != sizeof(uint32_t) || self->table.len != (Py_ssize_t)(UNICODE_SIZE * sizeof(uint32_t))) {
        PyErr_SetString(PyExc_ValueError, "the table must hold one uint32 per code point (0x110000 of them)");
        return -1;
    }
    return 0;
}

static PyObject *OneToOneMap_map(OneToOneMap *self, PyObject *text) {
    if (!self->held) {
        PyErr_SetString(PyExc_RuntimeError, "OneToOneMap is not initialised");
        return NULL;
    }
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text must be a str");
        return NULL;
    }
    const uint32_t *table = (const uint32_t *)self->table.buf;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    Py_UCS4 local[LOCAL_TEXT];
    Py_UCS4 *mapped = length <= LOCAL_TEXT ? local : PyMem_New(Py_UCS4, length);
    if (mapped == NULL) return PyErr_NoMemory();
    int changed = 0;
    PyObject *result = NULL;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 code = PyUnicode_READ(kind, data, i);
        uint32_t to = table[code];
        if (to >= DELETE) { /* dropped or expanded: not one to one */
            result = Py_None;
            Py_INCREF(result);
            goto done;
        }
        changed |= to != code;
        mapped[i] = to;
    }
    if (!changed) { /* the text is already in normal form: the same string serves */
        result = text;
        Py_INCREF(result);
    } else {
        result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, mapped, length);
    }
done:
    if (mapped != local) PyMem_Free(mapped);
    return result;
}

static PyMethodDef OneToOneMap_methods[] = {
    {"map", (PyCFunction)OneToOneMap_map, METH_O,
     "map(text) -> str | None: every character through the table; None when one is dropped or\n"
     "expanded."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject OneToOneMapType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "redline._native.charmap.OneToOneMap",
    .tp_doc = "OneToOneMap(table): maps texts through a uint32-per-code-point table.",
    .tp_basicsize = sizeof(OneToOneMap),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)OneToOneMap_init,
    .tp_dealloc = (destructor)OneToOneMap_dealloc,
    .tp_methods = OneToOneMap_methods,
};

static struct PyModuleDef charmap_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "redline._native.charmap",
    .m_doc = "The normaliser's one-to-one character mapping, natively (see redline.text.normalize).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit_charmap(void) {
    if (PyType_Ready(&OneToOneMapType) < 0) return NULL;
    PyObject *module = PyModule_Create(&charmap_module);
    if (module == NULL) return NULL;
    Py_INCREF(&OneToOneMapType);
    if (PyModule_AddObject(module, "OneToOneMap", (PyObject *)&OneToOneMapType) < 0) {
        Py_DECREF(&OneToOneMapType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
