import SplicerConfig
import SplicerRouting
import XCTest

final class RoutingTableTests: XCTestCase {
  func testListenersMapToTheirPoolsWithResolvedAddresses() throws {
    let configuration = try ConfigLoader.parse(
      yaml: """
        listeners:
          - { name: a, bind: "127.0.0.1:0", pool: one }
          - { name: b, bind: "[::1]:0", pool: two }
        pools:
          one:
            servers: [{ address: "127.0.0.1:9000" }, { address: "127.0.0.2:9001" }]
          two:
            retries: 0
            servers: [{ address: "[::1]:9002" }]
        """)
    let table = RoutingTable(configuration: configuration)
    XCTAssertEqual(table.pool(forListener: "a")?.name, "one")
    XCTAssertEqual(table.pool(forListener: "b")?.name, "two")
    XCTAssertNil(table.pool(forListener: "c"))
    let one = try XCTUnwrap(table.pool(forListener: "a"))
    XCTAssertEqual(one.servers.map(\.address.description), ["127.0.0.1:9000", "127.0.0.2:9001"])
    XCTAssertEqual(one.retries, 1)
    XCTAssertEqual(table.pool(forListener: "b")?.servers.first?.address.description, "[::1]:9002")
    XCTAssertEqual(table.pool(forListener: "b")?.retries, 0)
  }
}
