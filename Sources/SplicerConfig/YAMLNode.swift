/// One node of a composed YAML document, built by `YAMLComposer` and read by `YAMLNodeReader`.
///
/// A value tree: an alias is a copy of the node its anchor names (arrays share their storage,
/// so a copy is cheap). Mapping entries stay in file order, duplicates included, so that
/// `YAMLMappingReader` can reject the second of two equal keys.
enum YAMLNode {
  case scalar(YAMLScalar)
  /// The elements, and where the sequence starts (its `-` or `[`).
  case sequence([YAMLNode], YAMLMark)
  /// The entries in file order, and where the mapping starts (its first key or `{`).
  case mapping([(key: YAMLNode, value: YAMLNode)], YAMLMark)

  var mark: YAMLMark {
    switch self {
    case .scalar(let scalar): return scalar.mark
    case .sequence(_, let mark), .mapping(_, let mark): return mark
    }
  }
}
