import Foundation
import SDCompute
import XCTest

/// Reduced-precision weight storage: a layer keeping float16 / bfloat16 weights computes exactly
/// what a float32 layer computes with the same weights rounded to that precision (the arithmetic
/// is float32 in both), through the first-call reorder and through repeated calls.
final class WeightStorageTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000 - 1000) / 997
        }
    }

    private func rounded(_ v: [Float], _ storage: WeightStorage) -> [Float] {
        switch storage {
        case .f32: return v
        case .f16: return v.map { Float(Float16($0)) }
        case .bf16:
            return v.map { x in
                let bits = x.bitPattern
                return Float(bitPattern: ((bits &+ 0x7fff &+ ((bits >> 16) & 1)) >> 16) << 16)
            }
        }
    }

    func testConvolutionAndMatmulUseRoundedWeights() throws {
        for storage in [WeightStorage.f16, .bf16] {
            let w = values(24 * 16 * 9, seed: 1), b = values(24, seed: 2)
            let x = Tensor(shape: [2, 9, 7, 16], values: values(2 * 9 * 7 * 16, seed: 3))
            let reduced = try Conv2D(weight: Tensor(shape: [24, 16, 3, 3], values: w), bias: Tensor(shape: [24], values: b),
                                     padding: 1, storage: storage)
            let reference = try Conv2D(weight: Tensor(shape: [24, 16, 3, 3], values: rounded(w, storage)),
                                       bias: Tensor(shape: [24], values: b), padding: 1)
            for _ in 0..<2 { XCTAssertEqual(try reduced(x).array, try reference(x).array, "conv \(storage)") }
            XCTAssertNotEqual(try reduced(x).array, try Conv2D(weight: Tensor(shape: [24, 16, 3, 3], values: w),
                                                                bias: Tensor(shape: [24], values: b), padding: 1)(x).array)

            let lw = values(40 * 16, seed: 4)
            let linear = try Linear(weight: Tensor(shape: [40, 16], values: lw), bias: nil, storage: storage)
            let linearReference = try Linear(weight: Tensor(shape: [40, 16], values: rounded(lw, storage)), bias: nil)
            let rows = Tensor(shape: [2, 63, 16], values: values(2 * 63 * 16, seed: 5))
            for _ in 0..<2 { XCTAssertEqual(try linear(rows).array, try linearReference(rows).array, "matmul \(storage)") }
            // Another geometry after the first keeps working (a second primitive, same stored weights).
            let more = Tensor(shape: [1, 5, 16], values: values(5 * 16, seed: 6))
            XCTAssertEqual(try linear(more).array, try linearReference(more).array)
        }
    }
}
