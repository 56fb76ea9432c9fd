/// PyTorch's bicubic interpolation (`interpolate(mode="bicubic", align_corners=False)`,
/// A = -0.75, edge pixels repeated) of one float32 plane.
enum Bicubic {
    static func resize(_ input: [Float], width: Int, height: Int, toWidth outW: Int, toHeight outH: Int) -> [Float] {
        let xs = taps(input: width, output: outW), ys = taps(input: height, output: outH)
        var out = [Float](repeating: 0, count: outW * outH)
        for (y, ty) in ys.enumerated() {
            for (x, tx) in xs.enumerated() {
                var acc: Float = 0
                for i in 0..<4 {
                    var row: Float = 0
                    for j in 0..<4 { row += tx.weights[j] * input[ty.indices[i] * width + tx.indices[j]] }
                    acc += ty.weights[i] * row
                }
                out[y * outW + x] = acc
            }
        }
        return out
    }

    private struct Taps { var indices: [Int]; var weights: [Float] }

    /// Source indices and weights per output position: torch's `area_pixel_compute_source_index`
    /// (cubic), `guard_index_and_lambda` and `get_cubic_upsample_coefficients`.
    private static func taps(input: Int, output: Int) -> [Taps] {
        let scale = Float(input) / Float(output), a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return (0..<output).map { o in
            let real = scale * (Float(o) + 0.5) - 0.5
            let index = min(Int(real.rounded(.down)), input - 1)
            let t = min(max(real - Float(index), 0), 1)
            let weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            let indices = (0..<4).map { min(max(index - 1 + $0, 0), input - 1) }
            return Taps(indices: indices, weights: weights)
        }
    }
}
