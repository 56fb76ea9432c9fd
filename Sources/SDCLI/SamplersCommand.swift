import ArgumentParser
import SDSampling

/// `sd samplers`: every sampler with the names it answers to.
struct SamplersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "samplers", abstract: "List the samplers and their names.")

    func run() {
        print("A1111 name            snake name             sd.cpp name   diffusers class")
        for kind in SamplerKind.allCases {
            let cpp = kind.stableDiffusionCppName ?? "-"
            print(kind.displayName.padding(toLength: 22, withPad: " ", startingAt: 0)
                  + kind.snakeName.padding(toLength: 23, withPad: " ", startingAt: 0)
                  + cpp.padding(toLength: 14, withPad: " ", startingAt: 0) + kind.diffusersClassName)
        }
    }
}
