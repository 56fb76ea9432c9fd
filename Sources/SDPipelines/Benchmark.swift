import Foundation
import SDCompute
import SDModels

/// `sd bench`: real-size architectures with random weights, warm-up plus timed passes, medians.
public enum Benchmark {
    public enum Component: String, CaseIterable, Sendable { case unet, vae, text, all, attention }

    public struct Result: Codable, Sendable {
        public var preset: String
        public var unetStepSeconds: Double?
        public var vaeDecodeSeconds: Double?
        public var textSeconds: Double?
        public var unetGFLOPS: Double?
        public var vaeGFLOPS: Double?
        public var peakGFLOPS: Double
        public var peakRSSMegabytes: Double
        public var attention: [AttentionResult]?

        enum CodingKeys: String, CodingKey {
            case preset, unetStepSeconds = "unet_step_s", vaeDecodeSeconds = "vae_decode_s", textSeconds = "text_s"
            case unetGFLOPS = "unet_gflops", vaeGFLOPS = "vae_gflops", peakGFLOPS = "peak_gflops"
            case peakRSSMegabytes = "peak_rss_mb", attention
        }
    }

    /// One attention shape of `--component attention`.
    public struct AttentionResult: Codable, Sendable {
        public var shape: String
        public var seconds: Double
        public var gflops: Double
        public var fractionOfPeak: Double

        enum CodingKeys: String, CodingKey {
            case shape, seconds, gflops, fractionOfPeak = "fraction_of_peak"
        }
    }

    /// Runs the benchmark; `report` receives one human-readable line per measurement, and with
    /// `profile` the time per kind of kernel after each component.
    public static func run(preset: ArchitecturePreset, component: Component, steps: Int, profile: Bool = false,
                           storage: WeightStorage = .f32, report: (String) -> Void) throws -> Result {
        KernelProfile.isEnabled = false
        defer { KernelProfile.isEnabled = false }
        func time(_ passes: Int, _ body: () throws -> Void) throws -> (Double, Double) {
            let measured = try Self.time(passes, profile: profile, body)
            if profile { Self.reportProfile(passes: max(passes, 1), total: measured.0, peak: peak, report) }
            return measured
        }
        let peak = MachinePeak.measureGFLOPS()
        report(String(format: "machine fp32 FMA peak: %.0f GFLOP/s", peak))
        var result = Result(preset: preset.rawValue, peakGFLOPS: peak, peakRSSMegabytes: 0)
        let latentSide = preset.unet.sampleSize ?? 64
        let wants = { (c: Component) in component == .all || component == c }

        if wants(.text) {
            let model = try CLIPTextModel(config: preset.textEncoder, weights: nil, storage: storage)
            let ids = Array(repeating: Array(repeating: 0, count: 77), count: 2)
            let (median, _) = try time(steps) { _ = try model(ids) }
            result.textSeconds = median
            report(String(format: "text encoder (batch 2): %.3f s", median))
        }
        if wants(.unet) {
            let model = try UNet2DConditionModel(config: preset.unet, weights: nil, storage: storage)
            let sample = Tensor(zeros: [2, latentSide, latentSide, 4])
            let contextWidth = preset.unet.crossAttentionDim.values(count: 1)?.first ?? 768
            let context = Tensor(zeros: [2, 77, contextWidth])
            let (median, flops) = try time(steps) { _ = try model(sample, timesteps: [999, 999], context: context) }
            result.unetStepSeconds = median
            result.unetGFLOPS = flops / median / 1e9
            report(String(format: "U-Net step (batch 2, %dx%d latents): %.3f s, %.0f GFLOP, %.0f GFLOP/s, %.2f of peak",
                          latentSide, latentSide, median, flops / 1e9, flops / median / 1e9, flops / median / 1e9 / peak))
        }
        if wants(.vae) {
            BufferPool.shared.trim()
            let model = try AutoencoderKL(config: preset.vae, weights: nil, storage: storage)
            let latents = Tensor(zeros: [1, latentSide, latentSide, 4])
            let (median, flops) = try time(steps) { _ = try model.decode(latents) }
            result.vaeDecodeSeconds = median
            result.vaeGFLOPS = flops / median / 1e9
            report(String(format: "VAE decode (%dx%d image): %.3f s, %.0f GFLOP/s, %.2f of peak",
                          latentSide * 8, latentSide * 8, median, flops / median / 1e9, flops / median / 1e9 / peak))
        }
        if component == .attention {  // only on request: not part of `all`
            let shapes = try attentionShapes(peak: peak) { try time(steps, $0) }
            for shape in shapes {
                report("attention \(shape.shape): " + String(format: "%.4f s, %.0f GFLOP/s, %.2f of peak", shape.seconds,
                                                               shape.gflops, shape.fractionOfPeak))
            }
            result.attention = shapes
        }
        result.peakRSSMegabytes = ResourceUsage.peakResidentMegabytes
        return result
    }

    /// SD 1.5's attention shapes at 512x512 (batch 2 for classifier-free guidance, 8 heads,
    /// cross-attention over 77 text tokens) and the VAE's mid-block attention, with Q/K/V laid out
    /// as the models do (fused QKV or KV projections). `time` returns median seconds and FLOPs.
    private static func attentionShapes(peak: Double, _ time: (() throws -> Void) throws -> (Double, Double)) throws
        -> [AttentionResult] {
        let shapes: [(batch: Int, heads: Int, lq: Int, lk: Int, d: Int)] = [
            (2, 8, 4096, 4096, 40), (2, 8, 4096, 77, 40), (2, 8, 1024, 1024, 80), (2, 8, 1024, 77, 80),
            (2, 8, 256, 256, 160), (2, 8, 256, 77, 160), (2, 8, 64, 64, 160), (2, 8, 64, 77, 160), (1, 1, 4096, 4096, 512),
        ]
        func filled(_ shape: [Int]) -> Tensor {
            let t = Tensor(shape: shape)
            for i in 0..<t.count { t.data[i] = Float((i * 7919) % 2001) / 1000 - 1 }
            return t
        }
        return try shapes.map { s in
            let inner = s.heads * s.d
            let name = s.lq == s.lk ? "self \(s.lq) d\(s.d)" + (s.heads == 1 ? " (VAE)" : "") : "cross \(s.lq)x\(s.lk) d\(s.d)"
            let q: Attention.Operand, k: Attention.Operand, v: Attention.Operand
            if s.lq == s.lk {
                let qkv = filled([s.batch, s.lq, 3 * inner])
                (q, k, v) = (.init(qkv, offset: 0, stride: 3 * inner), .init(qkv, offset: inner, stride: 3 * inner),
                             .init(qkv, offset: 2 * inner, stride: 3 * inner))
            } else {
                let kv = filled([s.batch, s.lk, 2 * inner])
                (q, k, v) = (.init(filled([s.batch, s.lq, inner])), .init(kv, offset: 0, stride: 2 * inner),
                             .init(kv, offset: inner, stride: 2 * inner))
            }
            let (median, flops) = try time {
                _ = Attention.compute(q: q, k: k, v: v, batch: s.batch, queryLength: s.lq, keyLength: s.lk, heads: s.heads,
                                      headDim: s.d)
            }
            let rate = flops / median / 1e9
            return AttentionResult(shape: name, seconds: median, gflops: rate, fractionOfPeak: rate / peak)
        }
    }

    /// One warm-up pass, then `passes` timed ones; the median time and the FLOPs of one pass.
    private static func time(_ passes: Int, profile: Bool, _ body: () throws -> Void) throws -> (Double, Double) {
        try body()
        KernelProfile.reset()
        KernelProfile.isEnabled = profile
        defer { KernelProfile.isEnabled = false }
        var times: [Double] = []
        var flops = 0.0
        for _ in 0..<max(passes, 1) {
            FlopCounter.reset()
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            flops = FlopCounter.count
        }
        times.sort()
        return (times[times.count / 2], flops)
    }

    /// Seconds per pass for each kind of kernel, largest first, with achieved GFLOP/s and
    /// fraction of peak where the kernel counts its work, and what is left unaccounted.
    private static func reportProfile(passes: Int, total: Double, peak: Double, _ report: (String) -> Void) {
        let entries = KernelProfile.snapshot.sorted { $0.value.seconds > $1.value.seconds }
        var accounted = 0.0
        func name(_ text: String) -> String { text.padding(toLength: 16, withPad: " ", startingAt: 0) }
        for (kind, entry) in entries {
            let seconds = entry.seconds / Double(passes)
            accounted += seconds
            var line = "  \(name(kind))" + String(format: " %7.3f s  %5.1f%%  %6d calls", seconds, 100 * seconds / total, entry.calls / passes)
            if entry.flops > 0 {
                let rate = entry.flops / entry.seconds / 1e9
                line += String(format: "  %6.0f GFLOP/s  %.2f of peak", rate, rate / peak)
            }
            report(line)
        }
        report("  \(name("other"))" + String(format: " %7.3f s  %5.1f%%", total - accounted, 100 * (total - accounted) / total))
    }
}
