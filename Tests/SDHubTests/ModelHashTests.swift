import Foundation
import XCTest
@testable import SDHub

/// Expected digests computed with `sha256sum` when these tests were written.
final class ModelHashTests: XCTestCase {
    func testKnownDigests() {
        XCTAssertEqual(ModelHash.sha256(Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(ModelHash.sha256(Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testFixtureFilesAndA1111ShortHash() throws {
        let hasher = ModelHash(cacheFile: nil)
        XCTAssertEqual(try hasher.sha256(of: HubFixtures.models.appendingPathComponent("sd1.safetensors")), HubFixtures.singleFileSHA)
        XCTAssertEqual(try hasher.sha256(of: HubFixtures.sd1.appendingPathComponent("unet/diffusion_pytorch_model.safetensors")),
                       HubFixtures.unetSHA)
        XCTAssertEqual(try hasher.shortHash(of: HubFixtures.models.appendingPathComponent("sd1.safetensors")), "713f1207d9")
        XCTAssertEqual(ModelHash.shortHash(sha256: "6CE0161689B3853ACAA03779EC93EAFE75A02F4CED659BEE03F50797806FA2FA"), "6ce0161689")
    }

    func testLargerThanOneReadBlock() throws {
        // 9 MiB + 1 of a repeating pattern crosses the C reader's 4 MiB blocks
        let folder = try HubFixtures.temporaryDirectory(self)
        let file = folder.appendingPathComponent("big.bin")
        let data = Data((0..<(9 << 20) + 1).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 12)) })
        try data.write(to: file)
        XCTAssertEqual(try ModelHash(cacheFile: nil).sha256(of: file), ModelHash.sha256(data))
    }

    func testCacheIsKeyedByPathSizeAndMtime() throws {
        let folder = try HubFixtures.temporaryDirectory(self)
        let cacheFile = folder.appendingPathComponent("cache/hashes.json")
        let file = folder.appendingPathComponent("model.safetensors")
        try Data("abc".utf8).write(to: file)
        let hasher = ModelHash(cacheFile: cacheFile)
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        XCTAssertEqual(try hasher.sha256(of: file), abc)

        // a forged entry proves the second call reads the cache instead of the file
        var cache = HashCache.load(cacheFile)
        let key = file.resolvingSymlinksInPath().standardizedFileURL.path
        let entry = try XCTUnwrap(cache.files[key])
        cache.files[key] = HashCacheEntry(size: entry.size, mtime: entry.mtime, sha256: String(repeating: "0", count: 64))
        try JSONEncoder().encode(cache).write(to: cacheFile)
        XCTAssertEqual(try hasher.sha256(of: file), String(repeating: "0", count: 64))

        // a link to the file shares its entry; a changed file is hashed again
        let link = folder.appendingPathComponent("link.safetensors")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "model.safetensors")
        XCTAssertEqual(try hasher.sha256(of: link), String(repeating: "0", count: 64))
        try Data("abcd".utf8).write(to: file)
        XCTAssertEqual(try hasher.sha256(of: file), "88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589")
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try ModelHash(cacheFile: nil).sha256(of: URL(fileURLWithPath: "/nonexistent/model.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/model.safetensors"))
        }
    }

    func testDefaultCacheLocation() {
        let home = URL(fileURLWithPath: "/home/user")
        XCTAssertEqual(ModelHash.defaultCacheFile(environment: [:], homeDirectory: home).path, "/home/user/.cache/swift-sd/hashes.json")
        XCTAssertEqual(ModelHash.defaultCacheFile(environment: ["XDG_CACHE_HOME": "/xdg"], homeDirectory: home).path, "/xdg/swift-sd/hashes.json")
    }
}
