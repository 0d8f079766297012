import PlexusABI
import PlexusCore
import XCTest

/// Loads the plugins once for the whole test process (discovery finds `plugins/` beside the
/// test bundle, which the build script arranges).
func loadPlugins() {
    PluginLoader.shared.discoverIfNeeded()
}

/// Asserts that `actual` and `expected` have the same dtype, shape and — within
/// `|a - e| <= atol + rtol·|e|`, NaN equal to NaN — the same values.
func assertClose(_ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-5, atol: Double = 1e-6,
                 _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line) {
    if let problem = closeness(actual, expected, rtol: rtol, atol: atol) {
        XCTFail("\(message()) \(problem)", file: file, line: line)
    }
}

/// Why `actual` is not close to `expected`, or nil when it is.
func closeness(_ actual: Tensor, _ expected: Tensor, rtol: Double, atol: Double) -> String? {
    guard actual.dtype == expected.dtype else { return "dtype \(actual.dtype) != \(expected.dtype)" }
    guard actual.shape == expected.shape else { return "shape \(actual.shape) != \(expected.shape)" }
    if actual.dtype == .string {
        let a = try! actual.strings(), e = try! expected.strings()
        return a == e ? nil : "strings \(a) != \(e)"
    }
    let a = values(actual), e = values(expected)
    for index in 0..<a.count {
        let x = a[index], y = e[index]
        if x.isNaN && y.isNaN { continue }
        if x == y { continue }
        if !(abs(x - y) <= atol + rtol * abs(y)) {
            return "element \(index): \(x) != \(y) (rtol \(rtol), atol \(atol))"
        }
    }
    return nil
}

/// The elements of a numeric/bool tensor as Doubles.
func values(_ tensor: Tensor) -> [Double] {
    let p = tensor.data
    func read<T>(_ type: T.Type, _ f: (T) -> Double) -> [Double] {
        let typed = p.assumingMemoryBound(to: T.self)
        return (0..<tensor.count).map { f(typed[$0]) }
    }
    switch tensor.dtype {
    case .float32: return read(Float.self) { Double($0) }
    case .float64: return read(Double.self) { $0 }
    case .float16: return read(Float16.self) { Double($0) }
    case .bfloat16: return read(BFloat16.self) { Double($0.floatValue) }
    case .int8: return read(Int8.self) { Double($0) }
    case .int16: return read(Int16.self) { Double($0) }
    case .int32: return read(Int32.self) { Double($0) }
    case .int64: return read(Int64.self) { Double($0) }
    case .uint8: return read(UInt8.self) { Double($0) }
    case .uint16: return read(UInt16.self) { Double($0) }
    case .uint32: return read(UInt32.self) { Double($0) }
    case .uint64: return read(UInt64.self) { Double($0) }
    case .bool: return read(UInt8.self) { Double($0) }
    case .string: return []
    default: return read(UInt8.self) { Double($0) }  // narrow types: their bit patterns
    }
}
