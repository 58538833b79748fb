// swift-tools-version: 6.1
import PackageDescription

/// One set of settings for every target (as Hummingbird does).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "activityd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "activityd", targets: ["activityd"]),
        .executable(name: "activityctl", targets: ["activityctl"]),
        .executable(name: "activity-web", targets: ["activity-web"]),
        /// The reader library other Swift tools use to read segment files.
        .library(name: "ActivityStore", targets: ["ActivityStore"]),
        .library(name: "ActivityModel", targets: ["ActivityModel"]),
        /// The pure stages, configuration and IP-list parser, as products so that the fuzzers (Fuzz/, a separate
        /// package) link the code they fuzz instead of compiling its sources a second time.
        .library(name: "ActivityPipeline", targets: ["ActivityPipeline"]),
        .library(name: "ActivityConfig", targets: ["ActivityConfig"]),
        .library(name: "ActivityIPList", targets: ["ActivityIPList"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // Only activity-web (ActivityWeb) depends on these; no other target builds them.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.2"),
    ],
    targets: [
        // Pure value types: the event model, addresses, times. No I/O.
        .target(name: "ActivityModel", swiftSettings: swiftSettings, linkerSettings: [.linkedLibrary("m")]),
        // Pure stages: application-event decoding, syslog parsing, normalization rules.
        .target(name: "ActivityPipeline", dependencies: ["ActivityModel"], swiftSettings: swiftSettings),
        // Segment format, writer and reader library.
        .target(
            name: "ActivityStore",
            dependencies: ["ActivityModel", "CCRC32C", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // CRC-32C with the CPU's instruction (SSE4.2 / ARMv8 CRC), detected at run time; Swift tables otherwise.
        .target(name: "CCRC32C"),
        // Syslog-file tailing across rotation: pure TailState + a Glibc shell (glob, pread, inotify). No NIO.
        .target(name: "ActivityFileInput", dependencies: ["ActivityModel"], swiftSettings: swiftSettings),
        // libsystemd (Debian libsystemd-dev): sd-journal and sd-daemon, wrapped by SystemdJournal.
        .systemLibrary(name: "CSystemdJournal", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        // libsystemd binding: Journal, JournalReader (→ RawRecord), SystemdNotifier, SocketActivation.
        .target(name: "SystemdJournal", dependencies: ["CSystemdJournal", "ActivityModel"], swiftSettings: swiftSettings),
        // libmaxminddb (Debian libmaxminddb-dev), wrapped by MaxMindDB; enrichment built on it.
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),
        .target(name: "MaxMindDB", dependencies: ["CMaxMindDB", "ActivityModel"], swiftSettings: swiftSettings),
        // VPN/proxy/Tor/hosting IP lists: the line parser and the range set it builds. Pure.
        .target(name: "ActivityIPList", dependencies: ["ActivityModel"], swiftSettings: swiftSettings),
        .target(name: "ActivityEnrich", dependencies: ["ActivityModel", "ActivityIPList", "MaxMindDB"], swiftSettings: swiftSettings),
        // nats.c (Debian libnats-dev >= 3.4), wrapped by NATSJetStream: JetStream publish, read back, pull consumers.
        .systemLibrary(name: "CNATS", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .target(name: "NATSJetStream", dependencies: ["CNATS"], swiftSettings: swiftSettings),
        // Pure queries and reports over event sequences: users, logins, bursts, suspicious logins, CSV, terminal tables.
        .target(name: "ActivityReports", dependencies: ["ActivityModel"], swiftSettings: swiftSettings),
        // TOML configuration → typed, validated structs.
        .target(
            name: "ActivityConfig",
            dependencies: ["ActivityModel", "ActivityStore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        // The running system as a library: inputs, pipeline, store service, signals.
        .target(
            name: "ActivityDaemon",
            dependencies: [
                "ActivityModel", "ActivityPipeline", "ActivityStore", "ActivityConfig", "ActivityFileInput", "SystemdJournal", "ActivityEnrich", "ActivityReports", "NATSJetStream",
                "ActivityDatagram",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "activityd",
            dependencies: [
                "ActivityDaemon", "ActivityConfig", "ActivityStore", "ActivityCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "activityctl",
            dependencies: [
                "ActivityModel", "ActivityStore", "ActivityConfig", "ActivityPipeline", "ActivityReports", "ActivityCLI",
                "ActivityDatagram",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The read-only web console and JSON API: Hummingbird 2 (async/await native), HTML escaped by hand.
        .target(
            name: "ActivityWeb",
            dependencies: [
                "ActivityModel", "ActivityStore", "ActivityReports", "ActivityConfig", "ActivityDatagram",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "activity-web",
            dependencies: [
                "ActivityWeb", "ActivityConfig", "ActivityCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the executables share: the one user-facing error and warning line (program name, exit statuses).
        .target(name: "ActivityCLI", swiftSettings: swiftSettings),
        // Signed application datagrams (`<app> <hex HMAC> <payload>`): signing, verifying, a UDP sender. Shared by
        // the daemon's UDP input, `activityctl send` and activity-web's audit events.
        .target(
            name: "ActivityDatagram",
            dependencies: ["ActivityModel", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Test-only helpers: deterministic random events.
        .target(name: "ActivityTestSupport", dependencies: ["ActivityModel", "ActivityDatagram"], swiftSettings: swiftSettings),
        // Benchmarks (release build): `swift run -c release activity-bench <name>`.
        .executableTarget(
            name: "activity-bench",
            dependencies: [
                "ActivityModel", "ActivityPipeline", "ActivityStore", "ActivityEnrich", "ActivityIPList", "MaxMindDB", "ActivityReports",
                "ActivityTestSupport", "ActivityDaemon", "ActivityConfig", "ActivityCLI", "SystemdJournal",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ActivityModelTests",
            dependencies: ["ActivityModel", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ActivityConfigTests", dependencies: ["ActivityConfig", "ActivityModel"], swiftSettings: swiftSettings),
        .testTarget(name: "MaxMindDBTests", dependencies: ["MaxMindDB", "ActivityModel", "ActivityTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ActivityEnrichTests", dependencies: ["ActivityEnrich", "ActivityIPList", "MaxMindDB", "ActivityModel", "ActivityTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "NATSJetStreamTests", dependencies: ["NATSJetStream", "ActivityTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "SystemdJournalTests", dependencies: ["SystemdJournal", "ActivityModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ActivityFileInputTests",
            dependencies: ["ActivityFileInput", "ActivityModel", "ActivityTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ActivityReportsTests",
            dependencies: ["ActivityReports", "ActivityModel", "ActivityTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ActivityPipelineTests",
            dependencies: ["ActivityPipeline", "ActivityModel", "ActivityTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ActivityStoreTests",
            dependencies: [
                "ActivityStore", "ActivityModel", "ActivityReports", "ActivityTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ActivityDaemonTests", dependencies: ["ActivityDaemon", "ActivityReports", "ActivityStore", "ActivityModel", "ActivityConfig", "ActivityDatagram", "ActivityEnrich", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")], swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "ActivityModel", "ActivityStore", "ActivityConfig", "ActivityTestSupport", "activityd", "activityctl", "activity-bench", "NATSJetStream",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ActivityWebTests", dependencies: ["ActivityWeb", "ActivityConfig", "ActivityModel"], swiftSettings: swiftSettings),
        // activity-web end to end: the real binary on a store written by SegmentWriter, over HTTP.
        .testTarget(
            name: "WebIntegrationTests",
            dependencies: [
                "ActivityModel", "ActivityStore", "ActivityPipeline", "ActivityTestSupport", "activity-web", "activityctl",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
