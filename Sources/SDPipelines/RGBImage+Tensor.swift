import SDCompute

extension RGBImage {
    /// NHWC [1, H, W, 3] in [-1, 1] as diffusers' image processor prepares init images:
    /// 2 * (p / 255) - 1 in float32.
    public func normalizedTensor() -> Tensor {
        Tensor(shape: [1, height, width, 3], values: pixels.map { 2 * (Float($0) / 255) - 1 })
    }
}
