import Foundation
import XCTest
import SDCompute

/// Each kernel against a straightforward double-precision implementation of its definition.
final class KernelTests: XCTestCase {
    private var seed: UInt64 = 0x9E3779B97F4A7C15

    private func random(_ shape: [Int], scale: Float = 1) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            values[i] = (Float(seed >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
        return Tensor(shape: shape, values: values)
    }

    private func assertClose(_ a: [Float], _ b: [Double], tolerance: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let scale = max(b.map(abs).max() ?? 1, 1e-6)
        let err = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(err / scale, tolerance, "relative error \(err / scale)", file: file, line: line)
    }

    func testConvolutionMatchesDirectSum() throws {
        for (stride, pad, k) in [(1, (1, 1, 1, 1), 3), (2, (1, 1, 1, 1), 3), (2, (0, 0, 1, 1), 3), (1, (0, 0, 0, 0), 1)] {
            let (n, h, w, ci, co) = (2, 9, 7, 5, 6)
            let x = random([n, h, w, ci]), wt = random([co, ci, k, k]), b = random([co])
            let conv = try Conv2D(weight: wt, bias: b, stride: stride, padding: pad)
            let y = try conv(x)
            let (oh, ow) = ((h + pad.0 + pad.2 - k) / stride + 1, (w + pad.1 + pad.3 - k) / stride + 1)
            XCTAssertEqual(y.shape, [n, oh, ow, co])
            var ref = [Double](repeating: 0, count: n * oh * ow * co)
            for b0 in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for o in 0..<co {
                var s = Double(b.data[o])
                for ky in 0..<k { for kx in 0..<k {
                    let iy = oy * stride + ky - pad.0, ix = ox * stride + kx - pad.1
                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                    for c in 0..<ci {
                        s += Double(x.data[((b0 * h + iy) * w + ix) * ci + c]) * Double(wt.data[((o * ci + c) * k + ky) * k + kx])
                    }
                }}
                ref[((b0 * oh + oy) * ow + ox) * co + o] = s
            }}}}
            assertClose(y.array, ref, tolerance: 1e-5)
            // Accumulating form adds onto what the output holds.
            let acc = y.copy()
            try conv.forward(x, accumulatingInto: acc)
            assertClose(acc.array, ref.map { 2 * $0 }, tolerance: 1e-5)
        }
    }

    func testLinearMatchesMatrixProduct() throws {
        let x = random([3, 5, 17]), w = random([11, 17]), b = random([11])
        let y = try Linear(weight: w, bias: b)(x)
        var ref = [Double]()
        for r in 0..<15 { for o in 0..<11 {
            var s = Double(b.data[o])
            for i in 0..<17 { s += Double(x.data[r * 17 + i]) * Double(w.data[o * 17 + i]) }
            ref.append(s)
        }}
        XCTAssertEqual(y.shape, [3, 5, 11])
        assertClose(y.array, ref, tolerance: 1e-5)
    }

    func testBlockedAttentionMatchesFullSoftmax() throws {
        for causal in [false, true] {
            let (n, heads, d, lq, lk) = (2, 3, 8, causal ? 300 : 301, causal ? 300 : 77)
            let q = random([n, lq, heads * d], scale: 2), k = random([n, lk, heads * d], scale: 2), v = random([n, lk, heads * d])
            let out = Attention.compute(q: .init(q), k: .init(k), v: .init(v), batch: n, queryLength: lq, keyLength: lk,
                                        heads: heads, headDim: d, causal: causal)
            var ref = [Double](repeating: 0, count: n * lq * heads * d)
            for b in 0..<n { for h in 0..<heads { for i in 0..<lq {
                let valid = causal ? i + 1 : lk
                var s = (0..<valid).map { j in
                    (0..<d).reduce(0.0) { $0 + Double(q.data[(b * lq + i) * heads * d + h * d + $1]) * Double(k.data[(b * lk + j) * heads * d + h * d + $1]) } / Double(d).squareRoot()
                }
                let m = s.max()!
                s = s.map { exp($0 - m) }
                let total = s.reduce(0, +)
                for e in 0..<d {
                    ref[(b * lq + i) * heads * d + h * d + e] = (0..<valid).reduce(0.0) { $0 + s[$1] / total * Double(v.data[(b * lk + $1) * heads * d + h * d + e]) }
                }
            }}}
            assertClose(out.array, ref, tolerance: 2e-6)
        }
    }

    /// softmax(q k^T / sqrt(d)) v per head in double precision, reading the operands the way
    /// `Attention.compute` does (row `stride`, `offset` columns in, head h at h*d).
    private func referenceAttention(q: Attention.Operand, k: Attention.Operand, v: Attention.Operand, batch: Int,
                                    lq: Int, lk: Int, heads: Int, d: Int, causal: Bool = false) -> [Double] {
        func at(_ o: Attention.Operand, _ row: Int, _ h: Int, _ c: Int) -> Double {
            Double(o.tensor.data[row * o.stride + o.offset + h * d + c])
        }
        var ref = [Double](repeating: 0, count: batch * lq * heads * d)
        for b in 0..<batch { for h in 0..<heads { for i in 0..<lq {
            let valid = causal ? min(i + 1, lk) : lk
            var s = [Double](repeating: 0, count: valid)
            for j in 0..<valid {
                var dot = 0.0
                for c in 0..<d { dot += at(q, b * lq + i, h, c) * at(k, b * lk + j, h, c) }
                s[j] = dot / Double(d).squareRoot()
            }
            let m = s.max() ?? 0
            s = s.map { exp($0 - m) }
            let total = s.reduce(0, +)
            for e in 0..<d {
                var acc = 0.0
                for j in 0..<valid { acc += s[j] * at(v, b * lk + j, h, e) }
                ref[(b * lq + i) * heads * d + h * d + e] = acc / total
            }
        }}}
        return ref
    }

    /// Self-attention on a fused [batch, length, 3*heads*d] QKV projection (strided operands).
    private func checkSelfAttention(batch: Int, heads: Int, d: Int, length: Int, causal: Bool = false, scale: Float = 2,
                                    tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        let inner = heads * d
        let qkv = random([batch, length, 3 * inner], scale: scale)
        let q = Attention.Operand(qkv, offset: 0, stride: 3 * inner), k = Attention.Operand(qkv, offset: inner, stride: 3 * inner)
        let v = Attention.Operand(qkv, offset: 2 * inner, stride: 3 * inner)
        let out = Attention.compute(q: q, k: k, v: v, batch: batch, queryLength: length, keyLength: length, heads: heads,
                                    headDim: d, causal: causal)
        XCTAssertEqual(out.shape, [batch, length, inner], file: file, line: line)
        assertClose(out.array, referenceAttention(q: q, k: k, v: v, batch: batch, lq: length, lk: length, heads: heads, d: d,
                                                  causal: causal), tolerance: tolerance, file: file, line: line)
    }

    /// Cross-attention: Q on its own, K and V from a fused [batch, lk, 2*heads*d] projection.
    private func checkCrossAttention(batch: Int, heads: Int, d: Int, lq: Int, lk: Int, scale: Float = 2,
                                     tolerance: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        let inner = heads * d
        let qt = random([batch, lq, inner], scale: scale), kv = random([batch, lk, 2 * inner], scale: scale)
        let q = Attention.Operand(qt), k = Attention.Operand(kv, offset: 0, stride: 2 * inner)
        let v = Attention.Operand(kv, offset: inner, stride: 2 * inner)
        let out = Attention.compute(q: q, k: k, v: v, batch: batch, queryLength: lq, keyLength: lk, heads: heads, headDim: d)
        XCTAssertEqual(out.shape, [batch, lq, inner], file: file, line: line)
        assertClose(out.array, referenceAttention(q: q, k: k, v: v, batch: batch, lq: lq, lk: lk, heads: heads, d: d),
                    tolerance: tolerance, file: file, line: line)
    }

    /// SD's head sizes (40/64/80/160 in the U-Nets, 512 in the VAE) at reduced lengths that are
    /// not multiples of any block size, self- and cross-attention (77 context tokens).
    func testAttentionHeadSizesAndOddLengths() {
        for d in [40, 64, 80, 160] {
            checkSelfAttention(batch: 2, heads: 2, d: d, length: 61)
            checkCrossAttention(batch: 2, heads: 2, d: d, lq: 45, lk: 77)
        }
        checkSelfAttention(batch: 1, heads: 1, d: 512, length: 50)
        checkSelfAttention(batch: 1, heads: 3, d: 64, length: 1)
        checkCrossAttention(batch: 1, heads: 1, d: 7, lq: 3, lk: 1)
        checkCrossAttention(batch: 1, heads: 5, d: 64, lq: 17, lk: 203)
    }

    /// Long enough sequences that K and V are repacked and the keys span several softmax blocks.
    func testAttentionLongSequences() {
        checkSelfAttention(batch: 2, heads: 2, d: 40, length: 333)
        checkSelfAttention(batch: 1, heads: 2, d: 64, length: 290)
        checkSelfAttention(batch: 1, heads: 1, d: 512, length: 270)
        checkCrossAttention(batch: 2, heads: 2, d: 80, lq: 300, lk: 77)
        checkCrossAttention(batch: 1, heads: 1, d: 160, lq: 257, lk: 500)
    }

    /// Peaked scores (large inputs) and a maximum that grows key block after key block, so the
    /// running softmax has to rescale what it accumulated; causal masks at odd lengths.
    func testAttentionRunningMaxAndCausal() {
        checkSelfAttention(batch: 1, heads: 2, d: 40, length: 300, scale: 6)
        let (lq, lk, d) = (40, 400, 64)
        let qt = random([1, lq, d], scale: 0.2), kt = random([1, lk, d], scale: 0.2), vt = random([1, lk, d])
        for j in 0..<lk { for c in 0..<d { kt.data[j * d + c] += Float(j) / Float(lk) * (c % 2 == 0 ? 1 : -1) } }
        for i in 0..<lq { for c in 0..<d { qt.data[i * d + c] += 3 * (c % 2 == 0 ? 1 : -1) } }
        let out = Attention.compute(q: .init(qt), k: .init(kt), v: .init(vt), batch: 1, queryLength: lq, keyLength: lk,
                                    heads: 1, headDim: d)
        assertClose(out.array, referenceAttention(q: .init(qt), k: .init(kt), v: .init(vt), batch: 1, lq: lq, lk: lk,
                                                  heads: 1, d: d), tolerance: 1e-5)
        checkSelfAttention(batch: 2, heads: 2, d: 64, length: 77, causal: true)
        checkSelfAttention(batch: 1, heads: 1, d: 40, length: 261, causal: true)
    }

    func testGroupNormWithSiLU() throws {
        let (n, p, c, g) = (2, 37, 12, 4)
        let x = random([n, p, c], scale: 3).scaled(1, shift: 5)
        let gamma = random([c]).array, beta = random([c]).array
        for silu in [false, true] {
            let y = try GroupNorm(groups: g, eps: 1e-6, gamma: gamma, beta: beta)(x, silu: silu)
            var ref = [Double](repeating: 0, count: x.count)
            for b in 0..<n { for gi in 0..<g {
                var vals: [Double] = []
                for pi in 0..<p { for ch in gi * 3..<gi * 3 + 3 { vals.append(Double(x.data[(b * p + pi) * c + ch])) } }
                let mean = vals.reduce(0, +) / Double(vals.count)
                let variance = vals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(vals.count)
                for pi in 0..<p { for ch in gi * 3..<gi * 3 + 3 {
                    let i = (b * p + pi) * c + ch
                    var v = (Double(x.data[i]) - mean) / (variance + 1e-6).squareRoot() * Double(gamma[ch]) + Double(beta[ch])
                    if silu { v = v / (1 + exp(-v)) }
                    ref[i] = v
                }}
            }}
            assertClose(y.array, ref, tolerance: 1e-5)
        }
    }

    func testLayerNorm() throws {
        let x = random([4, 33], scale: 2)
        let gamma = random([33]).array, beta = random([33]).array
        let y = try LayerNorm(eps: 1e-5, gamma: gamma, beta: beta)(x)
        var ref: [Double] = []
        for r in 0..<4 {
            let row = (0..<33).map { Double(x.data[r * 33 + $0]) }
            let mean = row.reduce(0, +) / 33
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 33
            ref += row.enumerated().map { ($1 - mean) / (variance + 1e-5).squareRoot() * Double(gamma[$0]) + Double(beta[$0]) }
        }
        assertClose(y.array, ref, tolerance: 1e-5)
    }

    func testActivations() throws {
        let x = random([4096], scale: 8)
        let xs = x.array.map(Double.init)
        func gelu(_ v: Double) -> Double { 0.5 * v * (1 + erf(v / 2.0.squareRoot())) }
        let refs: [(Activation, (Double) -> Double)] = [
            (.silu, { $0 / (1 + exp(-$0)) }),
            (.gelu, gelu),
            (.geluTanh, { 0.5 * $0 * (1 + tanh(0.7978845608028654 * ($0 + 0.044715 * $0 * $0 * $0))) }),
            (.quickGelu, { $0 / (1 + exp(-1.702 * $0)) }),
        ]
        for (act, f) in refs { assertClose(x.activated(act).array, xs.map(f), tolerance: 1e-6) }
        let g = try x.reshaped([2, 2048]).geglu()
        let ref = (0..<2).flatMap { r in (0..<1024).map { i in xs[r * 2048 + i] * gelu(xs[r * 2048 + 1024 + i]) } }
        assertClose(g.array, ref, tolerance: 1e-6)
    }

    func testLayoutOps() throws {
        let x = random([2, 3, 4, 5])
        XCTAssertEqual(try x.nhwcToNCHW().nchwToNHWC().array, x.array)
        let up = try x.upsampledNearest2x()
        XCTAssertEqual(up.shape, [2, 6, 8, 5])
        XCTAssertEqual(up.data[((1 * 6 + 5) * 8 + 7) * 5 + 4], x.data[((1 * 3 + 2) * 4 + 3) * 5 + 4])
        let cat = try x.concatenatingChannels(random([2, 3, 4, 2]))
        XCTAssertEqual(cat.shape, [2, 3, 4, 7])
        XCTAssertEqual(try cat.channelSlice(0..<5).array, x.array)
    }

    func testTimestepEmbeddingMatchesDiffusersFormula() {
        let e = SinusoidalEmbedding.timesteps([0, 500], dim: 8, flipSinToCos: true, downscaleFreqShift: 0)
        // diffusers: freqs = exp(-ln(10000) * i / 4); flip puts cos first.
        for (row, t) in [0.0, 500.0].enumerated() {
            for i in 0..<4 {
                let arg = t * exp(-log(10000.0) * Double(i) / 4)
                XCTAssertEqual(Double(e.data[row * 8 + i]), cos(arg), accuracy: 1e-4)
                XCTAssertEqual(Double(e.data[row * 8 + 4 + i]), sin(arg), accuracy: 1e-4)
            }
        }
    }
}
