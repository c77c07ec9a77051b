import Glibc
import SplicerSystem

/// The process_* figures Prometheus expects from every exporter, read from /proc/self.
struct ProcessSample {
  var openDescriptors: Double
  var maxDescriptors: Double
  var residentBytes: Double
  var virtualBytes: Double
  var cpuSeconds: Double
  var startTimeSeconds: Double
  var threads: Double

  static func read() -> ProcessSample {
    var sample = ProcessSample(
      openDescriptors: 0, maxDescriptors: 0, residentBytes: 0, virtualBytes: 0, cpuSeconds: 0, startTimeSeconds: 0,
      threads: 0)
    sample.openDescriptors = Double(countDirectoryEntries("/proc/self/fd"))
    var limit = rlimit()
    if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { sample.maxDescriptors = Double(limit.rlim_cur) }
    let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    if let stat = readSmallFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
      // Fields after "(comm)": [0] state … [11] utime [12] stime … [17] num_threads … [19] starttime
      // [20] vsize [21] rss (pages).
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      if fields.count > 21 {
        sample.cpuSeconds = ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / ticks
        sample.threads = Double(fields[17]) ?? 0
        sample.virtualBytes = Double(fields[20]) ?? 0
        sample.residentBytes = (Double(fields[21]) ?? 0) * pageSize
        sample.startTimeSeconds = bootTime() + (Double(fields[19]) ?? 0) / ticks
      }
    }
    return sample
  }

  private static func bootTime() -> Double {
    guard let stat = readSmallFile("/proc/stat") else { return 0 }
    for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
      return Double(line.dropFirst(6)) ?? 0
    }
    return 0
  }

  private static func countDirectoryEntries(_ path: String) -> Int {
    var count = 0
    guard DirectoryEntries.forEachName(in: path, { _ in count += 1 }) else { return 0 }
    // The directory stream itself holds one descriptor while we count.
    return max(0, count - 1)
  }

  static func readSmallFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = Glibc.read(fd, &buffer, buffer.count)
      if count <= 0 { break }
      bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
