import Foundation
import XCTest
@testable import SDHub

final class HubEnvironmentTests: XCTestCase {
    private let home = URL(fileURLWithPath: "/home/user")

    func testCacheRootPrecedence() {
        XCTAssertEqual(HubEnvironment(variables: [:], homeDirectory: home).cacheRoot.path, "/home/user/.cache/huggingface/hub")
        XCTAssertEqual(HubEnvironment(variables: ["XDG_CACHE_HOME": "/xdg"], homeDirectory: home).cacheRoot.path, "/xdg/huggingface/hub")
        XCTAssertEqual(HubEnvironment(variables: ["XDG_CACHE_HOME": "/xdg", "HF_HOME": "/hf"], homeDirectory: home).cacheRoot.path, "/hf/hub")
        XCTAssertEqual(HubEnvironment(variables: ["HF_HOME": "/hf", "HF_HUB_CACHE": "/cache"], homeDirectory: home).cacheRoot.path, "/cache")
        XCTAssertEqual(HubEnvironment(variables: ["HF_HUB_CACHE": "~/hub"], homeDirectory: home).cacheRoot.path, "/home/user/hub")
    }

    func testEndpointOfflineAndToken() {
        let plain = HubEnvironment(variables: [:], homeDirectory: home)
        XCTAssertEqual(plain.endpoint.absoluteString, "https://huggingface.co")
        XCTAssertFalse(plain.offline)
        XCTAssertNil(plain.token)
        let custom = HubEnvironment(variables: ["HF_ENDPOINT": "https://mirror.example/", "HF_TOKEN": " hf_abc\n"], homeDirectory: home)
        XCTAssertEqual(custom.endpoint.absoluteString, "https://mirror.example")
        XCTAssertEqual(custom.token, "hf_abc")
        for value in ["1", "true", "YES", "on"] {
            XCTAssertTrue(HubEnvironment(variables: ["HF_HUB_OFFLINE": value], homeDirectory: home).offline, value)
        }
        for value in ["0", "false", "no", ""] {
            XCTAssertFalse(HubEnvironment(variables: ["HF_HUB_OFFLINE": value], homeDirectory: home).offline, value)
        }
    }

    func testTokenFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sdhub-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(".cache/huggingface"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("hf_fromfile\n".utf8).write(to: folder.appendingPathComponent(".cache/huggingface/token"))
        XCTAssertEqual(HubEnvironment(variables: [:], homeDirectory: folder).token, "hf_fromfile")
        XCTAssertEqual(HubEnvironment(variables: ["HF_TOKEN": "hf_env"], homeDirectory: folder).token, "hf_env")
        try Data("hf_home\n".utf8).write(to: folder.appendingPathComponent("token"))
        XCTAssertEqual(HubEnvironment(variables: ["HF_HOME": folder.path], homeDirectory: home).token, "hf_home")
    }

    func testNonHTTPEndpointIsRefused() {
        let environment = HubEnvironment(variables: ["HF_ENDPOINT": "ftp://mirror"], homeDirectory: home)
        let client = HubClient(environment: HubEnvironment(endpoint: environment.endpoint,
                                                           cacheRoot: FileManager.default.temporaryDirectory.appendingPathComponent("sdhub-none-\(UUID().uuidString)")))
        XCTAssertThrowsError(try client.resolve("a/b")) { error in
            guard case HubError.network(repo: "a/b", file: nil, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("HF_ENDPOINT"))
        }
    }
}
