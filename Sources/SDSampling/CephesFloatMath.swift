/// Scalar replicas of the AVX `log256_ps` and `sincos256_ps` (Cephes polynomials, from
/// PyTorch's `avx_mathfun.h`) that PyTorch's CPU `randn` uses for tensors of 16 or more floats.
///
/// They are not glibc's `logf`/`sinf`: the polynomials differ in the last bits, so matching
/// `torch.randn` bit for bit needs these. PyTorch's wheels are built with GCC, which contracts
/// each multiply whose only use is an add into an FMA (`-ffp-contract=fast`), scanning in
/// program order; the `fma` calls below sit exactly where GCC puts them.
enum CephesFloatMath {
    private static func f(_ value: Double) -> Float { Float(value) }

    private static let sqrtHalf = f(0.707106781186547524)
    private static let logP: [Float] = [
        f(7.0376836292E-2), f(-1.1514610310E-1), f(1.1676998740E-1), f(-1.2420140846E-1),
        f(1.4249322787E-1), f(-1.6668057665E-1), f(2.0000714765E-1), f(-2.4999993993E-1),
        f(3.3333331174E-1),
    ]
    private static let logQ1 = f(-2.12194440e-4)
    private static let logQ2 = f(0.693359375)

    private static let minusDP1 = f(-0.78515625)
    private static let minusDP2 = f(-2.4187564849853515625e-4)
    private static let minusDP3 = f(-3.77489497744594108e-8)
    private static let sinP0 = f(-1.9515295891E-4)
    private static let sinP1 = f(8.3321608736E-3)
    private static let sinP2 = f(-1.6666654611E-1)
    private static let cosP0 = f(2.443315711809948E-005)
    private static let cosP1 = f(-1.388731625493765E-003)
    private static let cosP2 = f(4.166664568298827E-002)
    private static let fourOverPi = f(1.27323954473516)

    /// Natural logarithm for x in (0, 1], as `log256_ps` computes it.
    static func log(_ input: Float) -> Float {
        let minNormal = Float(bitPattern: 0x0080_0000)
        let clamped = Swift.max(input, minNormal)
        let bits = clamped.bitPattern
        let exponent = Int32(bitPattern: bits >> 23) - 0x7f
        var x = Float(bitPattern: (bits & ~UInt32(0x7f80_0000)) | Float(0.5).bitPattern)
        var e = Float(exponent) + 1
        let below = x < sqrtHalf
        let tmp: Float = below ? x : 0
        x = x - 1
        e = e - (below ? 1 : 0)
        x = x + tmp

        let z = x * x
        var y = logP[0]
        for k in 1..<logP.count {
            y = y.multipliedFusedAdd(x, logP[k])
        }
        y = y * x
        y = y.multipliedFusedAdd(z, e * logQ1)
        y = (-z).multipliedFusedAdd(0.5, y)
        x = x + y
        x = e.multipliedFusedAdd(logQ2, x)
        return input <= 0 ? .nan : x
    }

    /// Sine and cosine for x >= 0, as `sincos256_ps` computes them.
    static func sincos(_ input: Float) -> (sin: Float, cos: Float) {
        let signSin = input.sign == .minus
        var x = Swift.abs(input)
        var j = Int32(x * fourOverPi)
        j = (j &+ 1) & ~1
        let y = Float(j)
        let swapSin = (j & 4) != 0
        let usePolyCos = (j & 2) == 0
        let signCos = ((j &- 2) & 4) == 0

        x = y.multipliedFusedAdd(minusDP1, x)
        x = y.multipliedFusedAdd(minusDP2, x)
        x = y.multipliedFusedAdd(minusDP3, x)

        let z = x * x
        var c = cosP0.multipliedFusedAdd(z, cosP1)
        c = c.multipliedFusedAdd(z, cosP2)
        c = c * z
        c = c.multipliedFusedAdd(z, -(z * 0.5))
        c = c + 1

        var s = sinP0.multipliedFusedAdd(z, sinP1)
        s = s.multipliedFusedAdd(z, sinP2)
        s = s * z
        s = s.multipliedFusedAdd(x, x)

        var sine = usePolyCos ? s : c
        var cosine = usePolyCos ? c : s
        if signSin != swapSin { sine = -sine }
        if signCos { cosine = -cosine }
        return (sine, cosine)
    }
}

extension Float {
    /// `self * a + b` with a single rounding (an FMA instruction).
    @inline(__always)
    fileprivate func multipliedFusedAdd(_ a: Float, _ b: Float) -> Float {
        b.addingProduct(self, a)
    }
}
