import XCTest
@testable import SDCompute
