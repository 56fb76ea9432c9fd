/// Reported after each denoising step.
public struct GenerationProgress: Sendable {
    public let step: Int
    public let totalSteps: Int
    public let elapsedSeconds: Double

    public var secondsPerStep: Double { step > 0 ? elapsedSeconds / Double(step) : 0 }
    public var remainingSeconds: Double { secondsPerStep * Double(totalSteps - step) }
}
