import CPython
import CPythonShim

/// An owned (strong) reference to a Python object.
///
/// Create and use it only inside a `PythonInterpreter` job, where the GIL is held. It may be *stored*
/// beyond a job (say, a loaded function kept for the next call) and released anywhere: a release
/// outside the interpreter thread is handed to that thread instead of touching the refcount.
public final class PythonObject: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<PyObject>

    /// Takes ownership of a new reference.
    init(owning pointer: UnsafeMutablePointer<PyObject>) {
        self.pointer = pointer
    }

    /// Adds a reference to a borrowed one.
    init(borrowing pointer: UnsafeMutablePointer<PyObject>) {
        Py_IncRef(pointer)
        self.pointer = pointer
    }

    deinit {
        PythonInterpreter.shared.release(pointer)
    }
}

extension PythonObject {
    /// The type name, e.g. `dict`.
    public var typeName: String { String(cString: pylambda_type_name(pointer)) }

    public func attribute(_ name: String) throws(PythonException) -> PythonObject {
        try Python.check(PyObject_GetAttrString(pointer, name))
    }

    /// Calls the object with positional arguments.
    @discardableResult
    public func call(_ arguments: PythonObject...) throws(PythonException) -> PythonObject {
        try call(arguments)
    }

    @discardableResult
    public func call(_ arguments: [PythonObject]) throws(PythonException) -> PythonObject {
        let pointers: [UnsafeMutablePointer<PyObject>?] = arguments.map(\.pointer)
        let result = pointers.withUnsafeBufferPointer { buffer in
            pylambda_call(pointer, buffer.baseAddress, buffer.count)
        }
        withExtendedLifetime(arguments) {}
        return try Python.check(result)
    }

    /// The object as a tuple's items (`PyTuple`), or nil if it is not a tuple.
    public var tupleItems: [PythonObject]? {
        guard pylambda_is_tuple(pointer) != 0 else { return nil }
        return (0..<PyTuple_Size(pointer)).map { PythonObject(borrowing: PyTuple_GetItem(pointer, $0)) }
    }

    /// A `list` of `str` as Swift strings.
    public var stringList: [String]? {
        guard pylambda_is_list(pointer) != 0 else { return nil }
        return (0..<PyList_Size(pointer)).compactMap { PythonObject(borrowing: PyList_GetItem(pointer, $0)).string }
    }

    /// The UTF-8 text of a `str`, or nil if it is not one.
    public var string: String? {
        guard pylambda_is_unicode(pointer) != 0 else { return nil }
        var size = 0
        guard let utf8 = PyUnicode_AsUTF8AndSize(pointer, &size) else {
            PyErr_Clear()   // lone surrogates: no UTF-8 form
            return nil
        }
        return utf8.withMemoryRebound(to: UInt8.self, capacity: size) {
            String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self)
        }
    }

    /// Lends the bytes of a `bytes` object; nil if it is not one.
    public func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T? {
        guard pylambda_is_bytes(pointer) != 0 else { return nil }
        var data: UnsafeMutablePointer<CChar>?
        var size = 0
        guard PyBytes_AsStringAndSize(pointer, &data, &size) == 0 else {
            PyErr_Clear()
            return nil
        }
        return try body(UnsafeRawBufferPointer(start: data, count: size))
    }

    public var isTrue: Bool { PyObject_IsTrue(pointer) == 1 }
}
