/// The buffer behind one or more tensor views; returns itself to the pool when released.
final class TensorStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let capacity: Int

    init(count: Int) {
        capacity = BufferPool.capacity(for: count)
        pointer = BufferPool.shared.take(capacity)
    }

    deinit { BufferPool.shared.give(pointer, capacity: capacity) }
}
