import SDCompute
import SDWeights

/// Reads a model's parameters by diffusers name from a `WeightStore`, checks every shape against
/// what the configuration implies, and records which names were consumed so that leftovers
/// (a checkpoint for another architecture) are reported instead of silently ignored.
/// Without a store it synthesises random parameters of the expected shapes, which is how
/// `sd bench` builds real-size models without a checkpoint.
final class ParameterLoader {
    private final class Ledger {
        var used: Set<String> = []
        var random = RandomParameters()
    }

    let store: WeightStore?
    let prefix: String
    /// Precision of the convolution and matmul weights this loader builds.
    let storage: WeightStorage
    /// Whether its convolutions may use Winograd on large images (see `Conv2D.allowsWinograd`).
    let winograd: Bool
    private let ledger: Ledger

    init(store: WeightStore?, prefix: String = "", storage: WeightStorage = .f32, winograd: Bool = true) {
        self.store = store
        self.prefix = prefix
        self.storage = storage
        self.winograd = winograd
        ledger = Ledger()
    }

    private init(store: WeightStore?, prefix: String, storage: WeightStorage, winograd: Bool, ledger: Ledger) {
        self.store = store
        self.prefix = prefix
        self.storage = storage
        self.winograd = winograd
        self.ledger = ledger
    }

    /// A loader whose names are relative to `component` (e.g. "down_blocks.0").
    func scoped(_ component: String) -> ParameterLoader {
        ParameterLoader(store: store, prefix: path(component), storage: storage, winograd: winograd, ledger: ledger)
    }

    func path(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    /// The parameter as float32, after checking it has `shape` (-1 matches any size).
    func tensor(_ name: String, shape expected: [Int]) throws -> Tensor {
        let full = path(name)
        guard let store else { return ledger.random.tensor(named: full, shape: expected) }
        let stored = try store.tensor(full)
        let matches = stored.shape.count == expected.count
            && zip(stored.shape, expected).allSatisfy { $1 < 0 || $0 == $1 }
        guard matches else {
            throw WeightsError.shapeMismatch(name: full, expected: expected, got: stored.shape, source: stored.source)
        }
        let t = Tensor(unpooledShape: stored.shape)
        try stored.copyFloats(into: t.data)
        // The layer keeps its own copy: the file's pages need not stay resident.
        stored.releaseResidentPages()
        ledger.used.insert(full)
        return t
    }

    func floats(_ name: String, count: Int) throws -> [Float] {
        try tensor(name, shape: [count]).array
    }

    func conv(_ name: String, in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int = 1,
              padding: (top: Int, left: Int, bottom: Int, right: Int)? = nil, bias: Bool = true) throws -> Conv2D {
        let w = try tensor(name + ".weight", shape: [outChannels, inChannels, kernel, kernel])
        let b = bias ? try tensor(name + ".bias", shape: [outChannels]) : nil
        let p = kernel / 2
        let conv = try Conv2D(weight: w, bias: b, stride: stride, padding: padding ?? (p, p, p, p), storage: storage)
        if !winograd { conv.allowsWinograd = false }
        return conv
    }

    func linear(_ name: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true) throws -> Linear {
        let w = try tensor(name + ".weight", shape: [outFeatures, inFeatures])
        let b = bias ? try tensor(name + ".bias", shape: [outFeatures]) : nil
        return try Linear(weight: w, bias: b, storage: storage)
    }

    /// A linear layer from a 1x1 convolution's or a linear layer's weights, whichever the file has
    /// (SD1 uses 1x1 convs where SD2 uses linear projections; on NHWC data they are the same).
    func projection(_ name: String, in inFeatures: Int, out outFeatures: Int) throws -> Linear {
        let rank = try store?.tensor(path(name + ".weight")).shape.count ?? 2
        let w = try tensor(name + ".weight", shape: rank == 4 ? [outFeatures, inFeatures, 1, 1] : [outFeatures, inFeatures])
        let b = try tensor(name + ".bias", shape: [outFeatures])
        return try Linear(weight: w.reshaped([outFeatures, inFeatures]), bias: b, storage: storage)
    }

    /// Several linear layers fused into one matmul by stacking their weights (e.g. Q, K and V).
    func fusedLinear(_ names: [String], in inFeatures: Int, out outFeatures: Int, bias: Bool) throws -> Linear {
        let w = Tensor(unpooledShape: [outFeatures * names.count, inFeatures])
        let b = bias ? Tensor(unpooledShape: [outFeatures * names.count]) : nil
        for (i, name) in names.enumerated() {
            let part = try tensor(name + ".weight", shape: [outFeatures, inFeatures])
            (w.data + i * part.count).update(from: part.data, count: part.count)
            if let b {
                let pb = try tensor(name + ".bias", shape: [outFeatures])
                (b.data + i * outFeatures).update(from: pb.data, count: outFeatures)
            }
        }
        return try Linear(weight: w, bias: b, storage: storage)
    }

    func groupNorm(_ name: String, groups: Int, channels: Int, eps: Float) throws -> GroupNorm {
        try GroupNorm(groups: groups, eps: eps, gamma: floats(name + ".weight", count: channels),
                      beta: floats(name + ".bias", count: channels))
    }

    func layerNorm(_ name: String, channels: Int, eps: Float) throws -> LayerNorm {
        try LayerNorm(eps: eps, gamma: floats(name + ".weight", count: channels),
                      beta: floats(name + ".bias", count: channels))
    }

    /// Fails when the store holds parameters under this loader's prefix that no layer consumed.
    func checkAllConsumed(ignoring ignorable: (String) -> Bool = { _ in false }) throws {
        guard let store else { return }
        let mine = store.names.filter { prefix.isEmpty || $0.hasPrefix(prefix + ".") }
        let unused = mine.filter { !ledger.used.contains($0) && !ignorable($0) }.sorted()
        if !unused.isEmpty {
            throw WeightsError.unknownTensors(names: unused, source: store.source)
        }
    }
}
