import Foundation

/// Finds files of SDModels' resource bundle without SwiftPM's generated `Bundle.module`, which
/// calls fatalError on Linux when the bundle is not where the build left it.
enum SDModelsResources {
    /// SwiftPM names the bundle `<package>_<target>`: `.resources` on Linux, `.bundle` on Apple platforms.
    static let bundleNames = ["StableDiffusion_SDModels.resources", "StableDiffusion_SDModels.bundle"]

    static func url(of file: String) throws -> URL {
        try url(of: file, searching: candidateDirectories())
    }

    /// The first `directory/<bundle>/file` (or `.../Contents/Resources/file`) that exists.
    static func url(of file: String, searching directories: [URL]) throws -> URL {
        var searched: [String] = []
        for directory in directories {
            for name in bundleNames {
                let bundle = directory.appendingPathComponent(name)
                for candidate in [bundle.appendingPathComponent(file),
                                  bundle.appendingPathComponent("Contents/Resources").appendingPathComponent(file)] {
                    if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
                }
                searched.append(bundle.path)
            }
        }
        throw CLIPTokenizerError.resourceBundleNotFound(searched: searched)
    }

    /// Where SwiftPM puts the bundle: next to the executable (or test bundle), in Bundle.main, and,
    /// for a binary run away from its build, the build folders of this source checkout.
    private static func candidateDirectories() -> [URL] {
        var directories: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            directories.append(executable.deletingLastPathComponent())
        }
        directories.append(Bundle.main.bundleURL)
        if let resources = Bundle.main.resourceURL { directories.append(resources) }
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        directories += buildDirectories()
        var seen = Set<String>()
        return directories.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    /// `<checkout>/.build*/{debug,release}` and `<checkout>/.build*/<triple>/{debug,release}`.
    private static func buildDirectories() -> [URL] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let manager = FileManager.default
        guard let entries = try? manager.contentsOfDirectory(atPath: root.path) else { return [] }
        var directories: [URL] = []
        for entry in entries.sorted() where entry.hasPrefix(".build") {
            let scratch = root.appendingPathComponent(entry)
            var parents = [scratch]
            if let triples = try? manager.contentsOfDirectory(atPath: scratch.path) {
                parents += triples.sorted().filter { $0.contains("-") }.map { scratch.appendingPathComponent($0) }
            }
            for parent in parents {
                directories += ["debug", "release"].map { parent.appendingPathComponent($0) }
            }
        }
        return directories
    }
}
