/// A tensor as `torch._utils._rebuild_tensor_v2` describes it: a view into a storage.
public struct TorchTensorRef: Sendable {
    public let storage: TorchStorageRef
    /// In elements, not bytes.
    public let offset: Int
    public let shape: [Int]
    public let strides: [Int]

    /// True when the view is the dense row-major layout (size-1 dimensions may carry any stride).
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }
}
