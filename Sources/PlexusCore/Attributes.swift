#if canImport(Glibc)
import Glibc
#endif
import PlexusABI

/// The value of one operator attribute (ONNX `AttributeProto`).
public enum AttributeValue: Sendable {
    case int(Int64)
    case float(Double)
    case ints([Int64])
    case floats([Double])
    case string(String)
    case strings([String])
    case tensor(Tensor)

    /// The attribute type of this value.
    public var type: AttributeType {
        switch self {
        case .int: return .int
        case .float: return .float
        case .ints: return .ints
        case .floats: return .floats
        case .string: return .string
        case .strings: return .strings
        case .tensor: return .tensor
        }
    }

    /// True when a value of this type may be given where `expected` is declared: an int is a
    /// valid float, and a single int (or float) a valid one-element list, as PyTorch lets
    /// `kernel_size=3` stand for (3, 3).
    public func isAccepted(as expected: AttributeType) -> Bool {
        switch (type, expected) {
        case (let given, let wanted) where given == wanted: return true
        case (.int, .float), (.ints, .floats), (.int, .ints), (.int, .floats), (.float, .floats): return true
        default: return false
        }
    }
}

/// A set of named attributes, as passed to an operator.
///
/// A reference type: it is the object behind a C `plx_attrs *`. Values are kept together with
/// C-readable copies made when set, so plugins can borrow pointers from it from any thread.
/// Do not modify a set while another thread reads it.
public final class Attributes: @unchecked Sendable, ExpressibleByDictionaryLiteral {
    /// One stored value and its C representation (immutable once made).
    final class Entry: @unchecked Sendable {
        let value: AttributeValue
        let cString: UnsafeMutablePointer<CChar>?
        let cInts: UnsafeMutableBufferPointer<Int64>
        let cFloats: UnsafeMutableBufferPointer<Double>
        let cStrings: UnsafeMutableBufferPointer<UnsafePointer<CChar>?>

        init(_ value: AttributeValue) {
            self.value = value
            var cString: UnsafeMutablePointer<CChar>?
            var ints: [Int64] = []
            var floats: [Double] = []
            var strings: [String] = []
            switch value {
            case .int(let v): ints = [v]; floats = [Double(v)]
            case .float(let v): floats = [v]
            case .ints(let v): ints = v; floats = v.map(Double.init)
            case .floats(let v): floats = v
            case .string(let v): cString = strdup(v)
            case .strings(let v): strings = v
            case .tensor: break
            }
            self.cString = cString
            cInts = .allocate(capacity: max(ints.count, 1))
            _ = cInts.initialize(from: ints)
            cFloats = .allocate(capacity: max(floats.count, 1))
            _ = cFloats.initialize(from: floats)
            cStrings = .allocate(capacity: max(strings.count, 1))
            for (index, string) in strings.enumerated() { cStrings[index] = UnsafePointer(strdup(string)) }
            intCount = ints.count
            floatCount = floats.count
            stringCount = strings.count
        }

        let intCount: Int
        let floatCount: Int
        let stringCount: Int

        deinit {
            free(cString)
            for index in 0..<stringCount { free(UnsafeMutablePointer(mutating: cStrings[index])) }
            cInts.deallocate()
            cFloats.deallocate()
            cStrings.deallocate()
        }
    }

    private(set) var entries: [String: Entry] = [:] {
        didSet { indexNames() }
    }
    /// The entries with their names as C strings, for the C getters: a kernel reads a few
    /// attributes per call, and comparing bytes beats making a String and hashing it. Rebuilt
    /// when the set changes (sets are written while built, then only read).
    private var cNames: [(name: UnsafeMutablePointer<CChar>, entry: Entry)] = []

    private func indexNames() {
        for (name, _) in cNames { free(name) }
        cNames = entries.map { (strdup($0.key)!, $0.value) }
    }

    deinit { for (name, _) in cNames { free(name) } }

    /// The entry named by the C string `name` (this set first, then its fallback).
    func entry(cName name: UnsafePointer<CChar>) -> Entry? {
        for (candidate, entry) in cNames where strcmp(candidate, name) == 0 { return entry }
        return fallback?.entry(cName: name)
    }
    /// Values used for names this set does not hold (the op's defaults); see `merged(over:)`.
    private var fallback: Attributes?

    /// An empty set.
    public init() {}

    /// A set holding the given values.
    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        for (name, value) in elements { self[name] = value }
    }

    /// The names present (including fallback ones), sorted.
    public var names: [String] { Set(entries.keys).union(fallback?.names ?? []).sorted() }

    /// True when the set is empty.
    public var isEmpty: Bool { entries.isEmpty && (fallback?.isEmpty ?? true) }

    /// Reads or replaces a value; assigning nil removes it (from this set, not its fallback).
    public subscript(name: String) -> AttributeValue? {
        get { entry(name)?.value }
        set { entries[name] = newValue.map(Entry.init) }
    }

    /// The number stored under `name` (an int or a float), or `fallback` when absent; an
    /// `invalidArgument` error naming `what` when it holds something else.
    public func number(_ name: String, default fallback: Double, what: String = "option") throws -> Double {
        switch self[name] {
        case nil: return fallback
        case .float(let value)?: return value
        case .int(let value)?: return Double(value)
        default: throw PlexusError.invalid("\(what) '\(name)' must be a number")
        }
    }

    func entry(_ name: String) -> Entry? { entries[name] ?? fallback?.entry(name) }

    /// A snapshot of this set: later changes to either do not show in the other (the values
    /// themselves are immutable and shared).
    public func copy() -> Attributes {
        let result = Attributes()
        result.entries = entries
        result.fallback = fallback
        return result
    }

    /// A new set with this set's values over `defaults` (values here win). Copies nothing: the
    /// result looks names up here first, then in `defaults`, so neither may change while it lives.
    public func merged(over defaults: Attributes) -> Attributes {
        let result = Attributes()
        result.entries = entries
        result.fallback = defaults
        return result
    }
}
