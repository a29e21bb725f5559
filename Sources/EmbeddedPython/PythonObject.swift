import CPython
import CPythonShim

/// An owned (strong) reference to a Python object.
///
/// Noncopyable, so that every reference is released exactly once, where it goes out of scope, with no
/// allocation of its own; and not `Sendable`, so that it never leaves the interpreter thread, the one
/// thread that may touch a reference count. Make and use it only with a `Python` token at hand.
public struct PythonObject: ~Copyable {
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
        Py_DecRef(pointer)
    }
}

@available(*, unavailable, message: "Python objects belong to the interpreter thread")
extension PythonObject: Sendable {}

extension PythonObject {
    /// The type name, e.g. `dict`.
    public var typeName: String { String(cString: pylambda_type_name(pointer)) }

    public func attribute(_ name: String) throws(PythonException) -> PythonObject {
        try Python.check(PyObject_GetAttrString(pointer, name))
    }

    @discardableResult
    public func call() throws(PythonException) -> PythonObject {
        try Python.check(pylambda_call(pointer, nil, 0))
    }

    @discardableResult
    public func call(_ first: borrowing PythonObject) throws(PythonException) -> PythonObject {
        let argument: UnsafeMutablePointer<PyObject>? = first.pointer
        return try Python.check(withUnsafePointer(to: argument) { pylambda_call(pointer, $0, 1) })
    }

    @discardableResult
    public func call(_ first: borrowing PythonObject, _ second: borrowing PythonObject) throws(PythonException) -> PythonObject {
        let arguments = (first.pointer, second.pointer)
        return try Python.check(call(arguments, count: 2))
    }

    /// Calls with four positional arguments: the shape of the runner's per-request call.
    @discardableResult
    public func call(
        _ first: borrowing PythonObject,
        _ second: borrowing PythonObject,
        _ third: borrowing PythonObject,
        _ fourth: borrowing PythonObject
    ) throws(PythonException) -> PythonObject {
        let arguments = (first.pointer, second.pointer, third.pointer, fourth.pointer)
        return try Python.check(call(arguments, count: 4))
    }

    /// Vectorcall over a homogeneous tuple of object pointers (laid out like a C array).
    private func call<Arguments>(_ arguments: Arguments, count: Int) -> UnsafeMutablePointer<PyObject>? {
        withUnsafeBytes(of: arguments) { raw in
            raw.withMemoryRebound(to: UnsafeMutablePointer<PyObject>?.self) { pointers in
                pylambda_call(pointer, pointers.baseAddress, count)
            }
        }
    }

    /// Whether this is a `tuple`, and its length.
    public var tupleCount: Int? {
        pylambda_is_tuple(pointer) != 0 ? PyTuple_Size(pointer) : nil
    }

    /// Item `index` of a tuple (check `tupleCount` first).
    public func tupleItem(_ index: Int) -> PythonObject {
        PythonObject(borrowing: PyTuple_GetItem(pointer, index))
    }

    /// A `list` of `str` as Swift strings.
    public var stringList: [String]? {
        guard pylambda_is_list(pointer) != 0 else { return nil }
        return (0..<PyList_Size(pointer)).compactMap { PythonObject(borrowing: PyList_GetItem(pointer, $0)).string }
    }

    /// Whether this is exactly a `str` (not a subclass).
    public var isExactString: Bool { pylambda_is_exact_unicode(pointer) != 0 }

    /// The UTF-8 text of a `str`, or nil if it is not one (or holds lone surrogates).
    public var string: String? {
        withUTF8 { String(decoding: $0, as: UTF8.self) }
    }

    /// Lends the UTF-8 bytes of a `str` without copying them: CPython keeps an ASCII string's bytes as
    /// they are, and caches the UTF-8 form of any other. Nil if it is not a `str`, or if it holds lone
    /// surrogates (which have no UTF-8 form).
    public func withUTF8<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T? {
        guard pylambda_is_unicode(pointer) != 0 else { return nil }
        var size = 0
        guard let utf8 = PyUnicode_AsUTF8AndSize(pointer, &size) else {
            PyErr_Clear()
            return nil
        }
        return try body(UnsafeRawBufferPointer(start: utf8, count: size))
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

    /// UTF-8 of a `str` in which lone surrogates become `\udXXX` escapes: inside a JSON string (the
    /// only place a JSON encoder leaves them) that is the JSON escape of the same code unit.
    public func utf8EscapingSurrogates() throws(PythonException) -> PythonObject {
        try Python.check(PyUnicode_AsEncodedString(pointer, "utf-8", "backslashreplace"))
    }
}
