import Foundation

/// Wall time per kind of kernel (convolution, matmul, attention, norms, ...), collected only
/// while enabled (`sd bench --profile`), so the next optimisation is chosen by measurement.
public enum KernelProfile {
    public struct Entry: Sendable {
        public var seconds: Double = 0
        public var calls = 0
        public var flops: Double = 0
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [String: Entry] = [:]
    nonisolated(unsafe) public static var isEnabled = false

    public static var snapshot: [String: Entry] { lock.withLock { entries } }

    public static func reset() { lock.withLock { entries = [:] } }

    @inline(__always)
    static func measure<T>(_ name: @autoclosure () -> String, flops: @autoclosure () -> Double = 0,
                           _ body: () throws -> T) rethrows -> T {
        guard isEnabled else { return try body() }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let key = name()
        lock.withLock {
            entries[key, default: Entry()].seconds += seconds
            entries[key, default: Entry()].calls += 1
            entries[key, default: Entry()].flops += flops()
        }
        return result
    }
}
