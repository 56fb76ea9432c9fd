import XCTest
@testable import SDPipelines
