import Foundation
import XCTest
@testable import SDWeights

final class SafetensorsFileTests: XCTestCase {
    func write(_ data: Data, _ name: String = "t.safetensors") throws -> URL {
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    func expectError(_ data: Data, file: StaticString = #filePath, line: UInt = #line,
                     _ check: (WeightsError) -> Bool) throws {
        let url = try write(data)
        XCTAssertThrowsError(try SafetensorsFile(url: url), file: file, line: line) { error in
            guard let error = error as? WeightsError else { return XCTFail("untyped error \(error)", file: file, line: line) }
            XCTAssertTrue(check(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(url.path), "message must name the file: \(error)", file: file, line: line)
        }
    }

    func testWriterRoundTripKeepsValuesShapesAndMetadata() throws {
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("latents.safetensors")
        let floats: [Float] = [1.5, -2, 0.25, 3, 4, 5]
        let halves: [Float16] = [0.5, -1, 2.25]
        let longs: [Int64] = [-3, 9_000_000_000]
        try SafetensorsWriter.write([
            (name: "a", dtype: .f32, shape: [2, 3], data: Data(TestFiles.bytes(of: floats))),
            (name: "h", dtype: .f16, shape: [3], data: Data(TestFiles.bytes(of: halves))),
            (name: "n", dtype: .i64, shape: [2], data: Data(TestFiles.bytes(of: longs))),
        ], metadata: ["seed": "42"], to: url)
        let file = try SafetensorsFile(url: url)
        XCTAssertEqual(file.metadata, ["seed": "42"])
        XCTAssertEqual(file.names, ["a", "h", "n"])
        XCTAssertEqual(file.tensors["a"]?.shape, [2, 3])
        XCTAssertEqual(try file.tensors["a"]?.floats(), floats)
        XCTAssertEqual(file.tensors["h"]?.dtype, .f16)
        XCTAssertEqual(try file.tensors["h"]?.floats(), [0.5, -1, 2.25])
        XCTAssertEqual(try file.tensors["n"]?.int64s(), longs)
        // No temporary file is left next to the output.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        XCTAssertEqual(siblings, ["latents.safetensors"])
    }

    func testWriterRefusesWrongByteCount() throws {
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("x.safetensors")
        XCTAssertThrowsError(try SafetensorsWriter.write([(name: "a", dtype: .f32, shape: [3], data: Data(count: 8))], to: url))
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testReadsFileWrittenByPythonSafetensors() throws {
        let file = try SafetensorsFile(url: TestFiles.weights.appendingPathComponent("tensors.safetensors"))
        XCTAssertEqual(file.metadata["format"], "pt")
        XCTAssertEqual(file.tensors["f32"]?.shape, [3, 4])
        XCTAssertEqual(try file.tensors["f32"]?.floats(), (0..<12).map { Float($0) / 4 - 1 })
        XCTAssertEqual(try file.tensors["bf16"]?.floats(), (0..<6).map { Float($0) * 1.5 - 2 })
        XCTAssertEqual(try file.tensors["f64"]?.floats(), (0..<4).map { Float(Double($0) / 7) })
        XCTAssertEqual(try file.tensors["i64"]?.int64s(), [-2, -1, 0, 1, 2])
        XCTAssertEqual(try file.tensors["bool"]?.int64s(), [1, 0, 1])
        XCTAssertEqual(file.tensors["scalar"]?.shape, [])
        XCTAssertEqual(try file.tensors["scalar"]?.floats(), [3.25])
    }

    func testHalfConversionMatchesFloat16ForEveryBitPattern() throws {
        // All 65536 f16 values, stored at an odd offset so every load is unaligned.
        let count = 65536
        var data = [UInt8](repeating: 0, count: count * 2)
        for i in 0..<count { data[2 * i] = UInt8(i & 0xFF); data[2 * i + 1] = UInt8(i >> 8) }
        let header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[\(count)],\"data_offsets\":[0,\(count * 2)]}}"
        let url = try write(TestFiles.rawSafetensors(header: header, data: data))
        let file = try SafetensorsFile(url: url)
        let values = try XCTUnwrap(file.tensors["h"]).floats()
        XCTAssertNotEqual(Int(bitPattern: file.tensors["h"]!.bytes.baseAddress!) % 2, 0, "test wants an unaligned tensor")
        for i in 0..<count {
            let expected = Float(Float16(bitPattern: UInt16(i)))
            if expected.isNaN { XCTAssertTrue(values[i].isNaN); continue }
            XCTAssertEqual(values[i].bitPattern, expected.bitPattern, "f16 bits \(i)")
        }
    }

    func testTruncatedFile() throws {
        try expectError(Data([1, 2, 3])) { if case .truncated = $0 { return true }; return false }
    }

    func testHeaderLengthLargerThanFile() throws {
        let data = TestFiles.rawSafetensors(header: "{}", data: [], headerLength: 1000)
        try expectError(data) { if case .headerLengthOutOfRange = $0 { return true }; return false }
    }

    func testHeaderLengthOverLimit() throws {
        let data = TestFiles.rawSafetensors(header: "{}", data: [], headerLength: 200_000_000)
        try expectError(data) { if case .headerLengthOutOfRange = $0 { return true }; return false }
    }

    func testOffsetsOutsideFile() throws {
        let header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}"
        try expectError(TestFiles.rawSafetensors(header: header, data: [UInt8](repeating: 0, count: 8))) {
            if case .offsetsOutsideFile(_, "a") = $0 { return true }; return false
        }
    }

    func testTruncatedDataSection() throws {
        // A valid file cut short: the last tensor's end offset now lies past the end.
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("full.safetensors")
        try SafetensorsWriter.write([(name: "a", dtype: .f32, shape: [4], data: Data(count: 16))], to: url)
        let full = try Data(contentsOf: url)
        try expectError(full.prefix(full.count - 4)) { if case .offsetsOutsideFile = $0 { return true }; return false }
    }

    func testOverlappingTensors() throws {
        let header = """
        {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}
        """
        try expectError(TestFiles.rawSafetensors(header: header, data: [UInt8](repeating: 0, count: 12))) {
            if case .overlappingTensors(_, "a", "b") = $0 { return true }; return false
        }
    }

    /// The reference reader refuses files its tensors do not tile exactly; so does this one.
    func testGapsAndTrailingBytes() throws {
        let gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"
        try expectError(TestFiles.rawSafetensors(header: gap, data: [UInt8](repeating: 0, count: 8))) {
            if case .malformedHeader(_, let detail) = $0 { return detail.contains("gap") }; return false
        }
        let trailing = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        try expectError(TestFiles.rawSafetensors(header: trailing, data: [UInt8](repeating: 0, count: 12))) {
            if case .malformedHeader(_, let detail) = $0 { return detail.contains("after the last tensor") }; return false
        }
    }

    func testWrongByteCount() throws {
        let header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,6]}}"
        try expectError(TestFiles.rawSafetensors(header: header, data: [UInt8](repeating: 0, count: 6))) {
            if case .sizeMismatch(_, "a", 8, 6) = $0 { return true }; return false
        }
    }

    func testUnknownDType() throws {
        let header = "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}"
        try expectError(TestFiles.rawSafetensors(header: header, data: [0, 0])) {
            if case .badDType(_, "a", "F8_E4M3") = $0 { return true }; return false
        }
    }

    func testHeaderNotJSONAndMissingFields() throws {
        try expectError(TestFiles.rawSafetensors(header: "{not json", data: [])) {
            if case .malformedHeader = $0 { return true }; return false
        }
        try expectError(TestFiles.rawSafetensors(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", data: [0, 0, 0, 0])) {
            if case .malformedHeader = $0 { return true }; return false
        }
        try expectError(TestFiles.rawSafetensors(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", data: [0, 0, 0, 0])) {
            if case .malformedHeader = $0 { return true }; return false
        }
    }

    func testMissingFile() throws {
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("absent.safetensors")
        XCTAssertThrowsError(try SafetensorsFile(url: url)) { error in
            XCTAssertEqual(error as? WeightsError, .fileMissing(path: url.path))
        }
    }
}
