/// A dense float32 tensor. Images are NHWC ([batch, height, width, channels]) and sequences
/// [batch, length, channels]: channels-last is what oneDNN's convolutions and every matmul want,
/// and it makes the U-Net's image <-> token reshapes free.
///
/// Tensors are views of a shared buffer: `reshaped` copies nothing, and kernels write through
/// `data`. Buffers come from `BufferPool`.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    let storage: TensorStorage

    /// Uninitialised contents.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// Uninitialised contents in a buffer that is freed, not pooled, when the tensor goes:
    /// for one-off data such as weights on their way into a layer.
    public init(unpooledShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *), pooled: false)
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape)
        data.initialize(repeating: 0, count: count)
    }

    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values for shape \(shape)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    public var count: Int { shape.reduce(1, *) }
    public var data: UnsafeMutablePointer<Float> { storage.pointer }
    public var rank: Int { shape.count }

    public var array: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, storage: storage)
    }

    /// A copy with its own buffer.
    public func copy() -> Tensor {
        let t = Tensor(shape: shape)
        t.data.update(from: data, count: count)
        return t
    }
}
