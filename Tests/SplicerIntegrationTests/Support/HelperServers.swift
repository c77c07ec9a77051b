import Foundation
import Glibc
import XCTest

/// Real servers from Debian packages run behind the relay in routing tests: `openssl
/// s_server` with its own certificate (TLS passthrough by SNI), and nginx's stream module
/// accepting the PROXY protocol (to show what address a real backend sees).
enum HelperServers {
  /// A self-signed certificate for `name` (as CN and DNS SAN), written to `directory`.
  static func makeCertificate(for name: String, in directory: URL) throws -> (cert: String, key: String) {
    guard let openssl = ExternalProcess.find("openssl") else { throw XCTSkip("openssl is not installed") }
    let cert = directory.appendingPathComponent("\(name).crt").path
    let key = directory.appendingPathComponent("\(name).key").path
    let (status, _) = try ExternalProcess.run(
      openssl,
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
        "-subj", "/CN=\(name)", "-addext", "subjectAltName=DNS:\(name)", "-keyout", key, "-out", cert,
      ])
    XCTAssertEqual(status, 0, "openssl req for \(name)")
    return (cert, key)
  }

  /// `openssl s_server -www` on a fresh port with the certificate of `name`; it answers
  /// `GET /` with a status page.
  static func tlsServer(for name: String, in directory: URL) throws -> (process: ExternalProcess, port: UInt16) {
    guard let openssl = ExternalProcess.find("openssl") else { throw XCTSkip("openssl is not installed") }
    let (cert, key) = try makeCertificate(for: name, in: directory)
    let server = try ExternalProcess(
      openssl, ["s_server", "-quiet", "-www", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key])
    guard let port = ListeningPorts.port(of: server.process.processIdentifier) else {
      throw TestSocketError(call: "openssl s_server for \(name) did not start", code: 0)
    }
    return (server, port)
  }

  /// nginx (stream module) on a fresh port with `proxy_protocol` on its listener, answering
  /// every connection with the client address and port the PROXY header gave it.
  static func nginxShowingProxyAddress(in directory: URL) throws -> (process: ExternalProcess, port: UInt16) {
    let module = "/usr/lib/nginx/modules/ngx_stream_module.so"
    guard FileManager.default.fileExists(atPath: "/usr/sbin/nginx"), FileManager.default.fileExists(atPath: module)
    else {
      throw XCTSkip("nginx with libnginx-mod-stream is not installed (the README's test command installs it)")
    }
    // nginx refuses port 0: it is started again should another process take its port first.
    let (server, port) = try ListeningPorts.startOnFreePort { port in
      try nginx(listeningOn: port, in: directory, module: module)
    }
    return (server, port)
  }

  private static func nginx(listeningOn port: UInt16, in directory: URL, module: String) throws -> ExternalProcess {
    let config = """
      load_module \(module);
      daemon off;
      master_process off;
      worker_processes 1;
      pid \(directory.path)/nginx.pid;
      error_log stderr warn;
      events { worker_connections 64; }
      stream {
        server {
          listen 127.0.0.1:\(port) proxy_protocol;
          return "$proxy_protocol_addr $proxy_protocol_port\\n";
        }
      }
      """
    let path = directory.appendingPathComponent("nginx.conf").path
    try config.write(toFile: path, atomically: true, encoding: .utf8)
    return try ExternalProcess("/usr/sbin/nginx", ["-p", directory.path, "-e", "stderr", "-c", path])
  }
}
