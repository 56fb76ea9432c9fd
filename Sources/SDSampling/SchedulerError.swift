/// Why a scheduler could not be built or stepped.
public enum SchedulerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A scheduler option has a value this sampler does not implement.
    case unsupportedOption(scheduler: String, option: String, value: String)
    /// A configuration value is out of range (e.g. more steps than training timesteps).
    case invalidValue(option: String, value: String, reason: String)
    /// `step`, `scaleModelInput` or `addNoise` was called before `setTimesteps`.
    case timestepsNotSet(scheduler: String)
    /// A timestep index outside the current schedule.
    case indexOutOfRange(index: Int, count: Int)
    /// Latent arrays of different sizes were combined.
    case sizeMismatch(expected: Int, actual: Int)
    /// A stochastic sampler was stepped without a generator.
    case generatorRequired(scheduler: String)
    /// A sampler name that none of the known samplers answers to.
    case unknownSampler(name: String)

    public var description: String {
        switch self {
        case let .unsupportedOption(scheduler, option, value):
            return "\(scheduler) does not support \(option) = \(value)"
        case let .invalidValue(option, value, reason):
            return "invalid \(option) = \(value): \(reason)"
        case let .timestepsNotSet(scheduler):
            return "\(scheduler): setTimesteps must be called before sampling"
        case let .indexOutOfRange(index, count):
            return "timestep index \(index) is outside the schedule of \(count) timesteps"
        case let .sizeMismatch(expected, actual):
            return "latent size mismatch: expected \(expected) values, got \(actual)"
        case let .generatorRequired(scheduler):
            return "\(scheduler) draws noise and needs a generator"
        case let .unknownSampler(name):
            return "unknown sampler '\(name)' (see `sd samplers` for the list)"
        }
    }
}
