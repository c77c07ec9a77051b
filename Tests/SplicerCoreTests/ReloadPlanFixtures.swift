import SplicerConfig
import XCTest

/// Configurations for the `ReloadPlan` tests, written as the YAML an operator would write: a
/// list of listeners in flow style and two pools, plus any other top-level keys.
enum ReloadPlanFixtures {
  static let pools = """
    pools:
      app: { servers: [{ address: "127.0.0.1:9000" }] }
      other: { servers: [{ address: "127.0.0.1:9001" }, { address: "127.0.0.1:9002" }] }
    """

  /// - Parameter listeners: one flow mapping's inside per listener, e.g.
  ///   `name: a, bind: "127.0.0.1:8080", pool: app`.
  static func config(
    _ listeners: [String], pools: String = pools, extra: String = "", file: StaticString = #filePath,
    line: UInt = #line
  ) throws -> Configuration {
    let yaml = """
      workers: 2
      listeners:
      \(listeners.map { "  - { \($0) }" }.joined(separator: "\n"))
      \(pools)
      \(extra)
      """
    do {
      return try ConfigLoader.parse(yaml: yaml, file: "reload-plan.yaml")
    } catch {
      XCTFail("fixture does not load: \(error)\n\(yaml)", file: file, line: line)
      throw error
    }
  }
}
