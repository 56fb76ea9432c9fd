import Foundation
import SDCompute
import SDPipelines

/// `--init-image`: read (PNG or JPEG), resized with Lanczos to the requested size when it
/// differs (as diffusers' image processor does), normalised to [-1, 1].
enum InitImage {
    static func load(_ url: URL, width: Int, height: Int) throws -> Tensor {
        var image = try ImageFile.read(url)
        if image.width != width || image.height != height {
            image = try image.resized(width: width, height: height)
        }
        return image.normalizedTensor()
    }
}
