// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "meridian",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meridian", targets: ["meridian"]),
        .executable(name: "meridian-loadgen", targets: ["meridian-loadgen"]),
        .executable(name: "meridian-dnsbench", targets: ["meridian-dnsbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .target(name: "KubeAPI", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        .target(name: "Store", swiftSettings: strict),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .target(
            name: "StoreSQLite",
            dependencies: [
                "Store", "CSQLite",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(name: "StoreTesting", dependencies: ["Store"], swiftSettings: strict),
        .target(
            name: "APIServer",
            dependencies: [
                "KubeAPI", "Store",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "KubeClient",
            dependencies: [
                "KubeAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .target(
            name: "Reconcile",
            dependencies: [
                "KubeClient", "KubeAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "Sandbox",
            dependencies: [
                "KubeClient", "KubeAPI", "Reconcile",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(name: "DNSWire", swiftSettings: strict),
        .target(
            name: "DNSServer",
            dependencies: [
                "DNSWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "DNSProviders",
            dependencies: [
                "DNSWire", "Reconcile",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        // Real DNS servers (BIND, PowerDNS, moto, a fake Azure) run as test processes.
        .target(name: "DNSProviderTesting", swiftSettings: strict),
        .target(name: "FederationAPI", dependencies: ["KubeAPI", "KubeClient"], swiftSettings: strict),
        .target(
            name: "Federation",
            dependencies: [
                "FederationAPI", "KubeClient", "KubeAPI", "Reconcile", "DNSWire", "DNSServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "meridian-fedbench",
            dependencies: [
                "KubeClient", "KubeAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/FedBench",
            swiftSettings: strict),
        .executableTarget(
            name: "meridian-loadgen",
            dependencies: [
                "KubeClient", "KubeAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/LoadGen",
            swiftSettings: strict),
        .executableTarget(
            name: "meridian-dnsbench",
            dependencies: [
                "DNSWire", "DNSServer", "Federation", "KubeClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/DNSBench",
            swiftSettings: strict),
        .target(
            name: "MeridianCLI",
            dependencies: [
                "APIServer", "StoreSQLite", "KubeAPI", "KubeClient", "Sandbox", "Federation", "FederationAPI", "DNSWire", "DNSServer",
                "DNSProviders",
                "Reconcile",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "meridian", dependencies: ["MeridianCLI"], swiftSettings: strict),

        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "StoreTesting"]),
        .testTarget(name: "StoreSQLiteTests", dependencies: ["StoreSQLite", "StoreTesting"]),
        .testTarget(name: "APIServerTests", dependencies: ["APIServer", "Store", "KubeAPI"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeAPI"]),
        .testTarget(name: "ReconcileTests", dependencies: ["Reconcile", "KubeClient"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "KubeAPI"]),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire"]),
        .testTarget(name: "DNSServerTests", dependencies: ["DNSServer", "DNSWire"]),
        .testTarget(name: "DNSProvidersTests", dependencies: ["DNSProviders", "DNSProviderTesting", "DNSWire", "Reconcile"]),
        .testTarget(name: "FederationTests", dependencies: ["Federation", "FederationAPI", "KubeAPI", "KubeClient", "DNSWire"]),
        .testTarget(
            name: "MeridianCLITests",
            dependencies: ["MeridianCLI", "KubeAPI", "KubeClient", "Reconcile", "DNSProviders", "DNSProviderTesting"]),
    ]
)
