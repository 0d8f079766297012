/// The type of an operator attribute. Raw values equal ONNX `AttributeProto.AttributeType`
/// and the `PLX_ATTR_*` constants of the plugin ABI.
public enum AttributeType: Int32, Sendable, CustomStringConvertible {
    case float = 1
    case int = 2
    case string = 3
    case tensor = 4
    case floats = 6
    case ints = 7
    case strings = 8

    public var description: String {
        switch self {
        case .float: return "float"
        case .int: return "int"
        case .string: return "string"
        case .tensor: return "tensor"
        case .floats: return "floats"
        case .ints: return "ints"
        case .strings: return "strings"
        }
    }
}
