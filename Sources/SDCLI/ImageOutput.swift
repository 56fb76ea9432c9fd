import Foundation
import SDPipelines

/// Writes a generated image as PNG with the A1111 `parameters` text chunk, atomically.
enum ImageOutput {
    static func writePNG(pixels: [UInt8], width: Int, height: Int, parameters: String, to url: URL) throws {
        let image = try RGBImage(width: width, height: height, pixels: pixels)
        try ImageFile.writePNG(image, to: url, text: [(key: "parameters", value: parameters)])
    }
}
