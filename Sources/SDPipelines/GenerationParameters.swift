import SDSampling

/// The A1111 "parameters" text stored in a PNG, so other tools (and `sd info`) can read back
/// how an image was made:
/// `<prompt>\nNegative prompt: ...\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: name`.
public enum GenerationParameters {
    public static func text(for request: GenerationRequest, modelName: String) -> String {
        var lines = [request.prompt]
        if !request.negativePrompt.isEmpty { lines.append("Negative prompt: \(request.negativePrompt)") }
        var fields: [(String, String)] = [
            ("Steps", "\(request.steps)"),
            ("Sampler", request.sampler.displayName),
            ("CFG scale", format(request.guidanceScale)),
            ("Seed", "\(request.seed)"),
            ("Size", "\(request.width)x\(request.height)"),
            ("Model", modelName),
        ]
        if request.initImage != nil { fields.append(("Denoising strength", format(Float(request.strength)))) }
        if request.clipSkip > 0 { fields.append(("Clip skip", "\(request.clipSkip + 1)")) }
        lines.append(fields.map { "\($0): \($1)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// A1111 prints 7.0 as "7" and 7.5 as "7.5".
    private static func format(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : String(value)
    }
}
