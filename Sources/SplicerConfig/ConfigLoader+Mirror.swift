/// The listener's `mirror` section.
extension ConfigLoader {
  static let mirrorKeys = ["pool", "sample"]

  /// The mirror and the node naming its pool, for the caller's check that the pool exists.
  static func readMirror(_ node: YAMLNodeReader) throws(ConfigError) -> (MirrorConfig, YAMLNodeReader) {
    let fields = try node.mapping(knownKeys: mirrorKeys)
    guard let poolNode = fields["pool"] else {
      throw node.error("'mirror' needs 'pool', the pool that receives the copies")
    }
    var config = MirrorConfig(pool: try poolNode.string())
    if let sample = fields["sample"] {
      config.samplePercent = try sample.parsed(expected: "a share such as 10%", parseSample)
    }
    return (config, poolNode)
  }

  /// `10%` or `10`: a whole percentage within `MirrorConfig.sampleRange`.
  static func parseSample(_ text: String) throws(ValueError) -> Int {
    let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
    guard let value = Int(digits), MirrorConfig.sampleRange.contains(value) else {
      throw ValueError("must be a percentage from 0% to 100%, got '\(text)'")
    }
    return value
  }
}
