/// Where a YAML node, or a syntax error, starts: 1-based line and column, the column counted in
/// Unicode scalars, as libyaml counts them.
struct YAMLMark: Equatable {
  let line: Int
  let column: Int
}
