import CYAML

extension YAMLMark {
  /// libyaml counts lines and columns from 0.
  init(libyaml mark: yaml_mark_t) {
    self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
  }
}
