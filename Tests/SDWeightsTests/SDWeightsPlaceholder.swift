import XCTest
@testable import SDWeights
