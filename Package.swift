// swift-tools-version:6.0
import PackageDescription

// The event loop and the relay run every connection through class properties that the
// compiler cannot prove are accessed one at a time, so an optimised build checks each access
// at run time: about 9,400 instructions per short connection, nearly a fifth of Splicer's
// user-space work on it (callgrind; docs/BENCHMARKS.md, "Short connections: user-space
// instructions").
// Release builds of these two modules skip those checks; debug builds, which run every test
// and the sanitizer suites, keep them, so an overlapping access still traps there.
let hotPathSettings: [SwiftSetting] = [
  .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
  name: "Splicer",
  products: [
    .executable(name: "splicer", targets: ["splicer"]),
    // Libraries only so that the fuzz package in Fuzz/ can depend on them by path.
    .library(name: "SplicerConfig", targets: ["SplicerConfig"]),
    .library(name: "SplicerProtocol", targets: ["SplicerProtocol"]),
    .library(name: "SplicerCore", targets: ["SplicerCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
  ],
  targets: [
    // GNU and epoll calls that Swift's Glibc module hides; the .c file defines _GNU_SOURCE.
    .target(name: "CSplicer"),
    // glibc's stub resolver (res_nquery, ns_parserr, dn_expand) for SRV discovery.
    .target(name: "CResolv", linkerSettings: [.linkedLibrary("resolv")]),
    // libcap, linked from Debian's libcap-dev.
    .systemLibrary(name: "CCap", providers: [.apt(["libcap-dev"])]),
    // libyaml, linked from Debian's libyaml-dev: the YAML parser under SplicerConfig.
    .systemLibrary(name: "CYAML", providers: [.apt(["libyaml-dev"])]),
    // OpenSSL's libcrypto for SHA-256 in the integration tests only.
    .systemLibrary(name: "CTestCrypto", providers: [.apt(["libssl-dev"])]),
    .target(
      name: "SplicerSystem",
      dependencies: ["CSplicer", "CCap"]
    ),
    // Pure parsers and encoders the relay runs at connection start: PROXY protocol headers and the
    // server name of a TLS ClientHello. No sockets, no Foundation; safe on any input (fuzzed).
    .target(
      name: "SplicerProtocol",
      dependencies: ["SplicerSystem"]
    ),
    // The config file: YAML through libyaml, composed and validated in Swift. No Foundation, whose
    // ICU data would add tens of MiB to the binary.
    .target(
      name: "SplicerConfig",
      dependencies: ["CYAML"]
    ),
    .target(
      name: "SplicerRouting",
      dependencies: ["SplicerConfig", "SplicerSystem"]
    ),
    // The epoll loop (descriptors, timers, deferred work) that the relay workers and the health
    // checker each run on one thread of their own.
    .target(
      name: "SplicerLoop",
      dependencies: ["CSplicer", "SplicerSystem"],
      swiftSettings: hotPathSettings
    ),
    // Active health checks on a thread of their own, and the board of up/down flags the
    // workers read on every pick. Below SplicerCore, which only reads the board and starts
    // the checker.
    .target(
      name: "SplicerHealth",
      dependencies: [
        "SplicerLoop", "SplicerSystem", "SplicerProtocol", "SplicerRouting", "SplicerConfig",
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // The host-name resolver thread: blocking getaddrinfo off the relay workers, answers
    // published in each name's ResolvedAddress.
    .target(
      name: "SplicerResolution",
      dependencies: [
        "CResolv", "SplicerSystem", "SplicerRouting", "SplicerConfig",
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Log lines as bytes (JSON or logfmt) and the one thread that writes them to stderr.
    .target(
      name: "SplicerLogging",
      dependencies: ["SplicerSystem", "SplicerConfig", .product(name: "Logging", package: "swift-log")]
    ),
    .target(
      name: "SplicerCore",
      dependencies: [
        "SplicerSystem", "SplicerRouting", "SplicerConfig", "SplicerProtocol", "SplicerLoop", "SplicerHealth",
        "SplicerResolution", "SplicerLogging",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
      ],
      swiftSettings: hotPathSettings
    ),
    // The admin endpoint: /metrics through swift-prometheus, /healthz, /status; served by
    // SwiftNIO's HTTP/1 on its own thread, never on a relay worker.
    .target(
      name: "SplicerMetrics",
      dependencies: [
        "SplicerCore", "SplicerHealth", "SplicerRouting", "SplicerConfig", "SplicerSystem",
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "CoreMetrics", package: "swift-metrics"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]
    ),
    .executableTarget(
      name: "splicer",
      dependencies: [
        "SplicerCore", "SplicerConfig", "SplicerSystem", "SplicerMetrics", "SplicerLogging", "SplicerResolution",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    // Helpers more than one test target needs; a library target, since test targets cannot
    // depend on each other.
    .target(name: "SplicerTestSupport", path: "Tests/SplicerTestSupport"),
    .testTarget(name: "SplicerSystemTests", dependencies: ["SplicerSystem", "SplicerTestSupport"]),
    .testTarget(
      name: "SplicerProtocolTests",
      dependencies: ["SplicerProtocol", "SplicerSystem", "SplicerRouting", "SplicerTestSupport"]),
    .testTarget(name: "SplicerConfigTests", dependencies: ["SplicerConfig", "SplicerTestSupport"]),
    .testTarget(name: "SplicerRoutingTests", dependencies: ["SplicerRouting", "SplicerConfig"]),
    .testTarget(name: "SplicerLoopTests", dependencies: ["SplicerLoop"]),
    .testTarget(
      name: "SplicerResolutionTests",
      dependencies: ["SplicerResolution", "SplicerConfig", .product(name: "Logging", package: "swift-log")]),
    .testTarget(name: "SplicerHealthTests", dependencies: ["SplicerHealth", "SplicerConfig"]),
    .testTarget(
      name: "SplicerCoreTests",
      dependencies: ["SplicerCore", "SplicerConfig", "SplicerSystem", "SplicerLoop", "SplicerHealth", "SplicerLogging"]
    ),
    .testTarget(name: "SplicerLoggingTests", dependencies: ["SplicerLogging", "SplicerConfig", "SplicerSystem"]),
    .testTarget(
      name: "SplicerMetricsTests",
      dependencies: [
        "SplicerMetrics", "SplicerCore", "SplicerConfig", .product(name: "Prometheus", package: "swift-prometheus"),
      ]),
    .testTarget(
      name: "SplicerIntegrationTests",
      dependencies: [
        "SplicerSystem", "SplicerConfig", "SplicerProtocol", "SplicerRouting", "CTestCrypto", "splicer",
        "SplicerTestSupport",
      ]
    ),
  ]
)
