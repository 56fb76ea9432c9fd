import XCTest
@testable import SDSampling

final class SamplerKindTests: XCTestCase {
    func testNamesFromEveryConvention() {
        let expected: [String: SamplerKind] = [
            "DPM++ 2M Karras": .dpmpp2mKarras, "dpmpp_2m_karras": .dpmpp2mKarras, "dpm++2m": .dpmpp2m,
            "Euler a": .eulerAncestral, "euler_a": .eulerAncestral, "EULER_A": .eulerAncestral,
            "k_euler_a": .eulerAncestral, "DPM2 a Karras": .dpm2AncestralKarras, "dpm2": .dpm2,
            "DPM++ 2M SDE": .dpmpp2mSDE, "dpmpp_2m_sde_karras": .dpmpp2mSDEKarras, "PLMS": .plms,
            "UniPC": .unipc, "LCM": .lcm, "ddpm": .ddpm, "LMS Karras": .lmsKarras, "heun": .heun,
            "EulerDiscreteScheduler": .euler, "PNDMScheduler": .pndm, "DDIM": .ddim,
        ]
        for (name, kind) in expected {
            XCTAssertEqual(SamplerKind(name: name), kind, name)
        }
        XCTAssertNil(SamplerKind(name: "dpm fast"))
        XCTAssertNil(SamplerKind(name: ""))
        XCTAssertThrowsError(try SamplerKind.named("nope")) { error in
            XCTAssertEqual(error as? SchedulerError, .unknownSampler(name: "nope"))
        }
    }

    func testEveryListedNameResolvesAndEveryKindIsListed() {
        let names = SamplerKind.allNames
        XCTAssertEqual(Set(names).count, names.count)
        for name in names { XCTAssertNotNil(SamplerKind(name: name), name) }
        for kind in SamplerKind.allCases {
            XCTAssertTrue(names.contains(kind.displayName))
            XCTAssertEqual(SamplerKind(name: kind.displayName), kind)
            XCTAssertEqual(SamplerKind(name: kind.snakeName), kind)
        }
    }

    func testEveryKindBuildsOnBothStableDiffusionConfigs() throws {
        for file in ["sd15_scheduler_config.json", "sd21_scheduler_config.json"] {
            let p = try SchedulerParameters(json: Data(contentsOf: SamplingFixtures.url(file)))
            for kind in SamplerKind.allCases {
                var scheduler = try kind.makeScheduler(parameters: p)
                XCTAssertEqual(scheduler.name, kind.diffusersClassName)
                try scheduler.setTimesteps(20)
                XCTAssertFalse(scheduler.timesteps.isEmpty, "\(kind)")
            }
        }
    }
}
