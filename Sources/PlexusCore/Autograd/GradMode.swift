/// Whether operator calls on this thread record the autograd graph. Recording is on unless
/// inside a no-grad scope (`withoutGradients` or `plx_no_grad_begin`/`end`); scopes nest.
public enum GradMode {
    /// True when ops called on this thread record gradients.
    public static var isEnabled: Bool { ThreadContext.current.noGradDepth == 0 }

    /// Enters a no-grad scope on this thread (pair with `end`).
    public static func begin() { ThreadContext.current.noGradDepth += 1 }

    /// Leaves a no-grad scope; throws when none is open.
    public static func end() throws {
        let context = ThreadContext.current
        guard context.noGradDepth > 0 else { throw PlexusError.invalid("no-grad scope ended without a matching begin") }
        context.noGradDepth -= 1
    }
}

/// Runs `body` with gradient recording off on this thread (PyTorch's `torch.no_grad()`).
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    GradMode.begin()
    defer { try? GradMode.end() }
    return try body()
}
