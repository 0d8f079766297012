#if canImport(Glibc)
import Glibc
#endif
import PlexusPluginKit

/// An elementwise function of a double, applied to float32 values by widening (exact to
/// float32 rounding) and to float64 directly.
struct WidenedMap: FloatMap {
    let function: @Sendable (Double) -> Double
    func apply<T: CPUFloat>(_ x: T) -> T { T(function(Double(x))) }
}

/// The inverse trigonometric functions (Acos, Asin, Atan) and the hyperbolic ones (Sinh,
/// Cosh, their inverses Asinh, Acosh, Atanh): NaN outside their domains, as in C.
enum ArcAndHyperbolic: OperatorFamily {
    /// The schemas and kernels of the eight functions.
    static var definitions: [OpDefinition] {
        let functions: [(String, @Sendable (Double) -> Double, String)] = [
            ("Acos", { Glibc.acos($0) }, "arccosine"), ("Asin", { Glibc.asin($0) }, "arcsine"), ("Atan", { Glibc.atan($0) }, "arctangent"),
            ("Sinh", { Glibc.sinh($0) }, "hyperbolic sine"), ("Cosh", { Glibc.cosh($0) }, "hyperbolic cosine"),
            ("Asinh", { Glibc.asinh($0) }, "inverse hyperbolic sine"), ("Acosh", { Glibc.acosh($0) }, "inverse hyperbolic cosine"),
            ("Atanh", { Glibc.atanh($0) }, "inverse hyperbolic tangent"),
        ]
        return functions.map { name, function, doc in Maps.float(name, since: 22, WidenedMap(function: function), doc: doc) }
    }
}
