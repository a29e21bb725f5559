import CPython
import CPythonShim

/// Proof that the caller runs on the interpreter thread and holds the GIL.
///
/// Only the interpreter thread makes one and lends it to a job, so code that needs the GIL asks for a
/// `Python` parameter instead of trusting a comment. It is not `Sendable`: it cannot leave that thread.
public struct Python {
    init() {}

    /// Runs `body` with the GIL released, so that threads the user's code started can run while the
    /// interpreter thread blocks in the kernel. `body` must not touch Python.
    public func withGILReleased<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let threadState = PyEval_SaveThread()
        defer { PyEval_RestoreThread(threadState) }
        return try body()
    }

    public var none: PythonObject { PythonObject(borrowing: pylambda_none()) }

    public func bool(_ value: Bool) -> PythonObject { PythonObject(borrowing: pylambda_bool(value ? 1 : 0)) }

    public func int(_ value: Int) throws(PythonException) -> PythonObject {
        try Self.check(PyLong_FromLongLong(Int64(value)))
    }

    public func int(_ value: UInt64) throws(PythonException) -> PythonObject {
        try Self.check(PyLong_FromUnsignedLongLong(value))
    }

    public func bytes(_ bytes: UnsafeRawBufferPointer) throws(PythonException) -> PythonObject {
        try Self.check(PyBytes_FromStringAndSize(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count))
    }

    /// A `str` decoded from UTF-8 in one step (no intermediate `bytes`). Throws `UnicodeDecodeError`
    /// for bytes that are not UTF-8.
    public func string(utf8 bytes: UnsafeRawBufferPointer) throws(PythonException) -> PythonObject {
        try Self.check(PyUnicode_DecodeUTF8(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, nil))
    }

    /// A `str` from bytes that may not be UTF-8 (invalid sequences become U+FFFD).
    public func string(lossy bytes: UnsafeRawBufferPointer) throws(PythonException) -> PythonObject {
        try Self.check(PyUnicode_DecodeUTF8(bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, "replace"))
    }

    public func string(_ text: String) throws(PythonException) -> PythonObject {
        var text = text
        let result = text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { PyUnicode_DecodeUTF8($0.baseAddress, $0.count, nil) }
        }
        return try Self.check(result)
    }

    public func importModule(_ name: String) throws(PythonException) -> PythonObject {
        try Self.check(PyImport_ImportModule(name))
    }

    /// Compiles `source` (a module's) into a code object.
    public func compile(_ source: String, filename: String) throws(PythonException) -> PythonObject {
        try Self.check(Py_CompileString(source, filename, Py_file_input))
    }

    /// Runs `code` as the module `name` (registered in `sys.modules`).
    public func makeModule(named name: String, code: borrowing PythonObject, filename: String) throws(PythonException) -> PythonObject {
        try Self.check(PyImport_ExecCodeModuleEx(name, code.pointer, filename))
    }

    /// `marshal.dumps(object)`: how CPython stores code objects in .pyc files.
    public func marshal(_ object: borrowing PythonObject) throws(PythonException) -> [UInt8] {
        let data = try Self.check(PyMarshal_WriteObjectToString(object.pointer, Py_MARSHAL_VERSION))
        return data.withBytes { Array($0) } ?? []
    }

    /// `marshal.loads(bytes)`. Only for bytes this same CPython wrote: bytecode differs between versions.
    public func unmarshal(_ bytes: ArraySlice<UInt8>) throws(PythonException) -> PythonObject {
        let object = bytes.withUnsafeBytes { raw in
            PyMarshal_ReadObjectFromString(raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        return try Self.check(object)
    }

    /// This CPython's version (`sys.version`).
    public var version: String { String(cString: Py_GetVersion()) }

    /// The `BaseException` subclass raised into a call that runs past its deadline.
    /// It is not an `Exception`, so user code's `except Exception:` does not swallow it.
    public var deadlineExceededType: PythonObject { PythonObject(borrowing: pylambda_deadline_exception()) }

    /// Wraps a new reference, or turns a NULL result into the pending Python exception.
    static func check(_ result: UnsafeMutablePointer<PyObject>?) throws(PythonException) -> PythonObject {
        guard let result else { throw fetchException() }
        return PythonObject(owning: result)
    }

    /// Takes the pending exception out of the interpreter (never `PyErr_Print`: it exits on SystemExit).
    static func fetchException() -> PythonException {
        var type: UnsafeMutablePointer<PyObject>?
        var value: UnsafeMutablePointer<PyObject>?
        var traceback: UnsafeMutablePointer<PyObject>?
        PyErr_Fetch(&type, &value, &traceback)
        PyErr_NormalizeException(&type, &value, &traceback)
        defer {
            Py_DecRef(type)
            Py_DecRef(value)
            Py_DecRef(traceback)
        }
        guard let value else {
            return PythonException(typeName: "SystemError", message: "a C call failed without setting an exception")
        }
        let isDeadline = PyErr_GivenExceptionMatches(value, pylambda_deadline_exception()) != 0
        let typeName = String(cString: pylambda_type_name(value))
        var message = "<exception str() failed>"
        if let text = PyObject_Str(value) {
            message = PythonObject(owning: text).string ?? message
        } else {
            PyErr_Clear()
        }
        return PythonException(typeName: typeName, message: message, isDeadlineExceeded: isDeadline)
    }
}

@available(*, unavailable, message: "the GIL belongs to the interpreter thread")
extension Python: Sendable {}
