/// How finely kernels split work across threads: each parallel chunk should touch at least
/// `elements` elements, since waking a thread for less costs more than it saves.
enum WorkGrain {
    /// Elements worth one parallel chunk.
    static let elements = 1 << 14

    /// Work items per chunk when each item touches `cost` elements.
    static func items(cost: Int) -> Int { max(1, elements / max(cost, 1)) }
}
