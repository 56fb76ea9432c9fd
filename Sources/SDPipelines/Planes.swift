/// A batch-1 image as channel planes (CHW, PyTorch's layout without the batch), the unit
/// diffusers' tiled VAE cuts, decodes and blends.
struct Planes {
    var channels: Int
    var height: Int
    var width: Int
    var values: [Float]

    func cropped(y: Int, x: Int, height h: Int, width w: Int) -> Planes {
        var out = [Float](repeating: 0, count: channels * h * w)
        for c in 0..<channels {
            for row in 0..<h {
                let src = (c * height + y + row) * width + x
                out.replaceSubrange((c * h + row) * w..<(c * h + row + 1) * w, with: values[src..<src + w])
            }
        }
        return Planes(channels: channels, height: h, width: w, values: out)
    }

    /// diffusers' `blend_v`: the first `extent` rows fade from the tile above's last rows.
    mutating func blendVertically(from above: Planes, extent requested: Int) {
        let extent = min(above.height, height, requested)
        for y in 0..<extent {
            let t = Float(Double(y) / Double(extent)), s = Float(1 - Double(y) / Double(extent))
            for c in 0..<channels {
                for x in 0..<min(width, above.width) {
                    let i = (c * height + y) * width + x
                    values[i] = above.values[(c * above.height + above.height - extent + y) * above.width + x] * s + values[i] * t
                }
            }
        }
    }

    /// diffusers' `blend_h`: the first `extent` columns fade from the left tile's last columns.
    mutating func blendHorizontally(from left: Planes, extent requested: Int) {
        let extent = min(left.width, width, requested)
        for x in 0..<extent {
            let t = Float(Double(x) / Double(extent)), s = Float(1 - Double(x) / Double(extent))
            for c in 0..<channels {
                for y in 0..<min(height, left.height) {
                    let i = (c * height + y) * width + x
                    values[i] = left.values[(c * left.height + y) * left.width + left.width - extent + x] * s + values[i] * t
                }
            }
        }
    }
}
