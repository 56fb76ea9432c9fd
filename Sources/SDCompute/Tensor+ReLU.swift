extension Tensor {
    /// max(x, 0) in place. Not one of the C kernels' activations: DPT and BiT are the only users,
    /// and a plain loop vectorises.
    public func applyReLU() {
        let p = data
        for i in 0..<count { p[i] = Swift.max(p[i], 0) }
    }

    /// max(x, 0) in a new tensor.
    public func relu() -> Tensor {
        let out = Tensor(shape: shape)
        let (src, dst) = (data, out.data)
        for i in 0..<count { dst[i] = Swift.max(src[i], 0) }
        return out
    }
}
