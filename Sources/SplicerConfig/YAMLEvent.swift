import CYAML

/// One of libyaml's parse events, copied out of its C struct so that the struct can be freed at
/// once; `YAMLComposer` builds the node tree from these.
enum YAMLEvent {
  case streamStart
  case streamEnd
  case documentStart(YAMLMark)
  case documentEnd
  case alias(anchor: String, YAMLMark)
  case scalar(YAMLScalar, anchor: String?)
  case sequenceStart(anchor: String?, YAMLMark)
  case sequenceEnd
  case mappingStart(anchor: String?, YAMLMark)
  case mappingEnd

  /// Copies what the composer needs from `event`; the caller still owns and deletes `event`.
  init(_ event: yaml_event_t) {
    let mark = YAMLMark(libyaml: event.start_mark)
    switch event.type {
    case YAML_STREAM_START_EVENT: self = .streamStart
    case YAML_DOCUMENT_START_EVENT: self = .documentStart(mark)
    case YAML_DOCUMENT_END_EVENT: self = .documentEnd
    case YAML_ALIAS_EVENT: self = .alias(anchor: Self.string(event.data.alias.anchor) ?? "", mark)
    case YAML_SCALAR_EVENT:
      let data = event.data.scalar
      // A scalar may hold NUL characters (`"\0"`), so its length counts, not a terminator.
      let text = String(decoding: UnsafeBufferPointer(start: data.value, count: data.length), as: UTF8.self)
      let kind = YAMLScalar.Kind(tag: Self.string(data.tag), quotedImplicit: data.quoted_implicit != 0, text: text)
      let isPlain = data.style == YAML_PLAIN_SCALAR_STYLE || data.style == YAML_ANY_SCALAR_STYLE
      self = .scalar(YAMLScalar(text: text, kind: kind, isPlain: isPlain, mark: mark), anchor: Self.string(data.anchor))
    case YAML_SEQUENCE_START_EVENT: self = .sequenceStart(anchor: Self.string(event.data.sequence_start.anchor), mark)
    case YAML_SEQUENCE_END_EVENT: self = .sequenceEnd
    case YAML_MAPPING_START_EVENT: self = .mappingStart(anchor: Self.string(event.data.mapping_start.anchor), mark)
    case YAML_MAPPING_END_EVENT: self = .mappingEnd
    // YAML_STREAM_END_EVENT, and YAML_NO_EVENT, which a successful yaml_parser_parse never returns.
    default: self = .streamEnd
    }
  }

  private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
    pointer.map { String(cString: $0) }
  }
}
