import SDSampling

/// The A1111 "parameters" text stored in a PNG, so other tools (and `sd info`) can read back
/// how an image was made:
/// `<prompt>\nNegative prompt: ...\nSteps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: name`.
public enum GenerationParameters {
    /// `modelHash` is A1111's short hash (first 10 hex digits of the file's SHA-256); `extra`
    /// fields (e.g. "Mask blur") go last, as A1111 appends them.
    public static func text(for request: GenerationRequest, modelName: String, modelHash: String? = nil,
                            extra: [(String, String)] = []) -> String {
        var lines = [request.prompt]
        if !request.negativePrompt.isEmpty { lines.append("Negative prompt: \(request.negativePrompt)") }
        var fields: [(String, String)] = [
            ("Steps", "\(request.steps)"),
            ("Sampler", request.sampler.displayName),
            ("CFG scale", format(request.guidanceScale)),
            ("Seed", "\(request.seed)"),
            ("Size", "\(request.width)x\(request.height)"),
        ]
        if let modelHash { fields.append(("Model hash", modelHash)) }
        fields.append(("Model", modelName))
        if request.initImage != nil { fields.append(("Denoising strength", format(Float(request.strength)))) }
        if request.clipSkip > 0 { fields.append(("Clip skip", "\(request.clipSkip + 1)")) }
        fields += extra
        lines.append(fields.map { "\($0): \($1)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// A number as A1111 prints it: 7.0 as "7", 7.5 as "7.5".
    public static func format(_ value: Float) -> String {
        value == value.rounded() && abs(value) < 1e6 ? String(Int(value)) : String(value)
    }
}
