import Foundation

/// Counts the floating-point work of the heavy kernels (convolution, matmul, attention) so
/// benchmarks can report achieved GFLOP/s and the fraction of the machine's peak.
public enum FlopCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var total: Double = 0

    public static var count: Double { lock.withLock { total } }

    public static func reset() { lock.withLock { total = 0 } }

    static func add(_ flops: Double) { lock.withLock { total += flops } }
}
