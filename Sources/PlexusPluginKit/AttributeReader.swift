import CPlexus

/// Reads the attributes given to a kernel or to shape inference (defaults already filled in).
public struct AttributeReader {
    /// The host's attribute handle.
    public let handle: OpaquePointer?

    /// Wraps the host's attribute handle.
    public init(handle: OpaquePointer?) { self.handle = handle }

    private func read<T>(_ name: String, _ body: (UnsafeMutablePointer<T>) -> Int32, empty: T) throws -> T? {
        var value = empty
        let status = body(&value)
        if status == StatusCode.notFound.rawValue { return nil }
        guard status == 0 else { throw PlexusError.invalid("attribute '\(name)' has the wrong type") }
        return value
    }

    /// An integer attribute, or nil when absent.
    public func int(_ name: String) throws -> Int? {
        try read(name, { Host.api.pointee.attrs_get_int(handle, name, $0) }, empty: Int64(0)).map(Int.init)
    }

    /// A boolean attribute stored as an ONNX int (keepdims, sorted, ...): `default` when absent.
    /// Only 0 and 1 are accepted: other values mean different things to different runtimes
    /// (onnxruntime reads some as true, some as errors), so they are refused, not guessed.
    public func flag(_ name: String, default value: Bool, op: String) throws -> Bool {
        guard let number = try int(name) else { return value }
        guard number == 0 || number == 1 else {
            throw PlexusError.invalid("\(op): attribute '\(name)' must be 0 or 1, got \(number)")
        }
        return number == 1
    }

    /// A float attribute, or nil when absent.
    public func float(_ name: String) throws -> Double? {
        try read(name, { Host.api.pointee.attrs_get_float(handle, name, $0) }, empty: 0.0)
    }

    /// An integer-list attribute, or nil when absent.
    public func ints(_ name: String) throws -> [Int]? {
        var count = 0
        let pointer: UnsafePointer<Int64>?? = try read(name, { Host.api.pointee.attrs_get_ints(handle, name, $0, &count) }, empty: nil)
        guard let pointer else { return nil }
        return (0..<count).map { Int(pointer![$0]) }
    }

    /// A float-list attribute, or nil when absent.
    public func floats(_ name: String) throws -> [Double]? {
        var count = 0
        let pointer: UnsafePointer<Double>?? = try read(name, { Host.api.pointee.attrs_get_floats(handle, name, $0, &count) }, empty: nil)
        guard let pointer else { return nil }
        return (0..<count).map { pointer![$0] }
    }

    /// A string attribute, or nil when absent.
    public func string(_ name: String) throws -> String? {
        let pointer: UnsafePointer<CChar>?? = try read(name, { Host.api.pointee.attrs_get_string(handle, name, $0) }, empty: nil)
        guard let pointer else { return nil }
        return pointer.map { String(cString: $0) }
    }

    /// A string-list attribute, or nil when absent.
    public func strings(_ name: String) throws -> [String]? {
        var values: UnsafePointer<UnsafePointer<CChar>?>?
        var count = 0
        let status = Host.api.pointee.attrs_get_strings(handle, name, &values, &count)
        if status == StatusCode.notFound.rawValue { return nil }
        guard status == 0 else { throw PlexusError.invalid("attribute '\(name)' has the wrong type") }
        return (0..<count).map { values![$0].map { String(cString: $0) } ?? "" }
    }

    /// A tensor attribute (borrowed), or nil when absent.
    public func tensor(_ name: String) throws -> KernelTensor? {
        let pointer: OpaquePointer?? = try read(name, { Host.api.pointee.attrs_get_tensor(handle, name, $0) }, empty: nil)
        guard let pointer, let pointer else { return nil }
        return KernelTensor(handle: pointer)
    }
}
