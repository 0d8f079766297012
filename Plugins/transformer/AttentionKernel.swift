import PlexusPluginKit

/// The fused CPU kernel of Attention (run when no gradient is recorded): one pass per query
/// row — scores against every key, masks, softmax and the weighted sum of values — reading Q,
/// K and V in place in either layout. No scores tensor, transposed copy or repeated key/value
/// head is materialised (the decomposition makes about a dozen intermediate tensors, the
/// scores among them), keys a causal mask hides are skipped, and each thread needs scratch for
/// one row of scores. float16/bfloat16 are computed in float32.
enum AttentionKernel {
    /// Checks the inputs, allocates the outputs asked for and runs the row loop.
    static func compute(_ context: KernelContext) throws {
        let plan = try AttentionPlan(context.inputs, attributes: context.attributes)
        let q = try context.input(0), k = try context.input(1), v = try context.input(2)
        let mask = context.optionalInput(3), pastKey = context.optionalInput(4), pastValue = context.optionalInput(5)
        let outputs = try [plan.outputShape, plan.presentKeyShape, plan.presentValueShape, plan.scoresShape]
            .prefix(context.outputCount).enumerated().map { index, shape in try context.output(index, q.dtype, shape) }
        func output(_ index: Int) -> KernelTensor? { index < outputs.count ? outputs[index] : nil }
        guard HalfPrecision.isHalf(q.dtype) else {
            let body = Body(plan: plan, q: q.data, k: k.data, v: v.data, pastKey: pastKey?.data, pastValue: pastValue?.data,
                            mask: try mask.map { try MaskReader($0, plan: plan, data: $0.data) },
                            y: outputs[0].data, presentKey: output(1)?.data, presentValue: output(2)?.data, scores: output(3)?.data)
            return q.dtype == .float64 ? body.run(Double.self) : body.run(Float.self)
        }
        // Half precision: widen the floating-point inputs, run in float32, round the outputs back.
        var buffers: [UnsafeMutableBufferPointer<Float>] = []
        defer { buffers.forEach { $0.deallocate() } }
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
            buffers.append(buffer)
            return buffer
        }
        func widened(_ t: KernelTensor?) -> UnsafeRawPointer? {
            guard let t else { return nil }
            let target = buffer(t.count)
            _ = target.initialize(from: HalfPrecision.widened(t))
            return UnsafeRawPointer(target.baseAddress!)
        }
        let results = outputs.map { buffer($0.count) }
        func result(_ index: Int) -> UnsafeMutableRawPointer? { index < results.count ? UnsafeMutableRawPointer(results[index].baseAddress!) : nil }
        Body(plan: plan, q: widened(q)!, k: widened(k)!, v: widened(v)!, pastKey: widened(pastKey), pastValue: widened(pastValue),
             mask: try mask.map { try MaskReader($0, plan: plan, data: $0.dtype == .bool ? UnsafeRawPointer($0.data) : widened($0)!) },
             y: result(0)!, presentKey: result(1), presentValue: result(2), scores: result(3)).run(Float.self)
        for (output, result) in zip(outputs, results) {
            HalfPrecision.store(UnsafeBufferPointer(start: result.baseAddress, count: output.count), into: output)
        }
    }

    /// Element offsets of the rows (one head's vector at one position) of a Q/K/V-like tensor.
    struct RowLayout {
        let batchStride: Int, headStride: Int, rowStride: Int

        /// `[batch, length, heads·size]` (packed) or `[batch, heads, length, size]`.
        init(packed: Bool, heads: Int, length: Int, size: Int) {
            batchStride = heads * length * size
            (headStride, rowStride) = packed ? (size, heads * size) : (length * size, size)
        }

        /// The offset of the row of batch `b`, head `h`, position `i`.
        @inline(__always) func offset(_ b: Int, _ h: Int, _ i: Int) -> Int { b &* batchStride &+ h &* headStride &+ i &* rowStride }
    }

    /// Reads attn_mask broadcast to `[batch, qHeads, qLength, maskLength]`; keys at or beyond
    /// `length` are masked.
    struct MaskReader {
        let data: UnsafeRawPointer, isBool: Bool, length: Int
        let batchStride: Int, headStride: Int, rowStride: Int, keyStride: Int

        /// A reader of `mask` whose elements are at `data` (a float32 copy for half precision).
        init(_ mask: KernelTensor, plan: AttentionPlan, data: UnsafeRawPointer) throws {
            self.data = data
            isBool = mask.dtype == .bool
            length = mask.shape.last ?? 1
            let strides = try BroadcastStrides.strides(of: mask.shape, to: [plan.batch, plan.queryHeads, plan.queryLength, length],
                                                       what: "Attention: attn_mask")
            (batchStride, headStride, rowStride, keyStride) = (strides[0], strides[1], strides[2], strides[3])
        }

        /// The offset of row (b, h, i)'s first element.
        @inline(__always) func rowOffset(_ b: Int, _ h: Int, _ i: Int) -> Int {
            b &* batchStride &+ h &* headStride &+ i &* rowStride
        }
    }

    /// The row loop for one element type.
    struct Body {
        let plan: AttentionPlan
        let q: UnsafeRawPointer, k: UnsafeRawPointer, v: UnsafeRawPointer
        let pastKey: UnsafeRawPointer?, pastValue: UnsafeRawPointer?
        let mask: MaskReader?
        let y: UnsafeMutableRawPointer, presentKey: UnsafeMutableRawPointer?, presentValue: UnsafeMutableRawPointer?
        let scores: UnsafeMutableRawPointer?

        /// Fills the caches when needed, then computes every query row in parallel.
        func run<T: CPUFloat & SIMDScalar>(_ type: T.Type) {
            let plan = plan
            // Keys and values come straight from K and V, or from [past ; new] caches.
            var caches: [UnsafeMutablePointer<T>] = []
            defer { caches.forEach { $0.deallocate() } }
            func cache(_ output: UnsafeMutableRawPointer?, past: UnsafeRawPointer?, new: UnsafeRawPointer, size: Int) -> UnsafePointer<T> {
                let target = output?.assumingMemoryBound(to: T.self) ?? {
                    let buffer = UnsafeMutablePointer<T>.allocate(capacity: max(plan.batch * plan.keyValueHeads * plan.totalLength * size, 1))
                    caches.append(buffer)
                    return buffer
                }()
                concatenate(past: past?.assumingMemoryBound(to: T.self), new: new.assumingMemoryBound(to: T.self), size: size, into: target)
                return UnsafePointer(target)
            }
            let cached = pastKey != nil || presentKey != nil || presentValue != nil
            let keys = cached ? cache(presentKey, past: pastKey, new: k, size: plan.headSize) : k.assumingMemoryBound(to: T.self)
            let values = cached ? cache(presentValue, past: pastValue, new: v, size: plan.valueHeadSize) : v.assumingMemoryBound(to: T.self)
            let keyLength = cached ? plan.totalLength : plan.newLength, packedKeys = plan.isPacked && !cached
            let rows = Rows(
                plan: plan, query: q.assumingMemoryBound(to: T.self), keys: keys, values: values,
                queryLayout: RowLayout(packed: plan.isPacked, heads: plan.queryHeads, length: plan.queryLength, size: plan.headSize),
                keyLayout: RowLayout(packed: packedKeys, heads: plan.keyValueHeads, length: keyLength, size: plan.headSize),
                valueLayout: RowLayout(packed: packedKeys, heads: plan.keyValueHeads, length: keyLength, size: plan.valueHeadSize),
                outputLayout: RowLayout(packed: plan.isPacked, heads: plan.queryHeads, length: plan.queryLength, size: plan.valueHeadSize),
                mask: mask, output: y.assumingMemoryBound(to: T.self), scores: scores?.assumingMemoryBound(to: T.self))
            let work = max(plan.totalLength * (plan.headSize + plan.valueHeadSize), 1)
            Host.parallelFor(plan.batch * plan.queryHeads * plan.queryLength, grain: max(1, 32768 / work)) { range in
                let scratch = UnsafeMutablePointer<T>.allocate(capacity: max(plan.totalLength, 1))
                defer { scratch.deallocate() }
                for row in range { rows.compute(row, scratch: scratch) }
            }
        }

        /// Writes `[past ; new]` along the sequence into `target` (`[B, Hkv, total, size]`).
        func concatenate<T: CPUFloat>(past: UnsafePointer<T>?, new: UnsafePointer<T>, size: Int, into target: UnsafeMutablePointer<T>) {
            let newLayout = RowLayout(packed: plan.isPacked, heads: plan.keyValueHeads, length: plan.newLength, size: size)
            for b in 0..<plan.batch {
                for h in 0..<plan.keyValueHeads {
                    let head = target + ((b * plan.keyValueHeads + h) * plan.totalLength) * size
                    if let past {
                        head.update(from: past + ((b * plan.keyValueHeads + h) * plan.pastLength) * size, count: plan.pastLength * size)
                    }
                    for j in 0..<plan.newLength {
                        (head + (plan.pastLength + j) * size).update(from: new + newLayout.offset(b, h, j), count: size)
                    }
                }
            }
        }
    }

    /// Everything one query row needs; `compute` is safe to run for different rows at once.
    struct Rows<T: CPUFloat & SIMDScalar> {
        let plan: AttentionPlan
        let query: UnsafePointer<T>, keys: UnsafePointer<T>, values: UnsafePointer<T>
        let queryLayout: RowLayout, keyLayout: RowLayout, valueLayout: RowLayout, outputLayout: RowLayout
        let mask: MaskReader?
        let output: UnsafeMutablePointer<T>, scores: UnsafeMutablePointer<T>?

        /// Row `row` of the flattened `[batch, qHeads, qLength]`: scores into `scratch`, then
        /// softmax weights, then the output vector (zeros when every key is masked).
        @inline(__always) func compute(_ row: Int, scratch: UnsafeMutablePointer<T>) {
            let (queryLength, total, headSize, valueSize) = (plan.queryLength, plan.totalLength, plan.headSize, plan.valueHeadSize)
            let i = row % queryLength, h = (row / queryLength) % plan.queryHeads, b = row / (queryLength * plan.queryHeads)
            let kvHead = h / plan.groupSize
            let q = query + queryLayout.offset(b, h, i)
            let scale = T(double: plan.scale), softcap = T(double: plan.softcap), mode = plan.scoresOutputMode
            let capture = scores.map { $0 + row &* total }
            let maskRow = mask.map { $0.rowOffset(b, h, i) }
            let (lower, upper) = plan.hasStructuralMask ? plan.keyBounds(b, i) : (0, total &- 1)
            var maximum = -T.infinity, anyAllowed = false
            for j in 0..<total {
                var allowed = j >= lower && j <= upper, bias = T.zero
                if let mask, let maskRow {
                    if j >= mask.length {
                        allowed = false
                    } else if mask.isBool {
                        allowed = allowed && mask.data.assumingMemoryBound(to: Bool.self)[maskRow &+ j &* mask.keyStride]
                    } else {
                        bias = mask.data.assumingMemoryBound(to: T.self)[maskRow &+ j &* mask.keyStride]
                        if bias == -T.infinity { allowed = false }
                    }
                }
                var score = -T.infinity
                if allowed || (capture != nil && mode < 3) {
                    let raw = dot(q, keys + keyLayout.offset(b, kvHead, j), headSize) * scale
                    let capped = softcap > 0 ? softcap * T.tanh(raw / softcap) : raw
                    if allowed { score = capped + bias }
                    if let capture, mode < 3 { capture[j] = mode == 0 ? raw : mode == 1 ? capped : score }
                }
                scratch[j] = score
                if allowed {
                    anyAllowed = true
                    maximum = Swift.max(maximum, score)
                }
            }
            let out = output + outputLayout.offset(b, h, i)
            for d in 0..<valueSize { out[d] = T.zero }
            guard anyAllowed else {
                if let capture, mode == 3 { for j in 0..<total { capture[j] = T.zero } }
                return
            }
            var sum = T.zero
            if T.self == Float.self && maximum.isFinite {
                // float32: the Softmax op's exp and sum, so a fused layer and its exported graph agree bit for bit.
                let weights = UnsafeMutableRawPointer(scratch).assumingMemoryBound(to: Float.self)
                let shift = unsafeBitCast(maximum, to: Float.self)
                for j in 0..<total { weights[j] = FastMath.expOfNonPositive(weights[j] - shift) }
                sum = unsafeBitCast(FastMath.sum(UnsafePointer(weights), total), to: T.self)
            } else {
                for j in 0..<total {
                    let weight = scratch[j] == -T.infinity ? T.zero : T.exp(scratch[j] - maximum)
                    scratch[j] = weight
                    sum += weight
                }
            }
            let normaliser = 1 / sum
            for j in 0..<total {
                let weight = scratch[j] * normaliser
                if let capture, mode == 3 { capture[j] = weight }
                guard weight != T.zero else { continue }
                accumulate(out, weight, values + valueLayout.offset(b, kvHead, j), valueSize)
            }
        }

        /// Σ a[d]·b[d], eight lanes at a time.
        @inline(__always) func dot(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ count: Int) -> T {
            var (s0, s1) = (SIMD8<T>(), SIMD8<T>())
            var d = 0
            while d &+ 16 <= count {
                s0 += load(a + d) * load(b + d)
                s1 += load(a + (d &+ 8)) * load(b + (d &+ 8))
                d &+= 16
            }
            if d &+ 8 <= count {
                s0 += load(a + d) * load(b + d)
                d &+= 8
            }
            var sum = (s0 + s1).sum()
            while d < count {
                sum += a[d] * b[d]
                d &+= 1
            }
            return sum
        }

        /// target[d] += weight·source[d], eight lanes at a time.
        @inline(__always) func accumulate(_ target: UnsafeMutablePointer<T>, _ weight: T, _ source: UnsafePointer<T>, _ count: Int) {
            let w = SIMD8<T>(repeating: weight)
            var d = 0
            while d &+ 8 <= count {
                UnsafeMutableRawPointer(target + d).storeBytes(of: load(target + d) + w * load(source + d), as: SIMD8<T>.self)
                d &+= 8
            }
            while d < count {
                target[d] += weight * source[d]
                d &+= 1
            }
        }

        /// Eight elements from `p` on.
        @inline(__always) func load(_ p: UnsafePointer<T>) -> SIMD8<T> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self) }
    }
}
