#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// C strings that live for the whole process, one per distinct value: what the C ABI returns
/// for names documented as "borrowed for the life of the process". Bounded by the number of
/// distinct plugin names, versions and paths.
final class InternedStrings: Sendable {
    static let shared = InternedStrings()
    private let table = Mutex<[String: UnsafeMutablePointer<CChar>]>([:])

    func intern(_ string: String) -> UnsafePointer<CChar> {
        table.withLock { table in
            if let existing = table[string] { return UnsafePointer(existing) }
            let copy = strdup(string)!
            table[string] = copy
            return UnsafePointer(copy)
        }
    }
}
