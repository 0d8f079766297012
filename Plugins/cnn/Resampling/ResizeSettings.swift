import PlexusPluginKit

/// How Resize maps output positions to input positions and interpolates: its attributes,
/// checked (antialiasing is not supported).
struct ResizeSettings {
    /// `mode`: how values between input positions are found.
    enum Mode: String { case nearest, linear, cubic }
    /// `coordinate_transformation_mode`: how output positions map to input coordinates.
    enum Coordinates: String {
        case halfPixel = "half_pixel", halfPixelSymmetric = "half_pixel_symmetric", pytorchHalfPixel = "pytorch_half_pixel"
        case alignCorners = "align_corners", asymmetric, tfCropAndResize = "tf_crop_and_resize"
    }
    /// `nearest_mode`: how nearest mode rounds a coordinate to a position.
    enum Rounding: String { case roundPreferFloor = "round_prefer_floor", roundPreferCeil = "round_prefer_ceil", floor, ceil }
    /// `keep_aspect_ratio_policy`: how `sizes` are reconciled with one common scale.
    enum AspectPolicy: String { case stretch, notLarger = "not_larger", notSmaller = "not_smaller" }

    var mode: Mode
    var coordinates: Coordinates
    var rounding: Rounding
    var cubicCoefficient = -0.75
    var excludeOutside = false
    var extrapolation = 0.0
    var policy = AspectPolicy.stretch
    /// The resized axes (`axes`), or nil for all.
    var axes: [Int]? = nil

    /// The attributes of Resize (opset 19).
    static var attributes: [AttributeDeclaration] { [
        AttributeDeclaration("antialias", .int, default: .int(0)), AttributeDeclaration("axes", .ints),
        AttributeDeclaration("coordinate_transformation_mode", .string, default: .string("half_pixel")),
        AttributeDeclaration("cubic_coeff_a", .float, default: .float(-0.75)), AttributeDeclaration("exclude_outside", .int, default: .int(0)),
        AttributeDeclaration("extrapolation_value", .float, default: .float(0)),
        AttributeDeclaration("keep_aspect_ratio_policy", .string, default: .string("stretch")),
        AttributeDeclaration("mode", .string, default: .string("nearest")),
        AttributeDeclaration("nearest_mode", .string, default: .string("round_prefer_floor")),
    ] }

    /// Explicit settings (Upsample's).
    init(mode: Mode, coordinates: Coordinates, rounding: Rounding) {
        self.mode = mode
        self.coordinates = coordinates
        self.rounding = rounding
    }

    /// Reads Resize's attributes.
    init(_ attributes: AttributeReader, op: String) throws {
        func choice<T: RawRepresentable<String>>(_ name: String, _ fallback: String) throws -> T {
            let text = try attributes.string(name) ?? fallback
            guard let value = T(rawValue: text) else { throw PlexusError.invalid("\(op): unknown \(name) '\(text)'") }
            return value
        }
        mode = try choice("mode", "nearest")
        coordinates = try choice("coordinate_transformation_mode", "half_pixel")
        rounding = try choice("nearest_mode", "round_prefer_floor")
        policy = try choice("keep_aspect_ratio_policy", "stretch")
        cubicCoefficient = try attributes.float("cubic_coeff_a") ?? -0.75
        excludeOutside = try attributes.int("exclude_outside") ?? 0 != 0
        extrapolation = try attributes.float("extrapolation_value") ?? 0
        axes = try attributes.ints("axes")
        guard try attributes.int("antialias") ?? 0 == 0 else { throw PlexusError(.unsupported, "\(op): antialias is not supported") }
    }
}
