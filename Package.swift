// swift-tools-version:6.0
import PackageDescription

let strictFlags: [SwiftSetting] = []

let package = Package(
  name: "Splicer",
  products: [
    .executable(name: "splicer", targets: ["splicer"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
  ],
  targets: [
    // GNU and epoll calls that Swift's Glibc module hides; the .c file defines _GNU_SOURCE.
    .target(name: "CSplicer"),
    // libcap, linked from Debian's libcap-dev.
    .systemLibrary(name: "CCap", providers: [.apt(["libcap-dev"])]),
    // OpenSSL's libcrypto for SHA-256 in the integration tests only.
    .systemLibrary(name: "CTestCrypto", providers: [.apt(["libssl-dev"])]),
    .target(
      name: "SplicerSystem",
      dependencies: ["CSplicer", "CCap"],
      swiftSettings: strictFlags
    ),
    .target(
      name: "SplicerConfig",
      dependencies: [.product(name: "Yams", package: "Yams")],
      swiftSettings: strictFlags
    ),
    .target(
      name: "SplicerRouting",
      dependencies: ["SplicerConfig", "SplicerSystem"],
      swiftSettings: strictFlags
    ),
    .target(
      name: "SplicerCore",
      dependencies: [
        "SplicerSystem", "SplicerRouting", "SplicerConfig",
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strictFlags
    ),
    .executableTarget(
      name: "splicer",
      dependencies: [
        "SplicerCore", "SplicerConfig", "SplicerSystem",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: strictFlags
    ),
    .testTarget(name: "SplicerSystemTests", dependencies: ["SplicerSystem"]),
    .testTarget(name: "SplicerConfigTests", dependencies: ["SplicerConfig"]),
    .testTarget(name: "SplicerRoutingTests", dependencies: ["SplicerRouting", "SplicerConfig"]),
    .testTarget(name: "SplicerCoreTests", dependencies: ["SplicerCore", "SplicerSystem"]),
    .testTarget(
      name: "SplicerIntegrationTests",
      dependencies: ["SplicerSystem", "SplicerConfig", "CTestCrypto", "splicer"]
    ),
  ]
)
