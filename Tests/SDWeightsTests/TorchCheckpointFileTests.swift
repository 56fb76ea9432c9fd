import Foundation
import XCTest
@testable import SDWeights

final class TorchCheckpointFileTests: XCTestCase {
    /// Every tensor of `tensors.ckpt` must equal the safetensors export of the same state dict, bit for bit.
    func assertSameTensors(_ file: [String: StoredTensor], names: [String], file line: UInt = #line) throws {
        let reference = try SafetensorsFile(url: TestFiles.weights.appendingPathComponent("tensors.safetensors"))
        XCTAssertEqual(Set(names), Set(reference.names), line: line)
        for name in reference.names {
            let expected = try XCTUnwrap(reference.tensors[name])
            let actual = try XCTUnwrap(file[name], name)
            XCTAssertEqual(actual.dtype, expected.dtype, name, line: line)
            XCTAssertEqual(actual.shape, expected.shape, name, line: line)
            XCTAssertEqual(Array(actual.bytes), Array(expected.bytes), "bytes of \(name)", line: line)
        }
    }

    func testZipCheckpointMatchesSafetensorsBitwise() throws {
        let file = try TorchCheckpointFile(url: TestFiles.weights.appendingPathComponent("tensors.ckpt"))
        try assertSameTensors(file.tensors, names: file.names)
        // Lightning wrapper: scalars kept as metadata, the callback class tolerated as an opaque object.
        XCTAssertEqual(file.metadata["epoch"], "6")
        XCTAssertEqual(file.metadata["global_step"], "840000")
        XCTAssertEqual(file.names.first, "f32", "pickle order is kept")
    }

    func testStridedAndOffsetViews() throws {
        let file = try TorchCheckpointFile(url: TestFiles.weights.appendingPathComponent("tensors.ckpt"))
        let big = (0..<24).map { Float($0) / 8 - 1 }
        // big.t(): element [i][j] = big[j][i]
        let transposed = try XCTUnwrap(file.tensors["transposed"])
        XCTAssertEqual(transposed.shape, [4, 6])
        let expected = (0..<4).flatMap { i in (0..<6).map { j in big[j * 4 + i] } }
        XCTAssertEqual(try transposed.floats(), expected)
        XCTAssertTrue(transposed.owner is OwnedBuffer, "strided tensors are copied")
        // big[2:4] shares big's storage from element 8: zero-copy into the mapped file.
        let view = try XCTUnwrap(file.tensors["view"])
        XCTAssertEqual(try view.floats(), Array(big[8..<16]))
        XCTAssertTrue(view.owner is MappedFile)
        XCTAssertEqual(view.bytes.baseAddress, file.tensors["big"]!.bytes.baseAddress! + 32)
    }

    func testLegacyFormatMatchesSafetensors() throws {
        let file = try TorchCheckpointFile(url: TestFiles.weights.appendingPathComponent("legacy.pt"))
        try assertSameTensors(file.tensors, names: file.names)
    }

    func testPythonMadeMaliciousPickleIsRefused() throws {
        let url = TestFiles.weights.appendingPathComponent("evil.ckpt")
        XCTAssertThrowsError(try TorchCheckpointFile(url: url)) { error in
            XCTAssertEqual(error as? WeightsError, .unsafePickleGlobal(path: url.path, global: "posix.system"))
            XCTAssertEqual("\(error)", "unsafe pickle global 'posix.system' in \(url.path)")
        }
    }

    /// A hand-written pickle: {"state_dict": {"x": os.system("echo pwned")}}.
    func testOsSystemGlobalIsRefusedBeforeAnythingRuns() throws {
        var pickle: [UInt8] = [0x80, 0x02, 0x7d, 0x58, 10, 0, 0, 0] + Array("state_dict".utf8)
        pickle += [0x7d, 0x58, 1, 0, 0, 0] + Array("x".utf8)
        pickle += [0x63] + Array("os\nsystem\n".utf8)
        pickle += [0x58, 10, 0, 0, 0] + Array("echo pwned".utf8) + [0x85, 0x52, 0x73, 0x73, 0x2e]
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("evil.ckpt")
        try TestZip.make([("archive/data.pkl", pickle)]).write(to: url)
        XCTAssertThrowsError(try TorchCheckpointFile(url: url)) { error in
            XCTAssertEqual("\(error)", "unsafe pickle global 'os.system' in \(url.path)")
        }
    }

    /// Protocol-4 STACK_GLOBAL naming builtins.eval is refused the same way.
    func testStackGlobalIsCheckedToo() throws {
        var pickle: [UInt8] = [0x80, 0x04, 0x8c, 8] + Array("builtins".utf8) + [0x8c, 4] + Array("eval".utf8) + [0x93]
        pickle += [0x8c, 1] + Array("1".utf8) + [0x85, 0x52, 0x2e]
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("evil.pt")
        try TestZip.make([("a/data.pkl", pickle)]).write(to: url)
        XCTAssertThrowsError(try TorchCheckpointFile(url: url)) { error in
            XCTAssertEqual(error as? WeightsError, .unsafePickleGlobal(path: url.path, global: "builtins.eval"))
        }
    }

    func testUnsupportedOpcodeIsReported() throws {
        // INST ('i') instantiates a class by name: never supported.
        let pickle: [UInt8] = [0x80, 0x02, 0x28, 0x69] + Array("subprocess\nPopen\n".utf8) + [0x2e]
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("inst.ckpt")
        try TestZip.make([("a/data.pkl", pickle)]).write(to: url)
        XCTAssertThrowsError(try TorchCheckpointFile(url: url)) { error in
            XCTAssertEqual(error as? WeightsError, .unsupportedPickleOpcode(path: url.path, opcode: 0x69, offset: 3))
        }
    }

    func testTruncatedPickleAndGarbageDoNotCrash() throws {
        let good = try Data(contentsOf: TestFiles.weights.appendingPathComponent("tensors.ckpt"))
        let directory = try TestFiles.temporaryDirectory(self)
        // Every prefix length class: cut inside the pickle, inside storages, inside the directory.
        for cut in stride(from: 0, to: good.count, by: 97) {
            let url = directory.appendingPathComponent("cut\(cut).ckpt")
            try good.prefix(cut).write(to: url)
            XCTAssertThrowsError(try TorchCheckpointFile(url: url), "prefix \(cut)")
        }
        // Random bytes after a PROTO opcode: an error, never a crash or a hang.
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<200 {
            var pickle: [UInt8] = [0x80, 0x02]
            pickle += (0..<Int.random(in: 1...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let url = directory.appendingPathComponent("random\(trial).ckpt")
            try TestZip.make([("a/data.pkl", pickle)]).write(to: url)
            _ = try? TorchCheckpointFile(url: url)
        }
    }

    func testZip64ArchiveIsRead() throws {
        // Rebuild tensors.ckpt's members into an archive with every size and offset in zip64 records.
        let original = try TorchCheckpointFile(url: TestFiles.weights.appendingPathComponent("tensors.ckpt"))
        let archive = try ZipArchive(file: original.file)
        let members = try archive.names.map { name in (name: name, data: Array(try archive.contents(of: archive.entries[name]!))) }
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("zip64.ckpt")
        try TestZip.make(members, zip64: true).write(to: url)
        let file = try TorchCheckpointFile(url: url)
        try assertSameTensors(file.tensors, names: file.names)
    }

    func testStorageTooSmallForViewIsRejected() throws {
        // A tensor claiming 4 floats from a 2-float storage member.
        var pickle: [UInt8] = [0x80, 0x02, 0x7d, 0x58, 1, 0, 0, 0, 0x77]  // {'w':
        pickle += [0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8)
        pickle += [0x28, 0x28, 0x58, 7, 0, 0, 0] + Array("storage".utf8)
        pickle += [0x63] + Array("torch\nFloatStorage\n".utf8)
        pickle += [0x58, 1, 0, 0, 0, 0x30, 0x58, 3, 0, 0, 0] + Array("cpu".utf8) + [0x4b, 4, 0x74, 0x51]
        pickle += [0x4b, 0, 0x4b, 4, 0x85, 0x4b, 1, 0x85, 0x89, 0x7d, 0x74, 0x52, 0x73, 0x2e]
        let url = try TestFiles.temporaryDirectory(self).appendingPathComponent("short.ckpt")
        try TestZip.make([("a/data.pkl", pickle), ("a/data/0", [UInt8](repeating: 0, count: 8))]).write(to: url)
        XCTAssertThrowsError(try TorchCheckpointFile(url: url)) { error in
            XCTAssertEqual(error as? WeightsError, .sizeMismatch(path: url.path, tensor: "w", expectedBytes: 16, actualBytes: 8))
        }
    }
}
