/// Failures inside the compute layer: a kernel library refusing a geometry.
public enum ComputeError: Error, CustomStringConvertible {
    case primitiveFailed(String)
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .primitiveFailed(let what): return "compute kernel failed: \(what)"
        case .shapeMismatch(let what): return "shape mismatch: \(what)"
        }
    }
}
