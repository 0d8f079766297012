import Foundation
import PlexusABI
import PlexusCore

/// One single-operator test case from `Resources/*.json` (written by the Tests/goldens scripts):
/// inputs, attributes and the reference outputs.
struct GoldenCase {
    var name: String
    var op: String
    var domain: String
    var attributes: Attributes
    var inputs: [Tensor?]
    var outputs: [Tensor]
    var rtol: Double
    var atol: Double

    /// Reads every case of a golden file beside this source file.
    static func load(_ file: String) throws -> [GoldenCase] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/\(file)")
        let root = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        return try root.cases.map(GoldenCase.init)
    }

    init(_ json: Case) throws {
        name = json.name
        op = json.op
        domain = json.domain ?? ""
        attributes = Attributes()
        for (key, raw) in json.attributes ?? [:] { attributes[key] = try raw.attributeValue() }
        inputs = try json.inputs.map { try $0?.tensor() }
        outputs = try json.outputs.map { try $0.tensor() }
        rtol = json.rtol ?? 1e-5
        atol = json.atol ?? 1e-6
    }

    // The JSON layout (see Tests/goldens/README.md).
    struct File: Decodable { var cases: [Case] }

    struct Case: Decodable {
        var name: String, op: String, domain: String?
        var attributes: [String: JSONAttribute]?
        var inputs: [JSONTensor?], outputs: [JSONTensor]
        var rtol: Double?, atol: Double?
    }

    /// A number, or "nan"/"inf"/"-inf", or a string element.
    enum Scalar: Decodable {
        case number(Double)
        case text(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Double.self) { self = .number(value) } else { self = .text(try container.decode(String.self)) }
        }

        var double: Double {
            switch self {
            case .number(let value): return value
            case .text("nan"): return .nan
            case .text("inf"): return .infinity
            case .text("-inf"): return -.infinity
            case .text(let other): fatalError("not a number: \(other)")
            }
        }

        var text: String {
            if case .text(let value) = self { return value }
            fatalError("not a string")
        }
    }

    struct JSONTensor: Decodable {
        var dtype: Int32, shape: [Int], data: [Scalar]

        func tensor() throws -> Tensor {
            if dtype == DType.string.rawValue { return try Tensor(strings: data.map(\.text), shape: shape) }
            let numbers = data.map(\.double)
            switch DType(rawValue: dtype)! {
            case .string: fatalError("handled above")
            case .float32: return try Tensor(numbers.map { Float($0) }, shape: shape)
            case .float64: return try Tensor(numbers, shape: shape)
            case .float16: return try Tensor(numbers.map { Float16($0) }, shape: shape)
            case .bfloat16: return try Tensor(numbers.map { BFloat16(Float($0)) }, shape: shape)
            case .bool: return try Tensor(numbers.map { $0 != 0 }, shape: shape)
            case .int8: return try Tensor(numbers.map { Int8($0) }, shape: shape)
            case .int16: return try Tensor(numbers.map { Int16($0) }, shape: shape)
            case .int32: return try Tensor(numbers.map { Int32($0) }, shape: shape)
            case .int64: return try Tensor(numbers.map { Int64($0) }, shape: shape)
            case .uint8: return try Tensor(numbers.map { UInt8($0) }, shape: shape)
            case .uint16: return try Tensor(numbers.map { UInt16($0) }, shape: shape)
            case .uint32: return try Tensor(numbers.map { UInt32($0) }, shape: shape)
            case .uint64: return try Tensor(numbers.map { UInt64($0) }, shape: shape)
            default: throw PlexusError(.unsupported, "the goldens hold no \(DType(rawValue: dtype)!) tensors")
            }
        }
    }

    struct JSONAttribute: Decodable {
        var type: String
        var value: AttributeJSON

        func attributeValue() throws -> AttributeValue {
            switch (type, value) {
            case ("int", .scalar(let v)): return .int(Int64(v.double))
            case ("float", .scalar(let v)): return .float(v.double)
            case ("string", .scalar(let v)): return .string(v.text)
            case ("ints", .list(let v)): return .ints(v.map { Int64($0.double) })
            case ("floats", .list(let v)): return .floats(v.map(\.double))
            case ("strings", .list(let v)): return .strings(v.map(\.text))
            case ("tensor", .tensor(let v)): return .tensor(try v.tensor())
            default: fatalError("bad attribute of type \(type)")
            }
        }
    }

    enum AttributeJSON: Decodable {
        case scalar(Scalar), list([Scalar]), tensor(JSONTensor)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let tensor = try? container.decode(JSONTensor.self) { self = .tensor(tensor) }
            else if let list = try? container.decode([Scalar].self) { self = .list(list) }
            else { self = .scalar(try container.decode(Scalar.self)) }
        }
    }
}
