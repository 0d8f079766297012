#if canImport(Glibc)
import Glibc
#endif
import CPlexusCPUKernels
import PlexusPluginKit

/// A function applied to each element of any numeric dtype.
protocol NumberMap {
    func apply<T: CPUNumber>(_ x: T) -> T
}

/// A function applied to each element of a floating-point dtype.
protocol FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T
    /// A hand-vectorised float32 loop over (input, output, count) to run instead of `apply`, if any.
    var float32Loop: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { get }
}

extension FloatMap {
    var float32Loop: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { nil }
}

/// Elementwise maps, parallel over large tensors.
enum Maps {
    static let grain = 16_384

    @inline(__always)
    static func map<A, R>(_ input: UnsafePointer<A>, _ output: UnsafeMutablePointer<R>, _ count: Int, _ f: (A) -> R) {
        Host.parallelFor(count, grain: grain) { range in
            for index in range { output[index] = f(input[index]) }
        }
    }

    // The bodies loop over the map value itself, not over a closure wrapping it: inside the
    // specialised body `map.apply` is a direct call the loop can inline and vectorise, where a
    // captured closure would cost an indirect call per element.
    struct NumberBody<M: NumberMap>: NumericBody {
        let map: M, input: KernelTensor, output: KernelTensor
        func run<T: CPUNumber>(_ type: T.Type) throws {
            let source = UnsafePointer(input.pointer(as: T.self)), target = output.pointer(as: T.self), map = self.map
            Host.parallelFor(input.count, grain: Maps.grain) { range in
                for index in range { target[index] = map.apply(source[index]) }
            }
        }
    }

    struct FloatBodyOf<M: FloatMap>: FloatBody {
        let map: M, input: KernelTensor, output: KernelTensor
        func run<T: CPUFloat>(_ type: T.Type) throws {
            if T.self == Float.self, let loop = map.float32Loop {
                let source = UnsafePointer(input.pointer(as: Float.self)), target = output.pointer(as: Float.self)
                Host.parallelFor(input.count, grain: Maps.grain) { range in
                    loop(source + range.lowerBound, target + range.lowerBound, range.count)
                }
                return
            }
            let source = UnsafePointer(input.pointer(as: T.self)), target = output.pointer(as: T.self), map = self.map
            Host.parallelFor(input.count, grain: Maps.grain) { range in
                for index in range { target[index] = map.apply(source[index]) }
            }
        }
    }

    /// Computes a float map for input 0 into a new output 0 (half precision through float32).
    static func computeFloat<M: FloatMap>(_ context: KernelContext, _ map: M) throws {
        let input = try context.input(0)
        let output = try context.output(0, input.dtype, input.shape)
        if HalfPrecision.isHalf(input.dtype) {
            let widened = HalfPrecision.widened(input)
            let result = widened.map { map.apply($0) }
            result.withUnsafeBufferPointer { HalfPrecision.store($0, into: output) }
        } else {
            try TypeDispatch.float(input.dtype, op: context.op, FloatBodyOf(map: map, input: input, output: output))
        }
    }

    /// Computes a numeric map for input 0 into a new output 0 (half precision through float32).
    static func computeNumber<M: NumberMap>(_ context: KernelContext, _ map: M) throws {
        let input = try context.input(0)
        let output = try context.output(0, input.dtype, input.shape)
        if HalfPrecision.isHalf(input.dtype) {
            let result = HalfPrecision.widened(input).map { map.apply($0) }
            result.withUnsafeBufferPointer { HalfPrecision.store($0, into: output) }
        } else {
            try TypeDispatch.numeric(input.dtype, op: context.op, NumberBody(map: map, input: input, output: output))
        }
    }

    /// A unary float op definition.
    static func float<M: FloatMap>(_ name: String, since: Int, _ map: M, doc: String) -> OpDefinition {
        OpDefinition(name, since: since, inputs: 1...1, doc: doc, supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                     infer: Inference.sameAsInput(), compute: { try computeFloat($0, map) })
    }
}

struct Negate: NumberMap { func apply<T: CPUNumber>(_ x: T) -> T { T.sub(T.zero, x) } }
struct Absolute: NumberMap { func apply<T: CPUNumber>(_ x: T) -> T { x < T.zero ? T.sub(T.zero, x) : x } }
struct Signum: NumberMap {
    func apply<T: CPUNumber>(_ x: T) -> T { x > T.zero ? T.one : (x < T.zero ? T.sub(T.zero, T.one) : (x.isNaNValue ? x : T.zero)) }
}
struct Rectify: NumberMap { func apply<T: CPUNumber>(_ x: T) -> T { x < T.zero ? T.zero : x } }

struct Exponential: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T { T.exp(x) }
    /// Sixteen or eight lanes at a time, within 1.02 ulp (libm's expf is a call per element).
    var float32Loop: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { plx_cpu_exp($0, $1, $2) } }
}
struct Logarithm: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { T.log(x) } }
struct SquareRoot: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { x.squareRoot() } }
struct Reciprocal: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { 1 / x } }
struct RoundDown: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { x.rounded(.down) } }
struct RoundUp: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { x.rounded(.up) } }
struct RoundEven: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { x.rounded(.toNearestOrEven) } }
struct Sine: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { T.sin(x) } }
struct Cosine: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { T.cos(x) } }
struct Tangent: FloatMap { func apply<T: CPUFloat>(_ x: T) -> T { T.tan(x) } }
struct HyperbolicTangent: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T { T.tanh(x) }
    /// Sixteen or eight lanes at a time, within 1.5 ulp (libm's tanhf is a call per element).
    var float32Loop: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { plx_cpu_tanh($0, $1, $2) } }
}
struct ErrorFunction: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T { T.erf(x) }
    /// The same approximation as Float.erf, sixteen or eight lanes at a time (the Swift loop does
    /// not vectorise: its NaN-keeping clamps compile to branches).
    var float32Loop: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { plx_cpu_erf($0, $1, $2) } }
}
struct Logistic: FloatMap {
    func apply<T: CPUFloat>(_ x: T) -> T {
        if x >= 0 { return 1 / (1 + T.exp(-x)) }
        let e = T.exp(x)
        return e / (1 + e)
    }
    /// Sixteen or eight lanes at a time, within 2.5 ulp (two libm calls per element otherwise).
    var float32Loop: ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? { { plx_cpu_sigmoid($0, $1, $2) } }
}

/// Neg … Erf, IsNaN, IsInf: one-input elementwise operators. The maps read element i before
/// writing element i (the vector loops of plexus_cpu_kernels.h take y == x; half precision goes
/// through a widened copy), so those on the session's list may write into their input's memory
/// (`inPlace(0)`).
enum ElementwiseUnary: OperatorFamily {
    static var definitions: [OpDefinition] {
        let signedNumeric = DTypes.floats.union(DTypes.signedIntegers).union(DTypes.halfs)
        let allNumeric = DTypes.numeric.union(DTypes.halfs)
        return [
            OpDefinition("Neg", since: 13, inputs: 1...1, doc: "-x", supports: DTypes.first(signedNumeric),
                         infer: Inference.sameAsInput(), compute: { try Maps.computeNumber($0, Negate()) }).inPlace(0),
            OpDefinition("Abs", since: 13, inputs: 1...1, doc: "|x|", supports: DTypes.first(allNumeric),
                         infer: Inference.sameAsInput(), compute: { try Maps.computeNumber($0, Absolute()) }).inPlace(0),
            OpDefinition("Sign", since: 13, inputs: 1...1, doc: "-1, 0 or 1", supports: DTypes.first(allNumeric),
                         infer: Inference.sameAsInput(), compute: { try Maps.computeNumber($0, Signum()) }),
            OpDefinition("Relu", since: 14, inputs: 1...1, doc: "max(x, 0)", supports: DTypes.first(signedNumeric),
                         infer: Inference.sameAsInput(), compute: { try Maps.computeNumber($0, Rectify()) }).inPlace(0),
            Maps.float("Exp", since: 13, Exponential(), doc: "e^x").inPlace(0),
            Maps.float("Log", since: 13, Logarithm(), doc: "natural logarithm").inPlace(0),
            Maps.float("Sqrt", since: 13, SquareRoot(), doc: "square root").inPlace(0),
            Maps.float("Reciprocal", since: 13, Reciprocal(), doc: "1/x").inPlace(0),
            Maps.float("Floor", since: 13, RoundDown(), doc: "round toward -inf").inPlace(0),
            Maps.float("Ceil", since: 13, RoundUp(), doc: "round toward +inf").inPlace(0),
            Maps.float("Round", since: 11, RoundEven(), doc: "round half to even").inPlace(0),
            Maps.float("Sin", since: 7, Sine(), doc: "sine").inPlace(0),
            Maps.float("Cos", since: 7, Cosine(), doc: "cosine").inPlace(0),
            Maps.float("Tan", since: 7, Tangent(), doc: "tangent"),
            Maps.float("Tanh", since: 13, HyperbolicTangent(), doc: "hyperbolic tangent").inPlace(0),
            Maps.float("Sigmoid", since: 13, Logistic(), doc: "1/(1+e^-x)").inPlace(0),
            Maps.float("Erf", since: 13, ErrorFunction(), doc: "error function").inPlace(0),
            OpDefinition("IsNaN", since: 20, inputs: 1...1, doc: "x is NaN", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                         infer: Inference.sameAsInput(.bool), compute: { try predicate($0) { $0.isNaN } }),
            OpDefinition("IsInf", since: 20, inputs: 1...1,
                         attributes: [AttributeDeclaration("detect_negative", .int, default: .int(1)),
                                      AttributeDeclaration("detect_positive", .int, default: .int(1))],
                         doc: "x is an infinity of a detected sign", supports: DTypes.first(DTypes.floats.union(DTypes.halfs)),
                         infer: Inference.sameAsInput(.bool), compute: { context in
                             let negative = try context.attributes.int("detect_negative") != 0
                             let positive = try context.attributes.int("detect_positive") != 0
                             try predicate(context) { $0.isInfinite && ($0 < 0 ? negative : positive) }
                         }),
        ]
    }

    /// Writes `test(x)` for each element (widened to Double) into a bool output.
    static func predicate(_ context: KernelContext, _ test: @escaping (Double) -> Bool) throws {
        let input = try context.input(0)
        let output = try context.output(0, .bool, input.shape)
        let target = output.pointer(as: Bool.self)
        switch input.dtype {
        case .float32: Maps.map(UnsafePointer(input.pointer(as: Float.self)), target, input.count) { test(Double($0)) }
        case .float64: Maps.map(UnsafePointer(input.pointer(as: Double.self)), target, input.count, test)
        default:
            let widened = HalfPrecision.widened(input)
            for index in 0..<input.count { target[index] = test(Double(widened[index])) }
        }
    }
}
