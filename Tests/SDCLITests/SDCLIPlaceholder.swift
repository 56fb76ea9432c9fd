import XCTest
@testable import SDCLI
