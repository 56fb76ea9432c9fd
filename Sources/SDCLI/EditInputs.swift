import Foundation
import SDPipelines

/// The init image and inpainting mask of `sd generate`, read and sized: `--mask` must have the
/// init image's size (both are then resized to the requested size, Lanczos as diffusers), and
/// `--outpaint` puts the image (resized to --width/--height, or its own size rounded down to
/// multiples of 8) on a larger canvas whose new border is the mask.
struct EditInputs {
    var image: RGBImage
    var mask: PixelMask?

    static func load(initImage: String?, mask maskPath: String?, invertMask: Bool, outpaint: [Int]?,
                     width: Int?, height: Int?, defaultSize: Int) throws -> EditInputs? {
        guard let initImage else { return nil }
        var image = try ImageFile.read(URL(fileURLWithPath: initImage))
        var mask: PixelMask?
        if let maskPath {
            let maskImage = try ImageFile.read(URL(fileURLWithPath: maskPath))
            guard maskImage.width == image.width, maskImage.height == image.height else {
                throw InputError("--mask \(maskPath) is \(maskImage.width)x\(maskImage.height) but --init-image is \(image.width)x\(image.height)")
            }
            mask = try PixelMask(image: maskImage)
        }
        if let outpaint {
            let (w, h) = (width ?? image.width / 8 * 8, height ?? image.height / 8 * 8)
            guard w >= 8, h >= 8 else { throw InputError("--init-image \(initImage) is smaller than 8x8") }
            if w != image.width || h != image.height { image = try image.resized(width: w, height: h) }
            let canvas = try image.outpaintCanvas(left: outpaint[0], top: outpaint[1], right: outpaint[2], bottom: outpaint[3])
            guard canvas.image.width <= 4096, canvas.image.height <= 4096 else {
                throw InputError("--outpaint makes a \(canvas.image.width)x\(canvas.image.height) canvas; the limit is 4096")
            }
            image = canvas.image
            mask = canvas.mask
        } else {
            let (w, h) = (width ?? defaultSize, height ?? defaultSize)
            if w != image.width || h != image.height { image = try image.resized(width: w, height: h) }
            mask = try mask?.resized(width: w, height: h)
        }
        if invertMask {
            guard let current = mask else { throw InputError("--invert-mask needs --mask or --outpaint") }
            mask = current.inverted()
        }
        return EditInputs(image: image, mask: mask)
    }
}
