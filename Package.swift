// swift-tools-version:6.0
import PackageDescription

/// Kernels are compiled for the building machine's CPU: SIMD code built for a generic
/// x86-64 runs 30-100x slower than the same code built for AVX-512.
let nativeSwift: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "native"])]
let nativeC: [CSetting] = [.unsafeFlags(["-O3", "-march=native", "-mprefer-vector-width=512", "-ffp-contract=fast",
                                                  "-fno-math-errno", "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math"])]

let package = Package(
    name: "StableDiffusion",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "StableDiffusion", targets: ["SDPipelines"]),
        .executable(name: "sd", targets: ["SDCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // compute: tensors and kernels (oneDNN for convolution and matmul, C with OpenMP for the rest;
        // both share libgomp's thread pool, so neither spins against the other)
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: nativeC,
                linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp"), .linkedLibrary("m")]),
        .target(name: "SDCompute", dependencies: ["CKernels"], swiftSettings: nativeSwift),
        // weights: file formats and checkpoint name mapping
        .target(name: "SDWeights", swiftSettings: nativeSwift),
        // models: tokenizer, text encoder, U-Net, VAE
        .target(name: "SDModels", dependencies: ["SDCompute", "SDWeights"],
                resources: [.copy("Resources/clip-merges.txt")], swiftSettings: nativeSwift),
        // sampling: schedulers, guidance, RNG
        .target(name: "SDSampling", swiftSettings: nativeSwift),
        // image files: libpng/libjpeg/libwebp/zlib behind C wrappers that keep their longjmp out of Swift
        .target(name: "CImageCodecs", path: "Sources/CImageCodecs",
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg"), .linkedLibrary("webp"), .linkedLibrary("z")]),
        // pipelines: txt2img, img2img, ...
        .target(name: "SDPipelines", dependencies: ["SDCompute", "SDWeights", "SDModels", "SDSampling", "CImageCodecs"],
                swiftSettings: nativeSwift),
        // Hugging Face hub: repo ids, the shared hub cache, resumable downloads, A1111 model hashes
        .target(name: "CHash", path: "Sources/CHash", linkerSettings: [.linkedLibrary("crypto")]),
        .target(name: "SDHub", dependencies: ["CHash"]),
        // front end: the `sd` command
        .executableTarget(name: "SDCLI", dependencies: [
            "SDPipelines",
            "SDHub",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: nativeSwift),
        .testTarget(name: "SDComputeTests", dependencies: ["SDCompute"], swiftSettings: nativeSwift),
        .testTarget(name: "SDWeightsTests", dependencies: ["SDWeights"], swiftSettings: nativeSwift),
        .testTarget(name: "SDModelsTests", dependencies: ["SDModels"], swiftSettings: nativeSwift),
        .testTarget(name: "SDSamplingTests", dependencies: ["SDSampling"], swiftSettings: nativeSwift),
        .testTarget(name: "SDPipelinesTests", dependencies: ["SDPipelines"], swiftSettings: nativeSwift),
        .testTarget(name: "SDCLITests", dependencies: ["SDCLI"], swiftSettings: nativeSwift),
        .testTarget(name: "SDHubTests", dependencies: ["SDHub", "SDWeights"]),
    ],
    swiftLanguageModes: [.v5]
)
