/// What `ProxyHeaderParser.parse` decided about the bytes that have arrived so far.
public enum ProxyHeaderParseResult: Sendable, Equatable {
  /// The bytes are a valid prefix of a header; peek again once more have arrived.
  case needMore
  /// A whole header; consume exactly `length` bytes, the rest is the client's payload.
  case complete(ProxyHeader, length: Int)
  /// Not a header we accept; close the connection.
  case invalid(ProxyHeaderError)
}
