/* The encoding a role's signature digests, written in one pass over a policy document.

   What `auditor.normalize.signing` otherwise does in Python: put the placeholders into every value string
   (a walk that copies each container on the way to a changed string), then have orjson write the result
   with sorted keys. Here nothing is copied: each string is mapped as it is written.

   The encoding is prefix-free, so equal encodings mean equal values:
     str     s<n>:<n bytes of UTF-8, lone surrogates passed through>
     list    l<n>:<n items>
     dict    d<n>:<n keys, each a str written as it is, in code point order, followed by its value>
     int     i<n>:<decimal>     float  f<n>:<repr>
     True T, False F, None N
     bytes   written as they are: the encoding of a value, made by an earlier call
   Value strings are mapped (`known[s]` if present, else `func(s)`), except under the keys of
   `literal_keys`, whose values are written as they are, as dict keys always are. A container nested more
   than `max_depth` levels deep raises `error`, as the walk in Python does. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    char *data;
    Py_ssize_t len, cap;
    PyObject *func, *known, *literal, *error;
    int max_depth;
} Encoder;

static int reserve(Encoder *e, Py_ssize_t more) {
    if (e->len + more <= e->cap) return 0;
    Py_ssize_t cap = e->cap ? e->cap : 4096;
    while (cap < e->len + more) {
        if (cap > PY_SSIZE_T_MAX / 2) { PyErr_NoMemory(); return -1; }
        cap *= 2;
    }
    char *data = PyMem_Realloc(e->data, (size_t)cap);
    if (data == NULL) { PyErr_NoMemory(); return -1; }
    e->data = data;
    e->cap = cap;
    return 0;
}

static int put(Encoder *e, const char *bytes, Py_ssize_t n) {
    if (reserve(e, n) < 0) return -1;
    memcpy(e->data + e->len, bytes, (size_t)n);
    e->len += n;
    return 0;
}

/* `tag`, `n` in decimal, `:`. Written by hand: snprintf took most of the time of a whole encoding. */
static int head(Encoder *e, char tag, Py_ssize_t n) {
    char text[32];
    int at = (int)sizeof text - 1;
    size_t value = (size_t)n;
    text[at--] = ':';
    do {
        text[at--] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    text[at] = tag;
    return put(e, text + at, (Py_ssize_t)sizeof text - at);
}

static int put_str(Encoder *e, PyObject *text) {
    Py_ssize_t n;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &n);
    if (utf8 != NULL) return head(e, 's', n) < 0 ? -1 : put(e, utf8, n);
    if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return -1;
    PyErr_Clear();  /* a lone surrogate, which JSON's \ud800 escapes can make */
    PyObject *bytes = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    if (bytes == NULL) return -1;
    int done = head(e, 's', PyBytes_GET_SIZE(bytes));
    if (done == 0) done = put(e, PyBytes_AS_STRING(bytes), PyBytes_GET_SIZE(bytes));
    Py_DECREF(bytes);
    return done;
}

static int put_mapped(Encoder *e, PyObject *text) {
    PyObject *mapped = PyDict_GetItemWithError(e->known, text);
    if (mapped != NULL) {
        Py_INCREF(mapped);
    } else {
        if (PyErr_Occurred()) return -1;
        mapped = PyObject_CallOneArg(e->func, text);
        if (mapped == NULL) return -1;
    }
    int done = -1;
    if (PyUnicode_Check(mapped)) done = put_str(e, mapped);
    else PyErr_SetString(PyExc_TypeError, "the mapping of a string must be a string");
    Py_DECREF(mapped);
    return done;
}

static int put_text_of(Encoder *e, char tag, PyObject *value, PyObject *(*text_of)(PyObject *)) {
    PyObject *text = text_of(value);
    if (text == NULL) return -1;
    Py_ssize_t n;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &n);
    int done = utf8 == NULL || head(e, tag, n) < 0 ? -1 : put(e, utf8, n);
    Py_DECREF(text);
    return done;
}

static int put_value(Encoder *e, PyObject *node, int depth, int mapping);

static void sort_keys(PyObject **keys, Py_ssize_t n) {
    /* Statements and conditions have a handful of keys: insertion sort, no list to build. */
    for (Py_ssize_t i = 1; i < n; i++) {
        PyObject *key = keys[i];
        Py_ssize_t at = i;
        while (at > 0 && PyUnicode_Compare(key, keys[at - 1]) < 0) {
            keys[at] = keys[at - 1];
            at--;
        }
        keys[at] = key;
    }
}

static int put_dict(Encoder *e, PyObject *node, int depth, int mapping) {
    Py_ssize_t size = PyDict_GET_SIZE(node), pos = 0, count = 0;
    PyObject *few[16];
    PyObject *many = NULL;  /* a list of the keys, for a dict too large for `few` */
    PyObject **keys = few;
    PyObject *key, *value;
    int done = -1;
    if (size > 16) {
        many = PyDict_Keys(node);
        if (many == NULL) return -1;
        size = PyList_GET_SIZE(many);
        for (Py_ssize_t i = 0; i < size; i++) {
            if (!PyUnicode_CheckExact(PyList_GET_ITEM(many, i))) {
                PyErr_SetString(PyExc_TypeError, "a document holds a key that is not a string");
                goto finish;
            }
        }
        if (PyList_Sort(many) < 0) goto finish;
        keys = &PyList_GET_ITEM(many, 0);
        count = size;
    } else {
        /* No Python code runs in this loop, so the dict keeps the size read above. */
        while (PyDict_Next(node, &pos, &key, &value)) {
            if (!PyUnicode_CheckExact(key)) {
                PyErr_SetString(PyExc_TypeError, "a document holds a key that is not a string");
                goto finish;
            }
            Py_INCREF(key);
            keys[count++] = key;
        }
        sort_keys(keys, count);
    }
    if (head(e, 'd', count) < 0) goto finish;
    for (Py_ssize_t i = 0; i < count; i++) {
        value = PyDict_GetItemWithError(node, keys[i]);
        if (value == NULL) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_RuntimeError, "a document changed while it was encoded");
            goto finish;
        }
        int literal = mapping ? PySet_Contains(e->literal, keys[i]) : 1;
        if (literal < 0 || put_str(e, keys[i]) < 0) goto finish;
        Py_INCREF(value);
        int put_it = put_value(e, value, depth + 1, mapping && !literal);
        Py_DECREF(value);
        if (put_it < 0) goto finish;
    }
    done = 0;
finish:
    if (many != NULL) {
        Py_DECREF(many);
    } else {
        for (Py_ssize_t i = 0; i < count; i++) Py_DECREF(keys[i]);
    }
    return done;
}

static int put_list(Encoder *e, PyObject *node, int depth, int mapping) {
    if (head(e, 'l', PyList_GET_SIZE(node)) < 0) return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(node); i++) {
        PyObject *item = PyList_GET_ITEM(node, i);
        Py_INCREF(item);
        int done = put_value(e, item, depth + 1, mapping);
        Py_DECREF(item);
        if (done < 0) return -1;
    }
    return 0;
}

static int put_value(Encoder *e, PyObject *node, int depth, int mapping) {
    PyTypeObject *kind = Py_TYPE(node);
    /* A string inside a container is mapped where it stands: only other values count as a level. */
    if (kind == &PyUnicode_Type) return mapping ? put_mapped(e, node) : put_str(e, node);
    if (kind == &PyBytes_Type) return put(e, PyBytes_AS_STRING(node), PyBytes_GET_SIZE(node));
    if (depth > e->max_depth) {
        PyErr_Format(e->error, "document is nested more than %d levels deep", e->max_depth);
        return -1;
    }
    if (PyDict_Check(node)) return put_dict(e, node, depth, mapping);
    if (PyList_Check(node)) return put_list(e, node, depth, mapping);
    if (node == Py_True) return put(e, "T", 1);
    if (node == Py_False) return put(e, "F", 1);
    if (node == Py_None) return put(e, "N", 1);
    if (kind == &PyLong_Type) return put_text_of(e, 'i', node, PyObject_Str);
    if (kind == &PyFloat_Type) return put_text_of(e, 'f', node, PyObject_Repr);
    if (PyUnicode_Check(node)) return mapping ? put_mapped(e, node) : put_str(e, node);
    /* Parsed JSON holds nothing else: any other value is a caller's mistake, not data to guess at. */
    PyErr_Format(PyExc_TypeError, "a document holds a value of type %.100s", kind->tp_name);
    return -1;
}

static PyObject *encode(PyObject *module, PyObject *args) {
    Encoder e = {0};
    PyObject *node;
    if (!PyArg_ParseTuple(args, "OOO!O!iO:encode", &node, &e.func, &PyDict_Type, &e.known, &PyFrozenSet_Type,
                          &e.literal, &e.max_depth, &e.error))
        return NULL;
    if (!PyExceptionClass_Check(e.error)) {
        PyErr_SetString(PyExc_TypeError, "error must be an exception class");
        return NULL;
    }
    PyObject *encoded = NULL;
    if (put_value(&e, node, 0, 1) == 0) encoded = PyBytes_FromStringAndSize(e.data ? e.data : "", e.len);
    PyMem_Free(e.data);
    return encoded;
}

static PyMethodDef methods[] = {
    {"encode", encode, METH_VARARGS,
     "encode(node, func, known, literal_keys, max_depth, error) -> bytes: the encoding a role's signature digests."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, .m_name = "_encoding", .m_size = -1, .m_methods = methods};

PyMODINIT_FUNC PyInit__encoding(void) { return PyModule_Create(&module); }
