/// diffusers' tiled VAE (`AutoencoderKL.enable_tiling`, `tiled_encode` / `tiled_decode`):
/// input tiles of `inputTile` with a quarter overlap, each run through the network alone, the
/// outputs blended over a quarter of `outputTile` from the tile above and to the left, then
/// cropped and joined. Memory stays that of one tile at any image size.
struct VAETiling {
    let inputTile: Int
    let outputTile: Int

    /// Whether an input of this size is cut at all (diffusers: either side above the tile).
    func applies(height: Int, width: Int) -> Bool { height > inputTile || width > inputTile }

    func run(_ input: Planes, _ body: (Planes) throws -> Planes) throws -> Planes {
        let stride = Int(Double(inputTile) * 0.75)
        let extent = Int(Double(outputTile) * 0.25)
        let limit = outputTile - extent
        var rows: [[Planes]] = []
        for y in Swift.stride(from: 0, to: input.height, by: stride) {
            rows.append(try Swift.stride(from: 0, to: input.width, by: stride).map { x in
                try body(input.cropped(y: y, x: x, height: min(inputTile, input.height - y), width: min(inputTile, input.width - x)))
            })
        }
        for i in rows.indices {
            for j in rows[i].indices {
                if i > 0 { rows[i][j].blendVertically(from: rows[i - 1][j], extent: extent) }
                if j > 0 { rows[i][j].blendHorizontally(from: rows[i][j - 1], extent: extent) }
            }
        }
        let heights = rows.map { min($0[0].height, limit) }, widths = rows[0].map { min($0.width, limit) }
        let (h, w, channels) = (heights.reduce(0, +), widths.reduce(0, +), rows[0][0].channels)
        var out = [Float](repeating: 0, count: channels * h * w)
        var y0 = 0
        for (i, row) in rows.enumerated() {
            var x0 = 0
            for (j, tile) in row.enumerated() {
                for c in 0..<channels {
                    for y in 0..<heights[i] {
                        let src = (c * tile.height + y) * tile.width, dst = (c * h + y0 + y) * w + x0
                        out.replaceSubrange(dst..<dst + widths[j], with: tile.values[src..<src + widths[j]])
                    }
                }
                x0 += widths[j]
            }
            y0 += heights[i]
        }
        return Planes(channels: channels, height: h, width: w, values: out)
    }
}
