import ArgumentParser
import Foundation
import SDHub
import SDWeights

/// Options shared by every command that opens a model.
struct ModelOptions: ParsableArguments {
    /// The model used when `--model` is not given: Stable Diffusion 1.5 in diffusers layout,
    /// under the id diffusers' own documentation uses since runwayml's repo was taken down.
    static let defaultModel = "stable-diffusion-v1-5/stable-diffusion-v1-5"

    @Option(name: [.customShort("m"), .long],
            help: "Diffusers folder, single .safetensors/.ckpt checkpoint, or Hugging Face repo id (owner/name[@revision], or owner/name/path/file.safetensors for one checkpoint); repo ids use the Hugging Face cache and download what it lacks.")
    var model: String = ModelOptions.defaultModel

    @Option(help: "Diffusers weight variant to prefer, e.g. fp16 (components without it use their plain weights).")
    var variant: String?

    @Option(help: "Override the detected family: sd1 or sd2.")
    var family: String?

    @Option(help: "Override the detected prediction type: eps or v.")
    var prediction: String?

    func validate() throws {
        if let family, ModelFamily(rawValue: family) == nil {
            throw ValidationError("unknown --family '\(family)'; known: sd1, sd2")
        }
        if let prediction, !["eps", "epsilon", "v", "v_prediction"].contains(prediction) {
            throw ValidationError("unknown --prediction '\(prediction)'; known: eps, v")
        }
        if let variant, variant.isEmpty || !variant.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) {
            throw ValidationError("--variant '\(variant)' must be a name such as fp16")
        }
    }

    var loadOptions: ModelLoadOptions {
        var options = ModelLoadOptions()
        options.family = family.flatMap(ModelFamily.init(rawValue:))
        switch prediction {
        case "eps", "epsilon": options.prediction = .epsilon
        case "v", "v_prediction": options.prediction = .v
        default: break
        }
        options.weightVariant = variant
        return options
    }

    /// The local file or folder `--model` stands for: a local path as it is, a repo id from the
    /// Hugging Face cache, downloading what the cache lacks (progress on stderr).
    func resolvedModelURL() throws -> URL {
        try hubClient(environment: .current).resolve(model)
    }

    func load() throws -> ModelCheckpoint {
        try ModelCheckpoint.load(path: resolvedModelURL(), options: loadOptions)
    }

    /// A1111's short "Model hash" (10 hex digits of the SHA-256) of a single-file checkpoint,
    /// for image metadata; nil for diffusers folders (A1111 has no hash for them) and for
    /// models not on disk. Never downloads: call it after `load()`.
    func modelHash() -> String? {
        var environment = HubEnvironment.current
        environment.offline = true
        guard let url = try? hubClient(environment: environment).resolve(model) else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return try? ModelHash().shortHash(of: url)
    }

    private func hubClient(environment: HubEnvironment) -> HubClient {
        HubClient(environment: environment, options: HubDownloadOptions(variant: variant),
                  progress: Self.downloadReporter(), shouldCancel: { (try? Interrupt.check()) == nil })
    }

    /// Download progress on stderr: one self-overwriting line on a terminal; otherwise a line
    /// when a file is done and every 15 seconds during a long one, so logs stay short.
    private static func downloadReporter() -> (HubProgress) -> Void {
        let interactive = isatty(STDERR_FILENO) != 0
        var lastLine = Date()
        return { progress in
            let megabytes = { (bytes: Int64) in String(format: "%.1f", Double(bytes) / 1_048_576) }
            var line = "downloading \(progress.file) (\(progress.fileIndex)/\(progress.fileCount)): \(megabytes(progress.bytesDone))"
            if let total = progress.bytesTotal { line += "/\(megabytes(total))" }
            line += String(format: " MB, %.1f MB/s", progress.bytesPerSecond / 1_048_576)
            if let eta = progress.secondsRemaining, !progress.isComplete {
                let seconds = Int(eta.rounded())
                line += String(format: ", ETA %02d:%02d", seconds / 60, seconds % 60)
            }
            if interactive {
                FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K" + (progress.isComplete ? "\n" : "")).utf8))
                return
            }
            let now = Date()
            if progress.isComplete || now.timeIntervalSince(lastLine) >= 15 {
                Terminal.status(line)
                lastLine = now
            }
        }
    }
}
