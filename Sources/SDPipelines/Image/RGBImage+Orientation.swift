extension RGBImage {
    /// The picture with an EXIF orientation undone, pixel for pixel as Pillow's
    /// `Image.transpose` does for the method `exif_transpose` picks.
    func transposed(_ orientation: ExifOrientation) -> RGBImage {
        let w = width, h = height
        let swapsAxes: Bool
        let source: (Int, Int) -> (Int, Int)
        switch orientation {
        case .flipLeftRight: swapsAxes = false; source = { x, y in (w - 1 - x, y) }
        case .rotate180: swapsAxes = false; source = { x, y in (w - 1 - x, h - 1 - y) }
        case .flipTopBottom: swapsAxes = false; source = { x, y in (x, h - 1 - y) }
        case .transpose: swapsAxes = true; source = { x, y in (y, x) }
        case .rotate270: swapsAxes = true; source = { x, y in (y, h - 1 - x) }
        case .transverse: swapsAxes = true; source = { x, y in (w - 1 - y, h - 1 - x) }
        case .rotate90: swapsAxes = true; source = { x, y in (w - 1 - y, x) }
        }
        let outWidth = swapsAxes ? h : w, outHeight = swapsAxes ? w : h
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy) = source(x, y)
                        let from = (sy * w + sx) * 3, to = (y * outWidth + x) * 3
                        dst[to] = src[from]
                        dst[to + 1] = src[from + 1]
                        dst[to + 2] = src[from + 2]
                    }
                }
            }
        }
        return RGBImage(uncheckedWidth: outWidth, height: outHeight, pixels: out)
    }
}
