import ArgumentParser
import Foundation
import SDWeights

/// Options shared by every command that opens a model.
struct ModelOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "Diffusers folder or single .safetensors/.ckpt checkpoint.")
    var model: String

    @Option(help: "Override the detected family: sd1 or sd2.")
    var family: String?

    @Option(help: "Override the detected prediction type: eps or v.")
    var prediction: String?

    func validate() throws {
        if let family, ModelFamily(rawValue: family) == nil {
            throw ValidationError("unknown --family '\(family)'; known: sd1, sd2")
        }
        if let prediction, !["eps", "epsilon", "v", "v_prediction"].contains(prediction) {
            throw ValidationError("unknown --prediction '\(prediction)'; known: eps, v")
        }
    }

    var loadOptions: ModelLoadOptions {
        var options = ModelLoadOptions()
        options.family = family.flatMap(ModelFamily.init(rawValue:))
        switch prediction {
        case "eps", "epsilon": options.prediction = .epsilon
        case "v", "v_prediction": options.prediction = .v
        default: break
        }
        return options
    }

    func load() throws -> ModelCheckpoint {
        try ModelCheckpoint.load(path: URL(fileURLWithPath: model), options: loadOptions)
    }
}
