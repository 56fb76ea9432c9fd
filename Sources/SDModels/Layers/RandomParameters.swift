import SDCompute

/// PyTorch-like random initialisation (uniform within 1/sqrt(fan_in); norm scales 1) for
/// benchmarking real-size models: the cost of a forward pass does not depend on weight values,
/// but values must stay finite and away from denormals.
struct RandomParameters {
    private var state: UInt64 = 0x853C49E6748FEA9B

    mutating func tensor(named name: String, shape: [Int]) -> Tensor {
        let t = Tensor(shape: shape)
        let isNormScale = shape.count == 1 && name.hasSuffix(".weight") && name.contains("norm")
        if isNormScale {
            t.data.initialize(repeating: 1, count: t.count)
            return t
        }
        let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : shape[0]
        let bound = 1 / Float(max(fanIn, 1)).squareRoot()
        var s = state
        for i in 0..<t.count {
            s ^= s << 13
            s ^= s >> 7
            s ^= s << 17
            t.data[i] = (Float(s >> 40) * (2 / 16_777_216) - 1) * bound
        }
        state = s
        return t
    }
}
