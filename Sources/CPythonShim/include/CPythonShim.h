#ifndef CPYTHON_SHIM_H
#define CPYTHON_SHIM_H

// The few pieces of CPython's C API that Swift cannot import as they are: macros, variadic calls,
// struct-returning initialisation, and the pending-call hook used to interrupt user code.

#include <stdint.h>
#include <stddef.h>

typedef struct _object PyObject;

/// Initialises an isolated interpreter (no environment variables, no default signal handlers, no user
/// site, UTF-8 mode) on the calling thread, which becomes the interpreter thread, and installs the
/// deadline handler. Returns 0 on success; otherwise writes a message into `error` and returns -1.
/// Only the first call in a process can succeed.
int pylambda_initialize(char *error, size_t error_size);

/// Whether the calling thread is the one that initialised (and owns) the interpreter.
int pylambda_on_interpreter_thread(void);

/// `PyObject_Vectorcall` (static inline in 3.11's headers). Returns a new reference, or NULL with an exception set.
PyObject *pylambda_call(PyObject *callable, PyObject *const *args, size_t nargs);

/// `Py_True` / `Py_False`, borrowed.
PyObject *pylambda_bool(int value);
/// `Py_None`, borrowed.
PyObject *pylambda_none(void);

int pylambda_is_unicode(PyObject *object);
int pylambda_is_exact_unicode(PyObject *object);
int pylambda_is_bytes(PyObject *object);
int pylambda_is_tuple(PyObject *object);
int pylambda_is_list(PyObject *object);
/// The `tp_name` of an object's type (e.g. "ZeroDivisionError").
const char *pylambda_type_name(PyObject *object);

/// `pylambda.DeadlineExceeded`, the BaseException subclass raised into a job past its deadline (so that
/// `except Exception:` in user code does not swallow it). Borrowed; lives as long as the interpreter.
PyObject *pylambda_deadline_exception(void);
/// The job the interpreter thread is running now (0 when idle).
void pylambda_set_current_job(uint64_t job);
/// Interrupts `job` if the interpreter thread is still running it: sends SIGUSR2 to that thread, whose
/// Python-level handler raises DeadlineExceeded. A real signal (not a pending call) also wakes sleeps
/// and other blocking calls that Python retries on EINTR. Safe from any thread, without the GIL.
int pylambda_interrupt_job(uint64_t job);

#endif
