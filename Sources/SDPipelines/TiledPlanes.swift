/// Runs a function over overlapping tiles of a CHW image (flat, batch 1) and blends the tile
/// outputs, which may be a whole multiple `scale` larger than the tiles (a VAE decoder's
/// 8x or the upscaler VAE's 4x) and have another channel count.
struct TiledPlanes {
    let rows: TileGrid
    let columns: TileGrid

    init(height: Int, width: Int, tile: Int, overlap: Int) {
        rows = TileGrid(length: height, tile: tile, overlap: overlap)
        columns = TileGrid(length: width, tile: tile, overlap: overlap)
    }

    var count: Int { rows.starts.count * columns.starts.count }

    /// `body(input tile CHW, tile height, tile width)` returns the output tile, CHW with
    /// `outChannels` channels at `scale` times the tile's size.
    func map(_ input: [Float], channels: Int, outChannels: Int, scale: Int,
             _ body: ([Float], Int, Int) throws -> [Float]) throws -> [Float] {
        let (h, w) = (rows.length, columns.length)
        let (oh, ow) = (h * scale, w * scale)
        var sum = [Float](repeating: 0, count: outChannels * oh * ow)
        var weights = [Float](repeating: 0, count: oh * ow)
        let whole = Planes(channels: channels, height: h, width: w, values: input)
        for y0 in rows.starts {
            for x0 in columns.starts {
                let (th, tw) = (rows.tile, columns.tile)
                let tile = whole.cropped(y: y0, x: x0, height: th, width: tw)
                let out = try body(tile.values, th, tw)
                let (sh, sw) = (th * scale, tw * scale)
                for y in 0..<sh {
                    let wy = rows.weight(y / scale, start: y0)
                    for x in 0..<sw {
                        let weight = wy * columns.weight(x / scale, start: x0)
                        let target = (y0 * scale + y) * ow + x0 * scale + x
                        weights[target] += weight
                        for c in 0..<outChannels { sum[c * oh * ow + target] += weight * out[(c * sh + y) * sw + x] }
                    }
                }
            }
        }
        let plane = oh * ow
        return (0..<sum.count).map { sum[$0] / weights[$0 % plane] }
    }
}
