#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on a terminal (redrawn in place), or one line per update otherwise.
struct ProgressBar {
    let total: Int
    let label: String
    let interactive = isatty(1) != 0

    func update(_ done: Int, _ detail: String) {
        let width = 24, filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        if interactive {
            print("\r\(label) [\(bar)] \(done)/\(total) \(detail)\u{1B}[K", terminator: "")
            fflush(nil)  // all output streams
        }
    }

    func finish(_ detail: String) {
        if interactive { print("\r\u{1B}[K", terminator: "") }
        print("\(label) \(detail)")
    }
}

/// `value` with `digits` decimals.
func formatted(_ value: Double, _ digits: Int = 1) -> String {
    let scale = pow(10, Double(digits))
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
    }
    return text
}
