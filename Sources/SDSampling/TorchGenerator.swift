import Foundation

/// A bit-exact port of PyTorch's CPU random generator, `torch.Generator("cpu").manual_seed(seed)`.
///
/// Same seed, same calls, same numbers as PyTorch: initial latents and the noise that ancestral
/// and SDE samplers draw reproduce a diffusers run with `generator=torch.Generator("cpu")`.
/// Calls consume the stream in PyTorch's order, including the cached second Box-Muller value
/// that small (< 16 element) `randn` calls leave behind in the generator.
public struct TorchGenerator: Sendable {
    /// The seed as given; PyTorch's engine only uses its low 32 bits.
    public let seed: UInt64
    private var engine: MersenneTwister
    private var cachedNormal: Double?

    public init(seed: UInt64) {
        self.seed = seed
        engine = MersenneTwister(seed: seed)
        cachedNormal = nil
    }

    /// `CPUGeneratorImpl::random()`: 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        engine.nextUInt32()
    }

    /// `CPUGeneratorImpl::random64()`: two draws, the first one in the high half.
    public mutating func nextUInt64() -> UInt64 {
        let high = UInt64(engine.nextUInt32())
        let low = UInt64(engine.nextUInt32())
        return (high << 32) | low
    }

    /// A float uniform in [0, 1) from 24 random bits, as `uniform_real_distribution<float>`.
    private mutating func nextUniformFloat() -> Float {
        Float(nextUInt32() & 0x00ff_ffff) * (1.0 / 16_777_216.0)
    }

    /// A double uniform in [0, 1) from 53 random bits, as `uniform_real_distribution<double>`.
    private mutating func nextUniformDouble() -> Double {
        Double(nextUInt64() & 0x001f_ffff_ffff_ffff) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `torch.rand(count, generator=g)` in float32. A negative count draws nothing.
    public mutating func rand(_ count: Int) -> [Float] {
        (0..<max(count, 0)).map { _ in nextUniformFloat() }
    }

    /// `torch.randn(shape, generator=g)` in float32 for a contiguous shape with `count` elements.
    /// A negative count draws nothing.
    public mutating func randn(_ count: Int) -> [Float] {
        guard count >= 16 else {
            return (0..<max(count, 0)).map { _ in Float(nextScalarNormal()) }
        }
        var data = (0..<count).map { _ in nextUniformFloat() }
        var start = 0
        while start + 16 <= count {
            Self.boxMuller16(&data, at: start)
            start += 16
        }
        if count % 16 != 0 {
            // PyTorch redraws the last 16 values, overwriting part of the previous block.
            let tail = count - 16
            for i in tail..<count { data[i] = nextUniformFloat() }
            Self.boxMuller16(&data, at: tail)
        }
        return data
    }

    /// `normal_fill_16_AVX2`: 8 uniform pairs (i, i + 8) to 8 normal pairs, in place.
    private static func boxMuller16(_ data: inout [Float], at start: Int) {
        let twoPi = Float(2.0 * Double.pi)
        for j in start..<(start + 8) {
            let u1 = 1 - data[j]
            let u2 = data[j + 8]
            let radius = (-2 * CephesFloatMath.log(u1)).squareRoot()
            let (sine, cosine) = CephesFloatMath.sincos(twoPi * u2)
            data[j] = radius * cosine
            data[j + 8] = radius * sine
        }
    }

    /// `normal_distribution<double>` with the generator's cached second sample.
    private mutating func nextScalarNormal() -> Double {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached
        }
        let u1 = nextUniformDouble()
        let u2 = nextUniformDouble()
        let radius = (-2.0 * Foundation.log1p(-u2)).squareRoot()
        let theta = 2.0 * Double.pi * u1
        cachedNormal = radius * Foundation.sin(theta)
        return radius * Foundation.cos(theta)
    }
}
