import Foundation

/// The handful of NumPy routines diffusers builds timestep and sigma tables with, reproduced
/// with NumPy's own evaluation order so the tables come out the same (float64 unless noted).
enum NumPy {
    /// `np.linspace(start, stop, num)` (endpoint included): `i * step + start`, last = stop.
    static func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        guard num > 0 else { return [] }
        guard num > 1 else { return [start] }
        let step = (stop - start) / Double(num - 1)
        var values = (0..<num).map { Double($0) * step + start }
        values[num - 1] = stop
        return values
    }

    /// `np.linspace(start, stop, num, endpoint=False)`.
    static func linspaceExcludingEnd(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
        guard num > 0 else { return [] }
        let step = (stop - start) / Double(num)
        return (0..<num).map { Double($0) * step + start }
    }

    /// `np.arange(start, stop, step)` for floats: length `ceil((stop - start) / step)`,
    /// values `start + i * ((start + step) - start)` as NumPy's fill computes them.
    static func arange(_ start: Double, _ stop: Double, _ step: Double) -> [Double] {
        let length = ((stop - start) / step).rounded(.up)
        guard length.isFinite, length > 0 else { return [] }
        let delta = (start + step) - start
        return (0..<Int(length)).map { $0 == 0 ? start : start + Double($0) * delta }
    }

    /// `np.round`: halves go to the even neighbour.
    static func round(_ value: Double) -> Double {
        value.rounded(.toNearestOrEven)
    }

    /// `np.interp(x, np.arange(len(fp)), fp)`.
    static func interpOnIndexGrid(_ x: Double, _ fp: [Float]) -> Double {
        guard let first = fp.first, let last = fp.last else { return .nan }
        let lastIndex = fp.count - 1
        if x.isNaN { return .nan }
        if x < 0 { return Double(first) }
        if x >= Double(lastIndex) { return Double(last) }
        let j = Int(x.rounded(.down))
        if Double(j) == x { return Double(fp[j]) }
        let slope = Double(fp[j + 1]) - Double(fp[j])
        return slope * (x - Double(j)) + Double(fp[j])
    }
}
