import SplicerSystem
import XCTest

final class ExecutablePathTests: XCTestCase {
  /// The files the fake file system says are executable.
  private let executables: Set<String> = [
    "/usr/local/bin/splicer", "/usr/bin/splicer", "/srv/app/bin/splicer", "/srv/app/splicer",
  ]

  func testMakesArgumentZeroAbsoluteWithoutResolvingLinks() {
    let cases: [(argument0: String, directory: String, path: String?, expected: String?)] = [
      // Absolute: as is (even when missing: the exec reports that), tidied of `.` and `//`.
      ("/usr/local/bin/splicer", "/srv", nil, "/usr/local/bin/splicer"),
      ("/opt/gone/splicer", "/srv", nil, "/opt/gone/splicer"),
      ("/usr//local/./bin/splicer", "/srv", nil, "/usr/local/bin/splicer"),
      // With a slash: joined to the working directory; `..` kept, since a link may sit before it.
      ("./splicer", "/srv/app", nil, "/srv/app/splicer"),
      ("bin/splicer", "/srv/app", nil, "/srv/app/bin/splicer"),
      ("../app/splicer", "/srv/app", nil, "/srv/app/../app/splicer"),
      ("./splicer", "/", nil, "/splicer"),
      // A bare name: the first executable in PATH, in order.
      ("splicer", "/srv", "/usr/local/bin:/usr/bin", "/usr/local/bin/splicer"),
      ("splicer", "/srv", "/nowhere:/usr/bin:/usr/local/bin", "/usr/bin/splicer"),
      ("splicer", "/srv", "/nowhere", nil),
      // An empty entry is the working directory; a relative entry is joined to it.
      ("splicer", "/srv/app", "/nowhere::/usr/bin", "/srv/app/splicer"),
      ("splicer", "/srv/app", "bin:/usr/bin", "/srv/app/bin/splicer"),
      ("splicer", "/srv/app", "", "/srv/app/splicer"),
      // PATH unset: execvp's default.
      ("splicer", "/srv", nil, "/usr/bin/splicer"),
      ("", "/srv", "/usr/bin", nil),
    ]
    for (argument0, directory, path, expected) in cases {
      let result = ExecutablePath.absolute(
        argument0: argument0, workingDirectory: directory, searchPath: path, isExecutable: executables.contains)
      XCTAssertEqual(result, expected, "argv[0]=\(argument0) cwd=\(directory) PATH=\(path ?? "unset")")
    }
  }

  func testOnlyExecutableRegularFilesCount() {
    XCTAssertTrue(ExecutablePath.isExecutableFile("/bin/sh"))
    XCTAssertFalse(ExecutablePath.isExecutableFile("/bin"), "a directory")
    XCTAssertFalse(ExecutablePath.isExecutableFile("/proc/self/status"), "a file without execute bits")
    XCTAssertFalse(ExecutablePath.isExecutableFile("/nonexistent/splicer"))
  }

  func testThisProcessHasAnAbsolutePath() throws {
    let path = try XCTUnwrap(ExecutablePath.ofCurrentProcess())
    XCTAssertTrue(path.hasPrefix("/"), path)
    XCTAssertTrue(ExecutablePath.isExecutableFile(path), path)
  }
}
