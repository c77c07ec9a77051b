import CYAML

/// Composes one YAML document into a `YAMLNode` tree, from the events of Debian's libyaml.
///
/// Owns one libyaml parser and a copy of the text it reads, for one document. An alias becomes a
/// copy of the node its anchor names; an anchor names its node from the node's end on, so an
/// alias inside the node it names is undefined, and a later anchor of the same name replaces the
/// earlier one. Composing recurses once per level of nesting, so callers check the nesting first
/// (`NestingGuard`).
final class YAMLComposer {
  private let parser: UnsafeMutablePointer<yaml_parser_t>
  private let input: UnsafeMutableBufferPointer<UInt8>
  private var anchors: [String: YAMLNode] = [:]

  /// The only node of the only document in `yaml`; nil when there is no document (nothing, or
  /// only comments).
  static func composeSingleDocument(_ yaml: String) throws(YAMLSyntaxError) -> YAMLNode? {
    try YAMLComposer(yaml: yaml).singleDocument()
  }

  private init(yaml: String) {
    // libyaml keeps a pointer to the parser inside the parser, so it lives at a fixed address.
    parser = .allocate(capacity: 1)
    input = .allocate(capacity: max(yaml.utf8.count, 1))
    let count = input.initialize(fromContentsOf: yaml.utf8)
    guard yaml_parser_initialize(parser) == 1 else {
      preconditionFailure("libyaml could not allocate a parser")
    }
    yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
    yaml_parser_set_input_string(parser, input.baseAddress, count)
  }

  deinit {
    yaml_parser_delete(parser)
    parser.deallocate()
    input.deallocate()
  }

  private func singleDocument() throws(YAMLSyntaxError) -> YAMLNode? {
    _ = try next()  // the stream start
    guard case .documentStart = try next() else {
      return nil
    }
    let root = try node(from: try next())
    _ = try next()  // the document end
    let event = try next()
    if case .documentStart(let mark) = event {
      throw YAMLSyntaxError(
        stage: .composer, problem: "but found another document", mark: mark,
        context: .init(text: "expected a single document in the stream", mark: nil))
    }
    return root
  }

  private func node(from event: YAMLEvent) throws(YAMLSyntaxError) -> YAMLNode {
    let node: YAMLNode
    let anchor: String?
    switch event {
    case .alias(let name, let mark):
      guard let target = anchors[name] else {
        throw YAMLSyntaxError(stage: .composer, problem: "found undefined alias", mark: mark)
      }
      return target
    case .scalar(let scalar, let name):
      node = .scalar(scalar)
      anchor = name
    case .sequenceStart(let name, let mark):
      var elements: [YAMLNode] = []
      while true {
        let event = try next()
        if case .sequenceEnd = event { break }
        elements.append(try self.node(from: event))
      }
      node = .sequence(elements, mark)
      anchor = name
    case .mappingStart(let name, let mark):
      var entries: [(key: YAMLNode, value: YAMLNode)] = []
      while true {
        let event = try next()
        if case .mappingEnd = event { break }
        let key = try self.node(from: event)
        entries.append((key, try self.node(from: try next())))
      }
      node = .mapping(entries, mark)
      anchor = name
    default:
      preconditionFailure("libyaml sent \(event) where a node starts")
    }
    if let anchor {
      anchors[anchor] = node
    }
    return node
  }

  /// The next event, or the error libyaml stopped at.
  private func next() throws(YAMLSyntaxError) -> YAMLEvent {
    var event = yaml_event_t()
    guard yaml_parser_parse(parser, &event) == 1 else {
      throw error()
    }
    defer { yaml_event_delete(&event) }
    return YAMLEvent(event)
  }

  private func error() -> YAMLSyntaxError {
    let state = parser.pointee
    let problem = state.problem.map { String(cString: $0) } ?? "unknown problem"
    let context = state.context.map {
      YAMLSyntaxError.Context(text: String(cString: $0), mark: YAMLMark(libyaml: state.context_mark))
    }
    let mark = YAMLMark(libyaml: state.problem_mark)
    switch state.error {
    case YAML_READER_ERROR:
      return YAMLSyntaxError(stage: .reader, problem: problem, mark: nil, byteOffset: Int(state.problem_offset))
    case YAML_SCANNER_ERROR:
      return YAMLSyntaxError(stage: .scanner, problem: problem, mark: mark, context: context)
    case YAML_PARSER_ERROR:
      return YAMLSyntaxError(stage: .parser, problem: problem, mark: mark, context: context)
    default:
      return YAMLSyntaxError(stage: .memory, problem: "out of memory", mark: nil)
    }
  }
}
