import Foundation
import SDCompute
import SDModels

/// `sd bench`: real-size architectures with random weights, warm-up plus timed passes, medians.
public enum Benchmark {
    public enum Component: String, CaseIterable, Sendable { case unet, vae, text, all }

    public struct Result: Codable, Sendable {
        public var preset: String
        public var unetStepSeconds: Double?
        public var vaeDecodeSeconds: Double?
        public var textSeconds: Double?
        public var unetGFLOPS: Double?
        public var vaeGFLOPS: Double?
        public var peakGFLOPS: Double
        public var peakRSSMegabytes: Double

        enum CodingKeys: String, CodingKey {
            case preset, unetStepSeconds = "unet_step_s", vaeDecodeSeconds = "vae_decode_s", textSeconds = "text_s"
            case unetGFLOPS = "unet_gflops", vaeGFLOPS = "vae_gflops", peakGFLOPS = "peak_gflops"
            case peakRSSMegabytes = "peak_rss_mb"
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
        result.peakRSSMegabytes = ResourceUsage.peakResidentMegabytes
        return result
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
