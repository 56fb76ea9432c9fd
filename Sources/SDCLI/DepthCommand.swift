import ArgumentParser
import Foundation
import SDPipelines

/// `sd depth`: the MiDaS DPT-Hybrid estimator alone, writing the relative depth (white = near)
/// as a grayscale PNG of the input's size: what depth-to-image models are conditioned on.
struct DepthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "depth", abstract: "Estimate a depth map (MiDaS DPT-Hybrid) and write it as a grayscale PNG.")

    @Argument(help: "The image (PNG, JPEG or WebP).")
    var image: String

    @Option(help: "MiDaS DPT-Hybrid weights: a transformers folder (e.g. a depth model's depth_estimator) or dpt_hybrid-midas-501f0c75.pt.")
    var depthModel: String

    @Option(name: [.short, .long], help: "Output PNG (default: <input>-depth.png; never overwrites).")
    var output: String?

    @Option(help: "Threads (both cores by default).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        try CLIError.wrap {
            let inputURL = URL(fileURLWithPath: image)
            let picture = try ImageFile.read(inputURL)
            guard let estimator = try DepthEstimation.estimator(explicit: depthModel, model: nil) else { return }
            let depth = try DepthEstimation.depthMap(of: picture, with: estimator)
            let url = try OutputNaming.url(explicit: output ?? inputURL.deletingPathExtension().lastPathComponent + "-depth.png",
                                           prompt: "", seed: 0, index: 0, of: 1)
            try ImageFile.writePNG(depth.grayImage(width: picture.width, height: picture.height), to: url)
            print(url.path)
        }
    }
}
