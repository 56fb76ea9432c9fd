import Foundation

/// Which files of a diffusers repo this engine needs, chosen as diffusers'
/// `DiffusionPipeline.download` chooses them (`model_index.json`, each used component's
/// configs and one set of weights: safetensors before bin, the variant before plain files),
/// but only for the components we load.
enum DiffusersFiles {
    /// Components we load; everything else in `model_index.json` (safety_checker,
    /// text_encoder_2, image_encoder, ...) is skipped.
    static let usedComponents = ["unet", "vae", "text_encoder", "tokenizer", "scheduler", "low_res_scheduler",
                                 "depth_estimator", "feature_extractor"]

    /// Files a loaded component cannot do without, besides its weights.
    static let requiredConfigs: [String: [String]] = [
        "unet": ["config.json"], "vae": ["config.json"], "text_encoder": ["config.json"],
        "depth_estimator": ["config.json"], "tokenizer": ["vocab.json", "merges.txt"],
        "scheduler": ["scheduler_config.json"], "low_res_scheduler": ["scheduler_config.json"],
        "feature_extractor": ["preprocessor_config.json"],
    ]

    /// Components whose weights we load, and their usual weight file stem.
    static let weightStems = ["unet": "diffusion_pytorch_model", "vae": "diffusion_pytorch_model",
                              "text_encoder": "model", "depth_estimator": "model"]

    /// The used components that `model_index.json` names with a class (not `[null, null]`);
    /// nil when the file is not a JSON object.
    static func components(modelIndex: Data) -> [String]? {
        guard let index = (try? JSONSerialization.jsonObject(with: modelIndex)) as? [String: Any] else { return nil }
        return usedComponents.filter { name in
            guard let entry = index[name] as? [Any] else { return false }
            return entry.contains { $0 is String }
        }
    }

    /// The files to download from a repo listing, `model_index.json` first.
    static func select(files: [String], components: [String], variant: String?) -> [String] {
        var chosen = ["model_index.json"]
        for component in components {
            let names = files.compactMap { file -> String? in
                let parts = file.split(separator: "/", omittingEmptySubsequences: false)
                return parts.count == 2 && parts[0] == component ? String(parts[1]) : nil
            }
            let configs = names.filter { ($0.hasSuffix(".json") || $0.hasSuffix(".txt")) && WeightFileName($0) == nil }
            let weights = weightSet(names, variant: variant, strict: false) ?? []
            chosen += (configs + weights).sorted().map { "\(component)/\($0)" }
        }
        return chosen
    }

    /// What a snapshot folder lacks for loading (empty when complete). `strictVariant` demands
    /// the variant's own weights (online, where they might still be fetched); otherwise plain
    /// weights stand in for a missing variant, as they would after a download.
    static func missing(in snapshot: URL, variant: String?, strictVariant: Bool) -> [String] {
        let manager = FileManager.default
        func exists(_ path: String) -> Bool {
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: snapshot.appendingPathComponent(path).path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        guard exists("model_index.json") else { return ["model_index.json"] }
        guard let data = manager.contents(atPath: snapshot.appendingPathComponent("model_index.json").path),
              let components = components(modelIndex: data) else { return ["model_index.json"] }
        var missing: [String] = []
        for component in components {
            missing += (requiredConfigs[component] ?? []).map { "\(component)/\($0)" }.filter { !exists($0) }
            guard let stem = weightStems[component] else { continue }
            let folder = snapshot.appendingPathComponent(component)
            let names = ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).filter { exists("\(component)/\($0)") }
            guard let weights = weightSet(names, variant: variant, strict: strictVariant) else {
                missing.append("\(component)/\(stem)\(variant.map { ".\($0)" } ?? "").safetensors")
                continue
            }
            for index in weights where WeightFileName(index)?.isIndex == true {
                missing += shards(listedIn: folder.appendingPathComponent(index)).map { "\(component)/\($0)" }.filter { !exists($0) }
            }
        }
        return missing
    }

    /// One component's weight files: the first non-empty group of safetensors/variant,
    /// safetensors/plain, bin/variant, bin/plain; with no variant asked and no plain
    /// weights, a repo that only has fp16 files still yields those.
    static func weightSet(_ names: [String], variant: String?, strict: Bool) -> [String]? {
        let parsed = names.compactMap { name in WeightFileName(name).map { (name, $0) } }
        func group(_ format: String, _ wanted: String?) -> [String] {
            parsed.filter { $0.1.format == format && $0.1.variant == wanted }.map(\.0)
        }
        var order: [(String, String?)] = []
        for format in ["safetensors", "bin"] {
            if let variant { order.append((format, variant)) }
            if variant == nil || !strict { order.append((format, nil)) }
        }
        if variant == nil { order += [("safetensors", "fp16"), ("bin", "fp16")] }
        for (format, wanted) in order {
            let files = group(format, wanted)
            if !files.isEmpty { return files.sorted() }
        }
        return nil
    }

    /// Shard file names a sharded checkpoint's index lists (`weight_map` values).
    static func shards(listedIn index: URL) -> [String] {
        guard let data = FileManager.default.contents(atPath: index.path),
              let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let map = json["weight_map"] as? [String: String] else { return [] }
        return Set(map.values).sorted()
    }
}
