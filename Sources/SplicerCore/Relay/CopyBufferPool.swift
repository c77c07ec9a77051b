/// A worker's stock of user-space buffers for the copy path, held only while bytes are in
/// flight, like pipes. Owned by one worker and used only on its thread.
final class CopyBufferPool {
  let bufferSize: Int
  private var idle: [UnsafeMutableRawBufferPointer] = []
  private let maximumIdle: Int

  init(bufferSize: Int, maximumIdle: Int) {
    self.bufferSize = bufferSize
    self.maximumIdle = maximumIdle
  }

  deinit { drain() }

  func lease() -> UnsafeMutableRawBufferPointer {
    idle.popLast() ?? .allocate(byteCount: bufferSize, alignment: 64)
  }

  func giveBack(_ buffer: UnsafeMutableRawBufferPointer) {
    if idle.count < maximumIdle {
      idle.append(buffer)
    } else {
      buffer.deallocate()
    }
  }

  func drain() {
    for buffer in idle { buffer.deallocate() }
    idle.removeAll()
  }
}
