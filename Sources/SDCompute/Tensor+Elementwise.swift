import CKernels

extension Tensor {
    /// act(self) in a new tensor.
    public func activated(_ activation: Activation) -> Tensor {
        let out = Tensor(shape: shape)
        KernelProfile.measure("elementwise") { sd_activate(data, out.data, Int64(count), activation.kernelCode) }
        return out
    }

    /// act(self) in place.
    public func activate(_ activation: Activation) {
        KernelProfile.measure("elementwise") { sd_activate(data, data, Int64(count), activation.kernelCode) }
    }

    /// GEGLU on rows of [hidden | gate]: hidden * gelu(gate), halving the last dimension.
    public func geglu() throws -> Tensor {
        guard let width2 = shape.last, width2 % 2 == 0 else {
            throw ComputeError.shapeMismatch("GEGLU needs an even last dimension, got \(shape)")
        }
        let out = Tensor(shape: Array(shape.dropLast()) + [width2 / 2])
        KernelProfile.measure("elementwise") { sd_geglu(data, out.data, Int64(count / width2), Int64(width2 / 2)) }
        return out
    }

    /// self * alpha + other * beta, in a new tensor.
    public func adding(_ other: Tensor, alpha: Float = 1, beta: Float = 1) throws -> Tensor {
        guard other.count == count else { throw ComputeError.shapeMismatch("add \(shape) and \(other.shape)") }
        let out = Tensor(shape: shape)
        KernelProfile.measure("elementwise") { sd_axpby(data, alpha, other.data, beta, out.data, Int64(count)) }
        return out
    }

    /// self += other * beta.
    public func add(_ other: Tensor, beta: Float = 1) throws {
        guard other.count == count else { throw ComputeError.shapeMismatch("add \(shape) and \(other.shape)") }
        KernelProfile.measure("elementwise") { sd_axpby(data, 1, other.data, beta, data, Int64(count)) }
    }

    /// self * scale + shift, in a new tensor.
    public func scaled(_ scale: Float, shift: Float = 0) -> Tensor {
        let out = Tensor(shape: shape)
        KernelProfile.measure("elementwise") { sd_scale_shift(data, out.data, Int64(count), scale, shift) }
        return out
    }

    /// Adds a per-batch-item vector to every row: self is [N, ..., C], bias is [N, C].
    /// This is how a ResNet block adds its time embedding to every pixel.
    public func addBroadcast(_ bias: Tensor) throws {
        guard let channels = shape.last, bias.rank == 2, bias.shape[0] == shape[0], bias.shape[1] == channels else {
            throw ComputeError.shapeMismatch("broadcast \(bias.shape) over \(shape)")
        }
        let rows = count / channels
        KernelProfile.measure("elementwise") { sd_add_row_bias(data, bias.data, Int64(rows), Int64(channels), Int64(rows / shape[0])) }
    }

    /// Softmax over the last dimension, in place.
    public func softmaxLastDimension() {
        guard let cols = shape.last, cols > 0 else { return }
        KernelProfile.measure("elementwise") { sd_softmax_rows(data, Int64(count / cols), Int64(cols)) }
    }
}
