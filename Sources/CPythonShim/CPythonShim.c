#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include "CPythonShim.h"

static int install_deadline_handler(void);

// CPython is one per process: it refuses a second initialisation in its own way (or not at all), so
// this flag turns a second attempt into a clear error. Set once, by the first caller.
static atomic_flag initialised = ATOMIC_FLAG_INIT;

int pylambda_initialize(char *error, size_t error_size) {
    if (atomic_flag_test_and_set(&initialised)) {
        snprintf(error, error_size, "CPython is already running in this process: create one PythonInterpreter per process");
        return -1;
    }
    // UTF-8 mode whatever the container's locale: open() and the standard streams speak UTF-8.
    PyPreConfig preconfig;
    PyPreConfig_InitIsolatedConfig(&preconfig);
    preconfig.utf8_mode = 1;
    PyStatus status = Py_PreInitialize(&preconfig);
    if (PyStatus_Exception(status)) {
        snprintf(error, error_size, "Py_PreInitialize: %s", status.err_msg ? status.err_msg : "unknown error");
        return -1;
    }
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;
    config.parse_argv = 0;
    config.write_bytecode = 0;   // the image's root is read-only; its stdlib is compiled at build time
    config.buffered_stdio = 0;   // user output reaches `docker logs` as it is printed
    status = PyConfig_SetBytesString(&config, &config.program_name, "python3.11");
    if (!PyStatus_Exception(status)) {
        status = PyConfig_SetBytesString(&config, &config.stdio_errors, "backslashreplace");
    }
    if (!PyStatus_Exception(status)) {
        status = Py_InitializeFromConfig(&config);
    }
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        snprintf(error, error_size, "%s: %s",
                 status.func ? status.func : "Py_InitializeFromConfig",
                 status.err_msg ? status.err_msg : "unknown error");
        return -1;
    }
    if (install_deadline_handler() != 0) {
        snprintf(error, error_size, "could not install the deadline handler (signal.signal failed)");
        return -1;
    }
    return 0;
}

PyObject *pylambda_call(PyObject *callable, PyObject *const *args, size_t nargs) {
    return PyObject_Vectorcall(callable, args, nargs, NULL);
}

PyObject *pylambda_bool(int value) { return value ? Py_True : Py_False; }
PyObject *pylambda_none(void) { return Py_None; }
int pylambda_is_unicode(PyObject *object) { return PyUnicode_Check(object); }
int pylambda_is_exact_unicode(PyObject *object) { return PyUnicode_CheckExact(object); }
int pylambda_is_bytes(PyObject *object) { return PyBytes_Check(object); }
int pylambda_is_tuple(PyObject *object) { return PyTuple_Check(object); }
int pylambda_is_list(PyObject *object) { return PyList_Check(object); }
const char *pylambda_type_name(PyObject *object) { return Py_TYPE(object)->tp_name; }

#define DEADLINE_SIGNAL SIGUSR2

// The deadline signal's state is C statics because a signal handler can reach nothing else; there is
// one CPython, and so one interpreter thread, per process.
static PyObject *deadline_exception = NULL;
static pthread_t interpreter_thread;
static _Thread_local int on_interpreter_thread = 0;

int pylambda_on_interpreter_thread(void) { return on_interpreter_thread; }
static _Atomic uint64_t current_job = 0;
static _Atomic uint64_t interrupt_target = 0;

PyObject *pylambda_deadline_exception(void) { return deadline_exception; }

void pylambda_set_current_job(uint64_t job) { atomic_store(&current_job, job); }

// The Python-level handler of DEADLINE_SIGNAL: runs on the interpreter thread, with the GIL, at the
// next bytecode boundary or when a blocking call returns EINTR.
static PyObject *on_deadline_signal(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    uint64_t job = atomic_load(&current_job);
    if (job != 0 && job == atomic_load(&interrupt_target)) {
        PyErr_SetString(deadline_exception, "the invocation ran past its deadline");
        return NULL;
    }
    Py_RETURN_NONE;   // that job already finished: interrupt nothing else
}

static PyMethodDef deadline_handler = {"_pylambda_on_deadline", on_deadline_signal, METH_VARARGS, NULL};

static int install_deadline_handler(void) {
    deadline_exception = PyErr_NewExceptionWithDoc(
        "pylambda.DeadlineExceeded",
        "Raised into a function that runs past its deadline.",
        PyExc_BaseException, NULL);
    PyObject *handler = PyCFunction_New(&deadline_handler, NULL);
    // `_signal`, not `signal`: the Python module wraps it in enums, and importing `enum` is a sizeable
    // part of a cold start.
    PyObject *signal_module = PyImport_ImportModule("_signal");
    PyObject *previous = NULL;
    if (deadline_exception && handler && signal_module) {
        previous = PyObject_CallMethod(signal_module, "signal", "iO", DEADLINE_SIGNAL, handler);
    }
    Py_XDECREF(previous);
    Py_XDECREF(signal_module);
    Py_XDECREF(handler);
    if (previous == NULL) {
        PyErr_Clear();
        return -1;
    }
    interpreter_thread = pthread_self();
    on_interpreter_thread = 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, DEADLINE_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    return 0;
}

int pylambda_interrupt_job(uint64_t job) {
    atomic_store(&interrupt_target, job);
    return pthread_kill(interpreter_thread, DEADLINE_SIGNAL);
}
