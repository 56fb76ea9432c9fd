import Foundation
import SDWeights
import XCTest
@testable import SDHub

/// Downloads from the in-process fake hub into a scratch cache.
final class HubDownloadTests: XCTestCase {
    private let manager = FileManager.default

    private func repoFolder(_ cache: URL, _ id: String) -> URL {
        cache.appendingPathComponent("models--" + id.replacingOccurrences(of: "/", with: "--"))
    }

    private func contents(_ url: URL) -> Data? { manager.contents(atPath: url.path) }

    func testFirstDownloadCreatesTheHubCacheLayout() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let snapshot = try HubFixtures.client(server, cache: cache).resolve("test/sd1")

        let repo = repoFolder(cache, "test/sd1")
        XCTAssertEqual(snapshot.path, repo.appendingPathComponent("snapshots/\(HubFixtures.commit)").path)
        XCTAssertEqual(contents(repo.appendingPathComponent("refs/main")), Data(HubFixtures.commit.utf8))
        for path in HubFixtures.sd1Files {
            let link = snapshot.appendingPathComponent(path)
            let target = try manager.destinationOfSymbolicLink(atPath: link.path)
            let depth = path.split(separator: "/").count - 1
            XCTAssertTrue(target.hasPrefix(String(repeating: "../", count: 2 + depth) + "blobs/"), "\(path) -> \(target)")
            XCTAssertFalse(target.hasPrefix("/"), path)
            XCTAssertEqual(contents(link), contents(HubFixtures.sd1.appendingPathComponent(path)), path)
        }
        // LFS blobs are named by their sha256 (the X-Linked-Etag), other blobs by their ETag
        for (path, sha) in [("unet/diffusion_pytorch_model.safetensors", HubFixtures.unetSHA),
                            ("vae/diffusion_pytorch_model.safetensors", HubFixtures.vaeSHA),
                            ("text_encoder/model.safetensors", HubFixtures.textEncoderSHA)] {
            let target = try manager.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent(path).path)
            XCTAssertEqual(target, "../../../blobs/\(sha)")
        }
        XCTAssertEqual(try manager.destinationOfSymbolicLink(atPath: snapshot.appendingPathComponent("model_index.json").path),
                       "../../blobs/" + String((ModelHash.sha256(try XCTUnwrap(contents(HubFixtures.sd1.appendingPathComponent("model_index.json")))) ?? "").prefix(40)))
        let blobs = try manager.contentsOfDirectory(atPath: repo.appendingPathComponent("blobs").path)
        XCTAssertEqual(blobs.count, HubFixtures.sd1Files.count)
        XCTAssertFalse(blobs.contains { $0.hasSuffix(".incomplete") })

        for unwanted in HubFixtures.unwantedFiles {
            XCTAssertFalse(server.requests.contains { $0.path.hasSuffix("/" + unwanted) }, "fetched \(unwanted)")
        }
        XCTAssertTrue(server.requests.contains { $0.method == "GET" && $0.path == "/cdn/test/sd1/unet/diffusion_pytorch_model.safetensors" })
        XCTAssertFalse(server.requests.contains { $0.method == "HEAD" && $0.path.hasPrefix("/cdn/") }, "HEAD followed the redirect")
        XCTAssertTrue(server.requests.contains { $0.method == "HEAD" && $0.path == "/test/sd1/resolve/\(HubFixtures.commit)/unet/config.json" })

        let checkpoint = try ModelCheckpoint.load(path: snapshot)
        XCTAssertEqual(checkpoint.family, .sd1)
        XCTAssertEqual(checkpoint.format, .diffusers)
    }

    func testSecondResolveMakesNoRequests() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let first = try HubFixtures.client(server, cache: cache).resolve("test/sd1")
        server.clearLog()
        let second = try HubFixtures.client(server, cache: cache).resolve("test/sd1")
        XCTAssertEqual(first, second)
        XCTAssertEqual(server.requests, [])
    }

    func testOfflineUsesTheCacheWithoutAnyRequest() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let online = try HubFixtures.client(server, cache: cache).resolve("test/sd1")
        server.clearLog()
        let offline = try HubFixtures.client(server, cache: cache, offline: true).resolve("test/sd1")
        XCTAssertEqual(online, offline)
        XCTAssertEqual(try HubFixtures.client(server, cache: cache, offline: true).resolve("test/sd1@\(HubFixtures.commit)"), online)
        XCTAssertEqual(server.requests, [])
    }

    func testOfflineWithoutCacheFailsNamingWhatIsMissing() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let offline = HubFixtures.client(server, cache: cache, offline: true)
        XCTAssertThrowsError(try offline.resolve("test/sd1")) { error in
            guard case HubError.offlineNotCached(repo: "test/sd1", revision: "main", _, missing: []) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue("\(error)".contains("HF_HUB_OFFLINE"), "\(error)")
        }
        let snapshot = try HubFixtures.client(server, cache: cache).resolve("test/sd1")
        try manager.removeItem(at: snapshot.appendingPathComponent("vae/diffusion_pytorch_model.safetensors"))
        XCTAssertThrowsError(try offline.resolve("test/sd1")) { error in
            XCTAssertEqual(error as? HubError, .offlineNotCached(repo: "test/sd1", revision: "main",
                                                                 cacheFolder: repoFolder(cache, "test/sd1").path,
                                                                 missing: ["vae/diffusion_pytorch_model.safetensors"]))
        }
        XCTAssertThrowsError(try offline.resolve("test/single/checkpoints/sd1.safetensors")) { error in
            guard case HubError.offlineNotCached(_, _, _, missing: ["checkpoints/sd1.safetensors"]) = error else { return XCTFail("\(error)") }
        }
        // online, the one missing file is fetched again: one HEAD, no second listing of anything else
        server.clearLog()
        XCTAssertEqual(try HubFixtures.client(server, cache: cache).resolve("test/sd1"), snapshot)
        XCTAssertEqual(server.requests.filter { $0.method == "HEAD" }.map(\.path),
                       ["/test/sd1/resolve/\(HubFixtures.commit)/vae/diffusion_pytorch_model.safetensors"])
        XCTAssertFalse(server.requests.contains { $0.method == "GET" && $0.path.hasPrefix("/cdn/") }, "the blob was still there")
    }

    func testInterruptedDownloadResumesWithRange() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let path = "unet/diffusion_pytorch_model.safetensors"
        server.cutOnce(path, after: 100_000)
        XCTAssertThrowsError(try HubFixtures.client(server, cache: cache).resolve("test/sd1")) { error in
            guard case HubError.network(repo: "test/sd1", file: path, _) = error else { return XCTFail("\(error)") }
        }
        let partial = repoFolder(cache, "test/sd1").appendingPathComponent("blobs/\(HubFixtures.unetSHA).incomplete")
        XCTAssertEqual(contents(partial)?.count, 100_000)

        server.clearLog()
        let snapshot = try HubFixtures.client(server, cache: cache).resolve("test/sd1")
        let ranged = server.requests.filter { $0.path == "/cdn/test/sd1/\(path)" }
        XCTAssertEqual(ranged.map { $0.headers["range"] }, ["bytes=100000-"])
        XCTAssertEqual(contents(snapshot.appendingPathComponent(path)), contents(HubFixtures.sd1.appendingPathComponent(path)))
        XCTAssertFalse(manager.fileExists(atPath: partial.path))
    }

    func testBrokenConnectionIsRetriedWithinOneCall() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let path = "vae/diffusion_pytorch_model.safetensors"
        server.cutOnce(path, after: 4096)
        var reports: [HubProgress] = []
        let client = HubClient(environment: HubEnvironment(endpoint: server.endpoint, cacheRoot: cache),
                               options: HubDownloadOptions(requestTimeout: 10, maxAttempts: 3, retryDelay: 0.05),
                               progress: { reports.append($0) })
        let snapshot = try client.resolve("test/sd1")
        XCTAssertEqual(server.requests.filter { $0.path == "/cdn/test/sd1/\(path)" }.map { $0.headers["range"] }, [nil, "bytes=4096-"])
        XCTAssertEqual(contents(snapshot.appendingPathComponent(path)), contents(HubFixtures.sd1.appendingPathComponent(path)))
        let vae = reports.filter { $0.file == path }
        XCTAssertEqual(vae.first?.bytesDone, 0)
        XCTAssertEqual(vae.last?.bytesDone, 753_406)
        XCTAssertEqual(vae.last?.isComplete, true)
        XCTAssertEqual(Set(reports.filter { $0.file != "model_index.json" }.map(\.fileCount)), [11])
    }

    func testServerIgnoringTheRangeRestartsTheFile() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let path = "text_encoder/model.safetensors"
        server.cutOnce(path, after: 5000)
        XCTAssertThrowsError(try HubFixtures.client(server, cache: cache).resolve("test/sd1"))
        server.ignoreRange = true
        let snapshot = try HubFixtures.client(server, cache: cache).resolve("test/sd1")
        XCTAssertEqual(contents(snapshot.appendingPathComponent(path)), contents(HubFixtures.sd1.appendingPathComponent(path)))
    }

    func testTokenIsSentAndGatedRepoRefusesWithoutIt() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        XCTAssertThrowsError(try HubFixtures.client(server, cache: cache).resolve("test/gated")) { error in
            XCTAssertEqual(error as? HubError, .unauthorized(repo: "test/gated", file: nil, status: 401, tokenSent: false))
            XCTAssertTrue("\(error)".contains("HF_TOKEN"), "\(error)")
        }
        XCTAssertThrowsError(try HubFixtures.client(server, cache: cache, token: "wrong").resolve("test/gated")) { error in
            XCTAssertEqual(error as? HubError, .unauthorized(repo: "test/gated", file: nil, status: 401, tokenSent: true))
        }
        server.clearLog()
        let snapshot = try HubFixtures.client(server, cache: cache, token: "hf_secret").resolve("test/gated")
        XCTAssertTrue(manager.fileExists(atPath: snapshot.appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path))
        let hubRequests = server.requests.filter { !$0.path.hasPrefix("/cdn/") }
        XCTAssertFalse(hubRequests.isEmpty)
        XCTAssertTrue(hubRequests.allSatisfy { $0.headers["authorization"] == "Bearer hf_secret" })
    }

    func testVariantFallsBackToPlainWeights() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let snapshot = try HubFixtures.client(server, cache: cache, variant: "fp16").resolve("test/sd1-fp16")
        let fetched = server.requests.filter { $0.method == "HEAD" }.map { String($0.path.split(separator: "/", maxSplits: 4)[4]) }
        XCTAssertTrue(fetched.contains("unet/diffusion_pytorch_model.fp16.safetensors"))
        XCTAssertFalse(fetched.contains("unet/diffusion_pytorch_model.safetensors"))
        XCTAssertTrue(fetched.contains("text_encoder/model.fp16.safetensors"))
        XCTAssertTrue(fetched.contains("vae/diffusion_pytorch_model.safetensors"), "no fp16 VAE: the plain one")
        let checkpoint = try ModelCheckpoint.load(path: snapshot, options: ModelLoadOptions(weightVariant: "fp16"))
        XCTAssertEqual(checkpoint.family, .sd1)

        // the variant's files are all there: offline finds it; online lists, downloads nothing
        server.clearLog()
        XCTAssertEqual(try HubFixtures.client(server, cache: cache, offline: true, variant: "fp16").resolve("test/sd1-fp16"), snapshot)
        XCTAssertEqual(server.requests, [])
        XCTAssertEqual(try HubFixtures.client(server, cache: cache, variant: "fp16").resolve("test/sd1-fp16"), snapshot)
        XCTAssertFalse(server.requests.contains { $0.isDownload || $0.method == "HEAD" }, "\(server.requests)")
    }

    func testUnreachableHubFallsBackToPlainWeightsInTheCache() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let snapshot = try HubFixtures.client(server, cache: cache).resolve("test/sd1")
        server.stop()
        XCTAssertEqual(try HubFixtures.client(server, cache: cache, variant: "fp16").resolve("test/sd1"), snapshot)
    }

    func testMissingRepoAndRevisionAre404() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let client = HubFixtures.client(server, cache: cache)
        XCTAssertThrowsError(try client.resolve("test/nope")) { error in
            XCTAssertEqual(error as? HubError, .notFound(repo: "test/nope", revision: "main", file: nil))
            XCTAssertTrue("\(error)".contains("test/nope"))
        }
        XCTAssertThrowsError(try client.resolve("test/sd1@no-such-branch")) { error in
            XCTAssertEqual(error as? HubError, .notFound(repo: "test/sd1", revision: "no-such-branch", file: nil))
        }
        XCTAssertThrowsError(try client.resolve("test/single/checkpoints/other.safetensors")) { error in
            XCTAssertEqual(error as? HubError, .notFound(repo: "test/single", revision: "main", file: "checkpoints/other.safetensors"))
        }
        XCTAssertThrowsError(try client.resolve("test/single")) { error in
            XCTAssertEqual(error as? HubError, .notDiffusers(repo: "test/single", checkpoints: ["checkpoints/sd1.ckpt", "checkpoints/sd1.safetensors"]))
        }
    }

    func testSingleFileRepoIDFetchesTheFileAndItsYAML() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let file = try HubFixtures.client(server, cache: cache).resolve("test/single/checkpoints/sd1.safetensors")
        let repo = repoFolder(cache, "test/single")
        XCTAssertEqual(file.path, repo.appendingPathComponent("snapshots/\(HubFixtures.singleCommit)/checkpoints/sd1.safetensors").path)
        XCTAssertEqual(try manager.destinationOfSymbolicLink(atPath: file.path), "../../../blobs/\(HubFixtures.singleFileSHA)")
        XCTAssertEqual(try manager.destinationOfSymbolicLink(atPath: file.deletingPathExtension().appendingPathExtension("yaml").path),
                       "../../../blobs/\(String(HubFixtures.singleYAMLSHA.prefix(40)))")
        XCTAssertEqual(contents(repo.appendingPathComponent("refs/main")), Data(HubFixtures.singleCommit.utf8))
        XCTAssertFalse(server.requests.contains { $0.path.hasSuffix(".ckpt") || $0.path.hasSuffix("README.md") })
        let checkpoint = try ModelCheckpoint.load(path: file)
        XCTAssertEqual(checkpoint.family, .sd1)
        XCTAssertEqual(checkpoint.format, .singleFileSafetensors)

        server.clearLog()
        XCTAssertEqual(try HubFixtures.client(server, cache: cache, offline: true).resolve("test/single/checkpoints/sd1.safetensors"), file)
        XCTAssertEqual(try HubFixtures.client(server, cache: cache).resolve("test/single/checkpoints/sd1.safetensors"), file)
        XCTAssertEqual(server.requests, [])
    }

    func testAnnouncedSizeMustMatch() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        server.sizeShortfall["vae/diffusion_pytorch_model.safetensors"] = 10
        XCTAssertThrowsError(try HubFixtures.client(server, cache: cache).resolve("test/sd1")) { error in
            XCTAssertEqual(error as? HubError, .sizeMismatch(repo: "test/sd1", file: "vae/diffusion_pytorch_model.safetensors",
                                                             expected: 753_396, actual: 753_406))
        }
        XCTAssertFalse(manager.fileExists(atPath: repoFolder(cache, "test/sd1").appendingPathComponent("blobs/\(HubFixtures.vaeSHA)").path))
    }

    func testTwoClientsAtOnceShareBlobsSafely() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        let results = [Result<URL, Error>?](repeating: nil, count: 2)
        let box = NSLock()
        var collected = results
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let result = Result { try HubFixtures.client(server, cache: cache).resolve("test/sd1") }
            box.lock()
            collected[index] = result
            box.unlock()
        }
        let urls = try collected.map { try XCTUnwrap($0).get() }
        XCTAssertEqual(urls[0], urls[1])
        for path in HubFixtures.sd1Files {
            XCTAssertEqual(contents(urls[0].appendingPathComponent(path)), contents(HubFixtures.sd1.appendingPathComponent(path)), path)
        }
    }

    func testDeadServerTimesOut() throws {
        let server = try HubFixtures.server(self)
        let cache = try HubFixtures.temporaryDirectory(self)
        server.stall = ["/api/"]
        let start = Date()
        XCTAssertThrowsError(try HubFixtures.client(server, cache: cache, timeout: 1).resolve("test/sd1")) { error in
            guard case HubError.network(repo: "test/sd1", file: nil, _) = error else { return XCTFail("\(error)") }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 8)
    }

    func testUnreachableServerIsANetworkError() throws {
        let server = try FakeHubServer(repos: [:])
        server.stop()
        let cache = try HubFixtures.temporaryDirectory(self)
        XCTAssertThrowsError(try HubFixtures.client(server, cache: cache, maxAttempts: 2).resolve("test/sd1")) { error in
            guard case HubError.network(repo: "test/sd1", file: nil, _) = error else { return XCTFail("\(error)") }
        }
    }
}
