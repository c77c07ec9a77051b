import Glibc

/// What the machine lets this process hold, as the capacity plan compares it with the config:
/// the descriptor limit and the kernel settings that bound pipes, backlogs and local ports.
///
/// Read once by `current()` (getrlimit and /proc/sys); tests build one by hand.
public struct MachineLimits: Sendable, Equatable {
  /// RLIMIT_NOFILE: the soft limit the process runs with, and the hard limit it may raise to.
  public var openFiles: Int
  public var openFilesHard: Int
  /// `fs.pipe-user-pages-soft`: pages of pipe buffers one user may hold before new pipes get
  /// the minimum size (and F_SETPIPE_SZ fails with EPERM); 0: no limit.
  public var pipeUserPagesSoft: Int
  /// `fs.pipe-user-pages-hard`: pages past which no pipe buffer is granted at all; 0: none.
  public var pipeUserPagesHard: Int
  /// `fs.pipe-max-size`: the largest pipe an unprivileged process may ask for, in bytes.
  public var pipeMaxSize: Int
  /// `net.core.somaxconn`: the kernel caps every listen backlog at this.
  public var somaxconn: Int
  /// `net.ipv4.ip_local_port_range`: the local ports of outgoing connections.
  public var localPorts: ClosedRange<Int>

  public init(
    openFiles: Int, openFilesHard: Int, pipeUserPagesSoft: Int, pipeUserPagesHard: Int, pipeMaxSize: Int,
    somaxconn: Int, localPorts: ClosedRange<Int>
  ) {
    self.openFiles = openFiles
    self.openFilesHard = openFilesHard
    self.pipeUserPagesSoft = pipeUserPagesSoft
    self.pipeUserPagesHard = pipeUserPagesHard
    self.pipeMaxSize = pipeMaxSize
    self.somaxconn = somaxconn
    self.localPorts = localPorts
  }

  /// The limits of this process and machine now. A setting that cannot be read takes the
  /// kernel's default, so that the plan still says something useful.
  public static func current() -> MachineLimits {
    var files = rlimit()
    let haveFiles = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files) == 0
    let ports = readNumbers("/proc/sys/net/ipv4/ip_local_port_range")
    return MachineLimits(
      openFiles: haveFiles ? clamp(files.rlim_cur) : 1024,
      openFilesHard: haveFiles ? clamp(files.rlim_max) : 1024,
      pipeUserPagesSoft: readNumbers("/proc/sys/fs/pipe-user-pages-soft").first ?? 16_384,
      pipeUserPagesHard: readNumbers("/proc/sys/fs/pipe-user-pages-hard").first ?? 0,
      pipeMaxSize: readNumbers("/proc/sys/fs/pipe-max-size").first ?? 1 << 20,
      somaxconn: readNumbers("/proc/sys/net/core/somaxconn").first ?? 4096,
      localPorts: ports.count == 2 && ports[0] <= ports[1] ? ports[0]...ports[1] : 32_768...60_999)
  }

  private static func clamp(_ value: rlim_t) -> Int {
    value >= rlim_t(Int.max) ? Int.max : Int(value)
  }

  /// The whitespace-separated numbers of a small /proc file; empty if it cannot be read.
  private static func readNumbers(_ path: String) -> [Int] {
    guard let file = fopen(path, "r") else { return [] }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return [] }
    let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
  }
}
