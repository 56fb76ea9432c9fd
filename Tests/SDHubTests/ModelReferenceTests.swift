import Foundation
import XCTest
@testable import SDHub

final class ModelReferenceTests: XCTestCase {
    private func parse(_ string: String, existing: Set<String> = []) -> ModelReference {
        ModelReference(string) { existing.contains($0) }
    }

    func testRepoIDs() {
        XCTAssertEqual(parse("stable-diffusion-v1-5/stable-diffusion-v1-5"),
                       .diffusers(HubRepo(owner: "stable-diffusion-v1-5", name: "stable-diffusion-v1-5")))
        XCTAssertEqual(parse("owner/name@fp16"), .diffusers(HubRepo(owner: "owner", name: "name", revision: "fp16")))
        XCTAssertEqual(parse("owner/name@refs/pr/1"), .diffusers(HubRepo(owner: "owner", name: "name", revision: "refs/pr/1")))
        XCTAssertEqual(parse("owner/model.v2"), .diffusers(HubRepo(owner: "owner", name: "model.v2")))
    }

    func testSingleFileIDs() {
        XCTAssertEqual(parse("owner/name/v1-5-pruned-emaonly.safetensors"),
                       .singleFile(HubRepo(owner: "owner", name: "name"), path: "v1-5-pruned-emaonly.safetensors"))
        XCTAssertEqual(parse("owner/name@v2/sub/dir/model.ckpt"),
                       .singleFile(HubRepo(owner: "owner", name: "name", revision: "v2"), path: "sub/dir/model.ckpt"))
    }

    func testLocalPathsWin() {
        XCTAssertEqual(parse("owner/name", existing: ["owner/name"]), .local(URL(fileURLWithPath: "owner/name")))
        XCTAssertEqual(parse("/models/sd15"), .local(URL(fileURLWithPath: "/models/sd15")))
        XCTAssertEqual(parse("./owner/name"), .local(URL(fileURLWithPath: "./owner/name")))
        // a missing local file, not a repo called "model.safetensors"
        XCTAssertEqual(parse("models/model.safetensors"), .local(URL(fileURLWithPath: "models/model.safetensors")))
        XCTAssertEqual(parse("a/b/c"), .local(URL(fileURLWithPath: "a/b/c")))
        XCTAssertEqual(parse("model.safetensors"), .local(URL(fileURLWithPath: "model.safetensors")))
        XCTAssertEqual(parse("owner/na--me"), .local(URL(fileURLWithPath: "owner/na--me")))
        XCTAssertEqual(parse("owner/name/../x.safetensors"), .local(URL(fileURLWithPath: "owner/name/../x.safetensors")))
        XCTAssertEqual(parse("owner/name@"), .local(URL(fileURLWithPath: "owner/name@")))
        XCTAssertEqual(parse("~/models/x"), .local(URL(fileURLWithPath: NSString(string: "~/models/x").expandingTildeInPath)))
    }

    func testCacheFolderName() {
        XCTAssertEqual(HubRepo(owner: "stabilityai", name: "stable-diffusion-2-1").cacheFolderName,
                       "models--stabilityai--stable-diffusion-2-1")
    }
}
