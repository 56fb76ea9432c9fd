import Foundation

/// Applies `SingleFileNameMap` to the tensors of a single-file LDM checkpoint: the block
/// numbering is derived from the tensors present, names become diffusers names, and the few
/// tensors diffusers stores differently are reshaped or split (all zero-copy).
public enum SingleFileConverter {
    /// Block counts the positional rules need, read off the LDM names.
    public struct Geometry: Equatable, Sendable {
        public var unetLayersPerBlock = 0
        public var unetLevels = 0
        public var vaeLevels = 0
        public var openClipLayers = 0
    }

    public struct Output {
        public var tensors: [StoredTensor] = []
        /// LDM names under the component prefix that no rule matched.
        public var unmapped: [String] = []
    }

    /// Numbers `i` found in names `prefix + "i."`.
    static func indices(_ names: [String], after prefix: String) -> Set<Int> {
        var result = Set<Int>()
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if let dot = rest.firstIndex(of: "."), let value = Int(rest[..<dot]) { result.insert(value) }
        }
        return result
    }

    /// Derives the block structure. `unetNames`, `vaeNames` and `openClipNames` are the LDM
    /// names with the component prefix removed.
    public static func geometry(unetNames: [String], vaeNames: [String], openClipNames: [String],
                                path: String) throws -> Geometry {
        var geometry = Geometry()
        if !unetNames.isEmpty {
            let inputs = indices(unetNames, after: "input_blocks.")
            let downsamplers = inputs.filter { index in unetNames.contains { $0.hasPrefix("input_blocks.\(index).0.op.") } }
            let outputs = indices(unetNames, after: "output_blocks.")
            let last = inputs.max() ?? 0
            let levels = downsamplers.count + 1
            let resnets = last - downsamplers.count
            guard last > 0, resnets > 0, resnets % levels == 0 else {
                throw WeightsError.unsupportedModel(path: path, detail: "cannot derive U-Net blocks from input_blocks 0...\(last)")
            }
            geometry.unetLevels = levels
            geometry.unetLayersPerBlock = resnets / levels
            guard outputs.count == levels * (geometry.unetLayersPerBlock + 1) else {
                throw WeightsError.unsupportedModel(path: path, detail: "U-Net has \(outputs.count) output blocks, expected \(levels * (geometry.unetLayersPerBlock + 1))")
            }
        }
        geometry.vaeLevels = indices(vaeNames, after: "encoder.down.").count
        geometry.openClipLayers = indices(openClipNames, after: "transformer.resblocks.").count
        return geometry
    }

    /// Renames (and where needed reshapes or splits) the tensors of one component.
    /// `tensors` are keyed by their full LDM names; only those under the component's prefix are used.
    public static func convert(_ tensors: [StoredTensor], component: SingleFileNameMap.Component,
                               geometry: Geometry, path: String) throws -> Output {
        var output = Output()
        for tensor in tensors {
            guard let prefix = component.prefixes.first(where: { tensor.name.hasPrefix($0) }) else { continue }
            let name = String(tensor.name.dropFirst(prefix.count))
            var matched = false
            for rule in component.rules {
                guard let (number, tail) = match(name, rule.pattern) else { continue }
                matched = true
                guard let head = try diffusersPrefix(rule, number: number, geometry: geometry, name: tensor.name, path: path) else {
                    break
                }
                let renamedTail = renameTail(tail, rule.tail)
                let action = rule.actions.first(where: { $0.tail == renamedTail })?.action ?? .keep
                output.tensors.append(contentsOf: try apply(action, to: tensor, name: head + renamedTail, path: path))
                break
            }
            if !matched { output.unmapped.append(tensor.name) }
        }
        return output
    }

    /// Matches `pattern` (with at most one `#` for a number) at the start of `name`.
    static func match(_ name: String, _ pattern: String) -> (number: Int?, tail: String)? {
        guard let hash = pattern.firstIndex(of: "#") else {
            return name.hasPrefix(pattern) ? (nil, String(name.dropFirst(pattern.count))) : nil
        }
        let before = pattern[..<hash]
        let after = pattern[pattern.index(after: hash)...]
        guard name.hasPrefix(before) else { return nil }
        let rest = name.dropFirst(before.count)
        let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let remainder = rest.dropFirst(digits.count)
        guard remainder.hasPrefix(after) else { return nil }
        return (number, String(remainder.dropFirst(after.count)))
    }

    /// The rule's template with its numbers filled in; nil when the tensor is to be dropped.
    static func diffusersPrefix(_ rule: SingleFileNameMap.Rule, number: Int?, geometry: Geometry,
                                name: String, path: String) throws -> String? {
        var block = 0
        var layer = 0
        var index = number ?? 0
        switch rule.index {
        case .none, .same:
            break
        case .downBlock:
            let span = geometry.unetLayersPerBlock + 1
            guard index >= 1, span > 1 else { throw unexpected(name, path) }
            block = (index - 1) / span
            layer = (index - 1) % span
        case .upBlock:
            let span = geometry.unetLayersPerBlock + 1
            guard span > 1 else { throw unexpected(name, path) }
            block = index / span
            layer = index % span
        case .reversed:
            index = geometry.vaeLevels - 1 - index
            guard index >= 0 else { throw unexpected(name, path) }
        case .penultimate:
            if index >= geometry.openClipLayers - 1 { return nil }
        }
        return rule.template
            .replacingOccurrences(of: "{i}", with: String(index))
            .replacingOccurrences(of: "{block}", with: String(block))
            .replacingOccurrences(of: "{layer}", with: String(layer))
    }

    static func unexpected(_ name: String, _ path: String) -> WeightsError {
        .unsupportedModel(path: path, detail: "tensor '\(name)' does not fit the block structure")
    }

    /// Applies the first matching rename to a dotted component of the tail (`0.nin_shortcut.weight`).
    static func renameTail(_ tail: String, _ renames: [(String, String)]) -> String {
        for (old, new) in renames {
            if tail.hasPrefix(old) { return new + tail.dropFirst(old.count) }
            if let range = tail.range(of: "." + old) {
                return tail.replacingCharacters(in: range, with: "." + new)
            }
        }
        return tail
    }

    static func apply(_ action: SingleFileNameMap.Action, to tensor: StoredTensor, name: String,
                      path: String) throws -> [StoredTensor] {
        switch action {
        case .keep:
            return [tensor.renamed(name)]
        case .drop:
            return []
        case .squeezeToLinear:
            guard tensor.shape.count > 2 else { return [tensor.renamed(name)] }
            guard tensor.shape.dropFirst(2).allSatisfy({ $0 == 1 }),
                  let linear = tensor.reshaped(Array(tensor.shape.prefix(2))) else {
                throw WeightsError.shapeMismatch(name: tensor.name, expected: [tensor.shape[0], tensor.shape[1], 1, 1],
                                                 got: tensor.shape, source: path)
            }
            return [linear.renamed(name)]
        case .splitQKV:
            guard let rows = tensor.shape.first, rows % 3 == 0 else {
                throw WeightsError.shapeMismatch(name: tensor.name, expected: [3 * ((tensor.shape.first ?? 0) / 3)],
                                                 got: tensor.shape, source: path)
            }
            let part = rows / 3
            let base = name.replacingOccurrences(of: "in_proj_weight", with: "#_proj.weight")
                .replacingOccurrences(of: "in_proj_bias", with: "#_proj.bias")
            return ["q", "k", "v"].enumerated().compactMap { index, letter in
                tensor.rows((index * part)..<((index + 1) * part),
                            name: base.replacingOccurrences(of: "#", with: letter))
            }
        }
    }
}
