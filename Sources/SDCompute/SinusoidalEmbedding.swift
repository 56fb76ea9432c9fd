import Foundation

/// diffusers' `get_timestep_embedding`: [cos | sin] (or [sin | cos]) of t * exp(-ln(10000) * i / (half - shift)).
public enum SinusoidalEmbedding {
    public static func timesteps(_ t: [Float], dim: Int, flipSinToCos: Bool, downscaleFreqShift: Float,
                                 maxPeriod: Float = 10000) -> Tensor {
        let half = dim / 2
        let out = Tensor(zeros: [t.count, dim])
        // Computed in float32 like PyTorch: exponent, then exp, then the product.
        let freqs: [Float] = (0..<half).map { i in
            Foundation.exp(-Foundation.log(maxPeriod) * Float(i) / (Float(half) - downscaleFreqShift))
        }
        for (row, step) in t.enumerated() {
            let base = out.data + row * dim
            for i in 0..<half {
                let arg = step * freqs[i]
                let (s, c) = (Foundation.sin(arg), Foundation.cos(arg))
                base[i] = flipSinToCos ? c : s
                base[half + i] = flipSinToCos ? s : c
            }
        }
        return out
    }
}
