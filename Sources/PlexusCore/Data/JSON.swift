/// A small JSON reader and writer for file headers (safetensors). Foundation is kept out of
/// the core, so this covers what headers need: objects, arrays, strings, numbers, booleans, null.
///
/// Parsing untrusted text is bounded: nesting deeper than `maxDepth` is an error (the parser
/// recurses once per level), and an object that repeats a key is refused rather than resolved
/// one way or another (readers disagree on first-wins versus last-wins).
public indirect enum JSON: Equatable, Sendable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    public static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.serialized == rhs.serialized }

    /// The value for `key` of an object.
    public subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    /// Compact text.
    public var serialized: String {
        switch self {
        case .object(let members): return "{" + members.map { "\(JSON.quote($0.0)):\($0.1.serialized)" }.joined(separator: ",") + "}"
        case .array(let items): return "[" + items.map(\.serialized).joined(separator: ",") + "]"
        case .string(let text): return JSON.quote(text)
        case .number(let value): return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }

    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// Parses JSON text.
    public static func parse(_ text: String) throws -> JSON {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipSpace()
        guard parser.position == parser.scalars.count else { throw parser.error("trailing characters") }
        return value
    }

    /// The deepest nesting of arrays and objects `parse` accepts.
    public static let maxDepth = 100

    struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0
        var depth = 0

        func error(_ message: String) -> PlexusError { PlexusError.invalid("invalid JSON at \(position): \(message)") }

        mutating func skipSpace() {
            while position < scalars.count, " \n\r\t".unicodeScalars.contains(scalars[position]) { position += 1 }
        }

        mutating func expect(_ literal: String) throws {
            for scalar in literal.unicodeScalars {
                guard position < scalars.count, scalars[position] == scalar else { throw error("expected \(literal)") }
                position += 1
            }
        }

        mutating func value() throws -> JSON {
            skipSpace()
            guard position < scalars.count else { throw error("unexpected end") }
            depth += 1
            defer { depth -= 1 }
            guard depth <= JSON.maxDepth else { throw error("nested deeper than \(JSON.maxDepth) levels") }
            switch scalars[position] {
            case "{":
                position += 1
                var members: [(String, JSON)] = []
                var keys = Set<String>()
                skipSpace()
                if position < scalars.count, scalars[position] == "}" { position += 1; return .object(members) }
                while true {
                    skipSpace()
                    let key = try string()
                    guard keys.insert(key).inserted else { throw error("the key \(JSON.quote(key)) appears more than once in an object") }
                    skipSpace()
                    try expect(":")
                    members.append((key, try value()))
                    skipSpace()
                    guard position < scalars.count else { throw error("unterminated object") }
                    if scalars[position] == "," { position += 1; continue }
                    try expect("}")
                    return .object(members)
                }
            case "[":
                position += 1
                var items: [JSON] = []
                skipSpace()
                if position < scalars.count, scalars[position] == "]" { position += 1; return .array(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard position < scalars.count else { throw error("unterminated array") }
                    if scalars[position] == "," { position += 1; continue }
                    try expect("]")
                    return .array(items)
                }
            case "\"": return .string(try string())
            case "t": try expect("true"); return .bool(true)
            case "f": try expect("false"); return .bool(false)
            case "n": try expect("null"); return .null
            default: return .number(try number())
            }
        }

        mutating func string() throws -> String {
            try expect("\"")
            var result = String.UnicodeScalarView()
            while position < scalars.count {
                let scalar = scalars[position]
                position += 1
                switch scalar {
                case "\"": return String(result)
                case "\\":
                    guard position < scalars.count else { throw error("unterminated escape") }
                    let escape = scalars[position]
                    position += 1
                    switch escape {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case "r": result.append("\r")
                    case "b": result.append("\u{8}")
                    case "f": result.append("\u{C}")
                    case "u":
                        guard position + 4 <= scalars.count,
                              let code = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + 4)])), radix: 16)
                        else { throw error("bad \\u escape") }
                        position += 4
                        result.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: result.append(escape)
                    }
                default: result.append(scalar)
                }
            }
            throw error("unterminated string")
        }

        mutating func number() throws -> Double {
            let start = position
            while position < scalars.count, "+-0123456789.eE".unicodeScalars.contains(scalars[position]) { position += 1 }
            guard let value = Double(String(String.UnicodeScalarView(scalars[start..<position]))) else { throw error("bad number") }
            return value
        }
    }
}
