import Foundation

/// The buffer behind one or more tensor views. Pooled buffers return to `BufferPool` when
/// released (activations: the same sizes come back every step); unpooled ones are freed at once
/// (one-off buffers such as weights being loaded, which would otherwise pile up in the pool).
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let capacity: Int
    let pooled: Bool

    init(count: Int, pooled: Bool = true) {
        capacity = BufferPool.capacity(for: count)
        self.pooled = pooled
        pointer = BufferPool.shared.take(capacity, pooled: pooled)
    }

    deinit {
        if pooled {
            BufferPool.shared.give(pointer, capacity: capacity)
        } else {
            free(pointer)
        }
    }
}
