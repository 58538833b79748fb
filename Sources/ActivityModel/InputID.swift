/// Which input instance a record, a normalizer's stream or a committed position belongs to.
///
/// The store commits positions under ``stored`` (the segment's commit frames hold that string; the store treats
/// it as opaque), and ``init(stored:)`` reads it back: `journald`, `file:<path>`, `nats:<stream>:<consumer>`.
/// Those forms are on disk in existing stores and never change. Inputs, the pipeline and the daemon use the
/// cases; no code outside this type reads or builds the prefixes.
public enum InputID: Hashable, Sendable, CustomStringConvertible {
    /// The systemd journal (one per daemon).
    case journald
    /// One followed file, by the path its glob matched.
    case file(path: String)
    /// A NATS JetStream durable consumer on a stream (`[input.nats]`); stream and consumer names are letters,
    /// digits, `-` and `_` (ActivityConfig checks), so the stored form is unambiguous.
    case nats(stream: String, consumer: String)
    /// Syslog over UDP from one sender address: a normalizer stream of the pipeline, never a committed position.
    case udp(sender: String)
    /// A stored name none of the cases above reads (written by a later version, say): kept as it is, so it is
    /// written back unchanged.
    case other(String)

    /// The input a stored name designates: the inverse of ``stored``.
    public init(stored: String) {
        if stored == "journald" {
            self = .journald
        } else if stored.hasPrefix("file:") {
            self = .file(path: String(stored.dropFirst(5)))
        } else if stored.hasPrefix("nats:") {
            let rest = stored.dropFirst(5)
            if let colon = rest.firstIndex(of: ":") {
                self = .nats(stream: String(rest[..<colon]), consumer: String(rest[rest.index(after: colon)...]))
            } else {
                self = .other(stored)
            }
        } else if stored.hasPrefix("udp:") {
            self = .udp(sender: String(stored.dropFirst(4)))
        } else {
            self = .other(stored)
        }
    }

    /// The name as the store commits it (the segment format's commit frames, docs/segment-format.md §3.2).
    public var stored: String {
        switch self {
        case .journald: "journald"
        case .file(let path): "file:" + path
        case .nats(let stream, let consumer): "nats:\(stream):\(consumer)"
        case .udp(let sender): "udp:" + sender
        case .other(let name): name
        }
    }

    /// ``stored``.
    public var description: String { stored }

    /// The kind of input, as events record it in ``Origin/input``: `journald`, `file`, `nats`, `udp` (the stored
    /// name for ``other(_:)``).
    public var kind: String {
        switch self {
        case .journald: "journald"
        case .file: "file"
        case .nats: "nats"
        case .udp: "udp"
        case .other(let name): name
        }
    }

    /// The followed file's path, for ``file(path:)``; nil otherwise.
    public var filePath: String? {
        if case .file(let path) = self { return path }
        return nil
    }

    /// Stored positions (name → value, as the store's writer recovers them) keyed by the input they belong to.
    public static func positions(_ stored: [String: String]) -> [InputID: String] {
        var out: [InputID: String] = [:]
        for (k, v) in stored { out[InputID(stored: k)] = v }
        return out
    }
}
