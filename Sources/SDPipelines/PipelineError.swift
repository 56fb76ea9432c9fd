/// Requests a pipeline cannot run, named by the option at fault.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case invalidOption(option: String, value: String, reason: String)
    case unsupportedModel(String)

    public var description: String {
        switch self {
        case let .invalidOption(option, value, reason): return "invalid \(option) '\(value)': \(reason)"
        case let .unsupportedModel(detail): return "unsupported model: \(detail)"
        }
    }
}
