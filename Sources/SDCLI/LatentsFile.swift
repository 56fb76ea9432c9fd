import Foundation
import SDWeights

/// `--save-latents`: tensor `latents`, float32, [1, 4, h/8, w/8].
enum LatentsFile {
    static func write(_ latents: [Float], width: Int, height: Int, to url: URL) throws {
        let data = latents.withUnsafeBufferPointer { Data(buffer: $0) }
        try SafetensorsWriter.write([(name: "latents", dtype: .f32, shape: [1, 4, height, width], data: data)], to: url)
    }
}
