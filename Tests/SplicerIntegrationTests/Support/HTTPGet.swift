import Glibc

/// A minimal blocking HTTP/1.1 GET for the admin endpoint tests (curl is used where a user
/// would use it; this is for many quick scrapes without a process each).
enum HTTPGet {
  struct Response {
    let status: Int
    let headers: String
    let body: String
  }

  static func get(port: UInt16, path: String, method: String = "GET", body: String = "") throws -> Response {
    let fd = try TestSockets.connect(port: port, nonblocking: false)
    defer { close(fd) }
    var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if !body.isEmpty { request += "Content-Length: \(body.utf8.count)\r\n" }
    request += "\r\n" + body
    let bytes = Array(request.utf8)
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if count <= 0 { break }
      sent += count
    }
    let (raw, _) = TestSockets.readToEnd(fd, timeoutSeconds: 30)
    let text = String(decoding: raw, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return Response(status: 0, headers: text, body: "") }
    let head = String(text[..<split.lowerBound])
    let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
    return Response(status: status, headers: head, body: String(text[split.upperBound...]))
  }

  /// The value of the series `name{labels}` in a Prometheus text exposition.
  static func sample(_ exposition: String, _ series: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
      return Double(line.dropFirst(series.count + 1))
    }
    return nil
  }
}
