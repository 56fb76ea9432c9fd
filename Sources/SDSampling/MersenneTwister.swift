/// The 32-bit Mersenne Twister (mt19937) exactly as PyTorch's `at::mt19937` seeds and steps it.
///
/// PyTorch keeps only the low 32 bits of the seed (`init_with_uint32`), so seeds that differ
/// above bit 31 produce the same stream; this is reproduced on purpose.
struct MersenneTwister: Sendable {
    private static let n = 624
    private static let m = 397
    private static let matrixA: UInt32 = 0x9908_b0df
    private static let upperMask: UInt32 = 0x8000_0000
    private static let lowerMask: UInt32 = 0x7fff_ffff

    private var state: [UInt32]
    private var left: Int
    private var next: Int

    init(seed: UInt64) {
        var state = [UInt32](repeating: 0, count: Self.n)
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<Self.n {
            let previous = state[j - 1]
            state[j] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(j)
        }
        self.state = state
        left = 1
        next = 0
    }

    /// The next 32 random bits.
    mutating func nextUInt32() -> UInt32 {
        left -= 1
        if left == 0 { twist() }
        var y = state[next]
        next += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    private static func mix(_ u: UInt32, _ v: UInt32) -> UInt32 {
        let mixed = (u & upperMask) | (v & lowerMask)
        return (mixed >> 1) ^ ((v & 1) != 0 ? matrixA : 0)
    }

    private mutating func twist() {
        left = Self.n
        next = 0
        state.withUnsafeMutableBufferPointer { p in
            for j in 0..<(Self.n - Self.m) {
                p[j] = p[j + Self.m] ^ Self.mix(p[j], p[j + 1])
            }
            for j in (Self.n - Self.m)..<(Self.n - 1) {
                p[j] = p[j + Self.m - Self.n] ^ Self.mix(p[j], p[j + 1])
            }
            p[Self.n - 1] = p[Self.m - 1] ^ Self.mix(p[Self.n - 1], p[0])
        }
    }
}
