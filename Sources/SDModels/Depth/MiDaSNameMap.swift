import Foundation
import SDWeights

/// Tensor names of the original MiDaS release files (isl-org/DPT `DPTDepthModel`, timm's
/// `vit_base_resnet50_384` under `pretrained.model`, the decoder under `scratch`) and their
/// transformers names: the renaming of transformers' `convert_dpt_hybrid_to_pytorch.py`, as data.
/// scripts/make-depth-fixtures.py holds the same table to write a MiDaS-named fixture.
enum MiDaSNameMap {
    /// A prefix pair; `#` stands for a number. The rule's first number may be renumbered.
    struct Rule {
        enum Numbering {
            case same
            /// MiDaS counts from 1 (`act_postprocess1`, `layer1_rn` are reassemble/conv 0).
            case fromOne
            /// `refinenet4` is fusion layer 0, `refinenet1` fusion layer 3.
            case fromFour
        }

        let midas: String
        let transformers: String
        let numbering: Numbering

        init(_ midas: String, _ transformers: String, _ numbering: Numbering = .same) {
            self.midas = midas
            self.transformers = transformers
            self.numbering = numbering
        }
    }

    static let rules: [Rule] = [
        Rule("pretrained.model.cls_token", "dpt.embeddings.cls_token"),
        Rule("pretrained.model.pos_embed", "dpt.embeddings.position_embeddings"),
        Rule("pretrained.model.patch_embed.proj.", "dpt.embeddings.projection."),
        Rule("pretrained.model.patch_embed.backbone.stem.conv.", "dpt.embeddings.backbone.bit.embedder.convolution."),
        Rule("pretrained.model.patch_embed.backbone.stem.norm.", "dpt.embeddings.backbone.bit.embedder.norm."),
        Rule("pretrained.model.patch_embed.backbone.stages.#.blocks.#.", "dpt.embeddings.backbone.bit.encoder.stages.#.layers.#."),
        Rule("pretrained.model.blocks.#.norm1.", "dpt.encoder.layer.#.layernorm_before."),
        Rule("pretrained.model.blocks.#.norm2.", "dpt.encoder.layer.#.layernorm_after."),
        Rule("pretrained.model.blocks.#.attn.proj.", "dpt.encoder.layer.#.attention.output.dense."),
        Rule("pretrained.model.blocks.#.mlp.fc1.", "dpt.encoder.layer.#.intermediate.dense."),
        Rule("pretrained.model.blocks.#.mlp.fc2.", "dpt.encoder.layer.#.output.dense."),
        Rule("pretrained.model.norm.", "dpt.layernorm."),
        Rule("pretrained.act_postprocess#.0.project.0.", "neck.reassemble_stage.readout_projects.#.0.", .fromOne),
        Rule("pretrained.act_postprocess#.3.", "neck.reassemble_stage.layers.#.projection.", .fromOne),
        Rule("pretrained.act_postprocess#.4.", "neck.reassemble_stage.layers.#.resize.", .fromOne),
        Rule("scratch.layer#_rn.", "neck.convs.#.", .fromOne),
        Rule("scratch.refinenet#.out_conv.", "neck.fusion_stage.layers.#.projection.", .fromFour),
        Rule("scratch.refinenet#.resConfUnit#.conv#.", "neck.fusion_stage.layers.#.residual_layer#.convolution#.", .fromFour),
        Rule("scratch.refinenet#.resConfUnit#.bn#.", "neck.fusion_stage.layers.#.residual_layer#.batch_norm#.", .fromFour),
        Rule("scratch.output_conv.", "head.head."),
    ]

    /// timm's fused attention input projection: rows [q; k; v] of `qkv`.
    static let fusedQKV = Rule("pretrained.model.blocks.#.attn.qkv.", "dpt.encoder.layer.#.attention.attention.")
    static let qkvParts = ["query", "key", "value"]
    /// timm's ImageNet classifier, kept in the release file and unused by MiDaS.
    static let ignoredPrefixes = ["pretrained.model.head."]

    /// The transformers name of a MiDaS tensor (nil for names no rule covers and for q/k/v).
    static func transformersName(_ midas: String) -> String? {
        for rule in rules {
            if let (numbers, rest) = match(midas, rule.midas) {
                return fill(rule.transformers, renumber(numbers, rule.numbering, toMiDaS: false), rest)
            }
        }
        return nil
    }

    /// The MiDaS name of a transformers tensor, for error messages about MiDaS files.
    static func midasName(_ transformers: String) -> String? {
        for rule in rules {
            if let (numbers, rest) = match(transformers, rule.transformers) {
                return fill(rule.midas, renumber(numbers, rule.numbering, toMiDaS: true), rest)
            }
        }
        if let (numbers, rest) = match(transformers, fusedQKV.transformers) {
            for part in qkvParts where rest.hasPrefix(part + ".") {
                return fill(fusedQKV.midas, numbers, String(rest.dropFirst(part.count + 1)))
            }
        }
        return nil
    }

    /// The checkpoint's tensors under transformers names (zero-copy views; q, k, v split from
    /// qkv by rows). Unknown names and a qkv that is not [3 * hidden, ...] are errors naming the
    /// MiDaS tensor and the file.
    static func transformersStore(from url: URL, hiddenSize: Int) throws -> WeightStore {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw WeightsError.fileMissing(path: path) }
        let file = try TorchCheckpointFile(url: url)
        guard !file.names.isEmpty else {
            throw WeightsError.unsupportedModel(path: path, detail: "no tensors at the top level of the checkpoint")
        }
        return try transformersStore(from: file.names.compactMap { file.tensors[$0] }, hiddenSize: hiddenSize,
                                     source: path)
    }

    /// `transformersStore(from:hiddenSize:)` on tensors already read.
    static func transformersStore(from tensors: [StoredTensor], hiddenSize: Int, source path: String) throws -> WeightStore {
        var renamed: [StoredTensor] = []
        var unknown: [String] = []
        for tensor in tensors {
            let name = tensor.name
            if ignoredPrefixes.contains(where: { name.hasPrefix($0) }) { continue }
            if let target = transformersName(name) {
                renamed.append(tensor.renamed(target))
            } else if let (numbers, rest) = match(name, fusedQKV.midas) {
                guard tensor.shape.first == 3 * hiddenSize else {
                    var expected = tensor.shape
                    if !expected.isEmpty { expected[0] = 3 * hiddenSize }
                    throw WeightsError.shapeMismatch(name: name, expected: expected, got: tensor.shape, source: path)
                }
                for (i, part) in qkvParts.enumerated() {
                    let target = fill(fusedQKV.transformers, numbers, part + "." + rest)
                    guard let rows = tensor.rows(i * hiddenSize..<((i + 1) * hiddenSize), name: target) else {
                        throw WeightsError.shapeMismatch(name: name, expected: [3 * hiddenSize], got: tensor.shape, source: path)
                    }
                    renamed.append(rows)
                }
            } else {
                unknown.append(name)
            }
        }
        if !unknown.isEmpty { throw WeightsError.unknownTensors(names: unknown.sorted(), source: path) }
        return WeightStore(source: path, tensors: renamed)
    }

    /// A loading error about a transformers name, restated with the MiDaS name the file uses.
    static func restated(_ error: Error) -> Error {
        guard let error = error as? WeightsError else { return error }
        switch error {
        case let .missingTensor(name, source):
            return WeightsError.missingTensor(name: midasName(name) ?? name, source: source)
        case let .shapeMismatch(name, expected, got, source):
            return WeightsError.shapeMismatch(name: midasName(name) ?? name, expected: expected, got: got, source: source)
        case let .unknownTensors(names, source):
            return WeightsError.unknownTensors(names: Array(Set(names.map { midasName($0) ?? $0 })).sorted(), source: source)
        default:
            return error
        }
    }

    /// The numbers standing for `#` and the text after the template, when `name` starts with it.
    private static func match(_ name: String, _ template: String) -> ([Int], String)? {
        var numbers: [Int] = []
        var rest = Substring(name)
        let parts = template.split(separator: "#", omittingEmptySubsequences: false)
        for (i, part) in parts.enumerated() {
            guard rest.hasPrefix(part) else { return nil }
            rest = rest.dropFirst(part.count)
            if i < parts.count - 1 {
                let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
                guard !digits.isEmpty, let number = Int(digits) else { return nil }
                numbers.append(number)
                rest = rest.dropFirst(digits.count)
            }
        }
        return (numbers, String(rest))
    }

    private static func fill(_ template: String, _ numbers: [Int], _ rest: String) -> String {
        let parts = template.split(separator: "#", omittingEmptySubsequences: false)
        var out = String(parts[0])
        for (number, part) in zip(numbers, parts.dropFirst()) { out += String(number) + part }
        return out + rest
    }

    private static func renumber(_ numbers: [Int], _ numbering: Rule.Numbering, toMiDaS: Bool) -> [Int] {
        guard let first = numbers.first else { return numbers }
        let changed: Int
        switch numbering {
        case .same: changed = first
        case .fromOne: changed = toMiDaS ? first + 1 : first - 1
        case .fromFour: changed = 4 - first
        }
        return [changed] + numbers.dropFirst()
    }
}
