import Foundation
import XCTest
@testable import SDWeights

final class UnpicklerTests: XCTestCase {
    /// The rendering scripts/make-weights-fixtures.py writes to pickle-expected.txt.
    func canonical(_ value: PickleValue) -> String {
        switch value {
        case .none: return "None"
        case let .bool(flag): return flag ? "True" : "False"
        case let .int(number): return String(number)
        case let .bigInt(text): return text
        case let .float(number): return "\(number)"
        case let .string(text): return "'\(text)'"
        case let .bytes(bytes): return "b:" + bytes.map { String(format: "%02x", $0) }.joined()
        case let .tuple(tuple): return "(" + tuple.items.map(canonical).joined(separator: ", ") + ")"
        case let .list(list): return "[" + list.items.map(canonical).joined(separator: ", ") + "]"
        case let .dict(dict):
            return "{" + dict.entries.map { canonical($0.key) + ": " + canonical($0.value) }.joined(separator: ", ") + "}"
        default: return "<\(value)>"
        }
    }

    func testEveryPickleProtocolGivesTheSameValue() throws {
        let expected = try String(contentsOf: TestFiles.weights.appendingPathComponent("pickle-expected.txt"), encoding: .utf8)
            .trimmingCharacters(in: .newlines)
        for protocolVersion in 0...5 {
            let url = TestFiles.weights.appendingPathComponent("pickle-protocol\(protocolVersion).pkl")
            let file = try MappedFile(url: url)
            let unpickler = Unpickler(data: file.bytes, path: url.path) { _ in
                throw WeightsError.malformedPickle(path: url.path, detail: "no persistent ids expected")
            }
            let document = try unpickler.load()
            XCTAssertEqual(canonical(document.value), expected, "protocol \(protocolVersion)")
            XCTAssertEqual(document.end, file.count, "protocol \(protocolVersion) stops at STOP")
            // Memoised objects are shared, not copied (the same list twice).
            if case let .dict(top) = document.value, case let .tuple(pair)? = top["shared"], case let .list(a) = pair.items[0],
               case let .list(b) = pair.items[1] {
                XCTAssertTrue(a === b, "protocol \(protocolVersion)")
            } else {
                XCTFail("no shared pair in protocol \(protocolVersion)")
            }
        }
    }

    /// Freeing nested objects recurses in Swift; the arena must take hostile nests apart iteratively.
    func testDeepNestsAndCyclesAreFreedWithoutRecursion() throws {
        let depth = 1_000_000
        var tuples: [UInt8] = [0x80, 0x02, 0x4e] + [UInt8](repeating: 0x85, count: depth) + [0x2e]  // (((None,),),)...
        // Lists created first, then each appended into the one made before it: the nest is built
        // after its outer containers exist. Memo slot i holds list i (LONG_BINPUT / LONG_BINGET).
        var lists: [UInt8] = [0x80, 0x02]
        for index in 0..<depth { lists += [0x5d, 0x72] + le32(index) + [0x30] }
        for index in 0..<(depth - 1) { lists += [0x6a] + le32(index) + [0x6a] + le32(index + 1) + [0x61, 0x30] }
        lists += [0x6a] + le32(0) + [0x2e]
        // A list containing itself.
        let cycle: [UInt8] = [0x80, 0x02, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e]
        for pickle in [tuples, lists, cycle] {
            try pickle.withUnsafeBytes { raw in
                let unpickler = Unpickler(data: raw, path: "deep.pkl") { $0 }
                _ = try unpickler.load()
            }
        }
        tuples = []
        lists = []
    }

    func le32(_ value: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) } }

    func testDecimalRenderingOfWideIntegers() {
        XCTAssertEqual(Unpickler.decimal(littleEndian: [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]),
                       "119547037146038801333356")
        XCTAssertEqual(Unpickler.decimal(littleEndian: [0, 0, 0, 0, 0, 0, 0, 0, 0xC0]), "-1180591620717411303424")
        XCTAssertEqual(Unpickler.decimal(littleEndian: [0xFF]), "-1")
        XCTAssertEqual(Unpickler.decimal(littleEndian: [0x00, 0x01]), "256")
    }

    func testWhitelist() {
        XCTAssertNotNil(PickleGlobal.resolve(module: "collections", name: "OrderedDict"))
        XCTAssertNotNil(PickleGlobal.resolve(module: "torch._utils", name: "_rebuild_tensor_v2"))
        XCTAssertNotNil(PickleGlobal.resolve(module: "torch", name: "BFloat16Storage"))
        XCTAssertNotNil(PickleGlobal.resolve(module: "pytorch_lightning.callbacks.model_checkpoint", name: "ModelCheckpoint"))
        XCTAssertNotNil(PickleGlobal.resolve(module: "numpy.core.multiarray", name: "scalar"))
        for (module, name) in [("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "exec"),
                               ("builtins", "getattr"), ("subprocess", "Popen"), ("torch", "load"),
                               ("torch.serialization", "load"), ("pytorch_lightning.utilities", "__import__"),
                               ("numpy", "load"), ("collections", "namedtuple")] {
            XCTAssertNil(PickleGlobal.resolve(module: module, name: name), "\(module).\(name) must be refused")
        }
    }
}
