/// Overlapping tiles along one axis and their blending weights: each tile fades in linearly
/// over the overlap on every side that meets another tile, so weighted sums of tile outputs
/// (divided by the summed weights) have no seams.
struct TileGrid {
    let length: Int
    let tile: Int
    let overlap: Int
    /// First position of each tile; the last tile ends at `length`.
    let starts: [Int]

    init(length: Int, tile requested: Int, overlap requestedOverlap: Int) {
        self.length = length
        tile = min(requested, length)
        overlap = min(requestedOverlap, tile / 2)
        var starts = [0]
        let stride = max(tile - overlap, 1)
        while let last = starts.last, last + tile < length { starts.append(min(last + stride, length - tile)) }
        self.starts = starts
    }

    /// Weight of position `i` (0..<tile) of the tile starting at `start`.
    func weight(_ i: Int, start: Int) -> Float {
        var w: Float = 1
        let ramp = Float(overlap + 1)
        if start > 0 { w = min(w, Float(i + 1) / ramp) }
        if start + tile < length { w = min(w, Float(tile - i) / ramp) }
        return w
    }
}
