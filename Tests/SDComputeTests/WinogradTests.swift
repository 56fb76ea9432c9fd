import Foundation
import SDCompute
import XCTest

/// 3x3 convolutions on images of 64x64 and more take oneDNN's Winograd F(4x4, 3x3) path
/// (NHWC reordered to nChw16c around it). Checked against the direct algorithm, which the same
/// layer runs on a 64x63 image (below the size threshold): every output column not touched by
/// the narrower image's padding must agree within 2e-5 of the output's scale (3e-3 with float16
/// storage, where the Winograd-transformed weights are what is rounded to float16); residual
/// accumulation goes through the same path.
final class WinogradTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 1000 * scale
        }
    }

    private func columns(_ t: Tensor, width: Int, keep: Int) -> [Float] {
        let c = t.shape[3], rows = t.count / (width * c)
        return (0..<rows).flatMap { r in (0..<keep * c).map { t.data[(r * width) * c + $0] } }
    }

    func testWinogradMatchesDirect() throws {
        let (ic, oc) = (320, 320)
        for storage in [WeightStorage.f32, .f16] {
            let conv = try Conv2D(weight: Tensor(shape: [oc, ic, 3, 3], values: values(oc * ic * 9, seed: 1, scale: 1 / 54)),
                                  bias: Tensor(shape: [oc], values: values(oc, seed: 2)), padding: 1, storage: storage)
            let wide = Tensor(shape: [1, 64, 64, ic], values: values(64 * 64 * ic, seed: 3))
            let narrow = Tensor(shape: [1, 64, 63, ic])
            for r in 0..<64 { (narrow.data + r * 63 * ic).update(from: wide.data + r * 64 * ic, count: 63 * ic) }

            let fast = try conv(wide)
            XCTAssertTrue(conv.lastRunUsedWinograd || ProcessInfo.processInfo.environment["SD_DIRECT_CONV"] != nil)
            let direct = try conv(narrow)
            XCTAssertFalse(conv.lastRunUsedWinograd)
            let a = columns(fast, width: 64, keep: 62), b = columns(direct, width: 63, keep: 62)
            let scale = b.map(abs).max() ?? 1
            let err = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(err / scale, storage == .f32 ? 2e-5 : 3e-3, "\(storage): max abs error \(err), scale \(scale)")

            // out += conv(x): the residual sum rides on the reorder back to NHWC.
            let base = Tensor(shape: fast.shape, values: values(fast.count, seed: 4))
            let sum = base.copy()
            try conv.forward(wide, accumulatingInto: sum)
            let expected = zip(base.array, fast.array).map { $0 + $1 }
            XCTAssertLessThan(zip(sum.array, expected).map { abs($0 - $1) }.max() ?? .infinity, 1e-5)
        }
    }
}
