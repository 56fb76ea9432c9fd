/// How `DDPMScheduler` sizes the noise it adds back each step (diffusers' `variance_type`).
public enum VarianceType: String, Sendable, CaseIterable {
    case fixedSmall = "fixed_small"
    case fixedSmallLog = "fixed_small_log"
    case fixedLarge = "fixed_large"
    case fixedLargeLog = "fixed_large_log"
    case learned
    case learnedRange = "learned_range"
}
