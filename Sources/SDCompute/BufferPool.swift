import CKernels
import Foundation

/// Recycles tensor buffers by exact size. The denoising loop asks for the same shapes every step,
/// so after the first step no buffer is allocated or page-faulted again.
public final class BufferPool: @unchecked Sendable {
    public static let shared = BufferPool()

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledFloats = 0

    /// Floats currently held for reuse.
    public var retainedFloats: Int { lock.withLock { pooledFloats } }

    func take(_ capacity: Int, pooled: Bool = true) -> UnsafeMutablePointer<Float> {
        if pooled, let p = lock.withLock({ () -> UnsafeMutablePointer<Float>? in
            guard let p = free[capacity]?.popLast() else { return nil }
            pooledFloats -= capacity
            return p
        }) {
            return p
        }
        guard let raw = sd_alloc(max(capacity, 16) * MemoryLayout<Float>.stride) else {
            // Out of memory is not recoverable by the caller in any useful way.
            preconditionFailure("out of memory allocating \(capacity * 4) bytes")
        }
        return raw.bindMemory(to: Float.self, capacity: capacity)
    }

    func give(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        lock.withLock {
            free[capacity, default: []].append(pointer)
            pooledFloats += capacity
        }
    }

    /// Returns every pooled buffer to the system (between pipeline phases of different shapes);
    /// glibc is asked to hand freed heap pages back too, or resident memory would not drop.
    public func trim() {
        let all = lock.withLock { () -> [UnsafeMutablePointer<Float>] in
            let ptrs = free.values.flatMap { $0 }
            free = [:]
            pooledFloats = 0
            return ptrs
        }
        for p in all { Foundation.free(p) }
        sd_release_free_memory()
    }

    static func capacity(for count: Int) -> Int { (count + 15) & ~15 }
}
