import CNATS
#if canImport(Glibc)
import Glibc
#endif

/// A failed nats.c call: its status, the JetStream error code when the server gave one, and nats.c's text.
public struct NATSError: Error, CustomStringConvertible, Sendable, Hashable {
    /// nats.c's `natsStatus` (0 is OK; 26 is a timeout).
    public var status: Int
    /// JetStream's API error code (10071: wrong last sequence; 10059: stream not found), 0 when none.
    public var jetStreamCode: Int
    public var text: String

    public var description: String {
        jetStreamCode == 0
            ? "nats: \(text) (status \(status))" : "nats: \(text) (status \(status), JetStream error \(jetStreamCode))"
    }

    /// The expected last subject sequence did not match: another writer published on the subject, or an
    /// earlier publish of ours was stored although its acknowledgement never arrived.
    public var isWrongLastSequence: Bool { jetStreamCode == 10071 }
    public var isTimeout: Bool { status == Int(NATS_TIMEOUT.rawValue) }
    public var isNotFound: Bool {
        jetStreamCode == 10059 || jetStreamCode == 10037 || jetStreamCode == 10014
            || status == Int(NATS_NOT_FOUND.rawValue)
    }

    init(_ s: natsStatus, _ code: jsErrCode = jsErrCode(rawValue: 0), _ what: String) {
        status = Int(s.rawValue)
        jetStreamCode = Int(code.rawValue)
        let last = nats_GetLastError(nil).map { String(cString: $0) } ?? ""
        let statusText = natsStatus_GetText(s).map { String(cString: $0) } ?? "status \(s.rawValue)"
        text = what + ": " + (last.isEmpty ? statusText : last)
    }
}

/// How to reach the servers. Credentials and TLS are optional.
public struct ConnectOptions: Sendable, Hashable {
    /// `nats://host:port` URLs; any one is enough to join a cluster.
    public var servers: [String]
    /// The connection's name, as `nats-server` monitoring shows it.
    public var name: String?
    /// A `.creds` file (user JWT and NKey seed).
    public var credentialsFile: String?
    public var token: String?
    /// CA bundle that signed the servers' certificates; setting it requires TLS.
    public var tlsCAFile: String?
    /// Client certificate and key (mutual TLS).
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
    /// Timeout of the connect and of each JetStream request (publish acknowledgement, stream info), ms.
    public var timeoutMilliseconds: Int64 = 5000

    public init(servers: [String]) { self.servers = servers }
}

/// A stream's configuration and state, as `js_GetStreamInfo` reports it.
public struct StreamInfo: Sendable, Hashable {
    public var name: String
    public var subjects: [String]
    public var replicas: Int
    public var messages: UInt64
    public var firstSequence: UInt64
    public var lastSequence: UInt64
    /// The cluster's name and the server that leads the stream's group (nil for a single server).
    public var cluster: String?
    public var leader: String?
}

/// What the stream answered to a publish.
public struct PublishAck: Sendable, Hashable {
    public var stream: String
    public var sequence: UInt64
    /// The message id was seen within the stream's duplicate window: not stored again.
    public var duplicate: Bool
}

/// A message read back from the stream by sequence or by last-of-subject.
public struct StoredMessage: Sendable, Hashable {
    public var subject: String
    public var sequence: UInt64
    public var data: [UInt8]
    /// The `Nats-Msg-Id` header, when it has one.
    public var messageID: String?
}

/// A JetStream connection (nats.c's `natsConnection` and `jsCtx`). Every call blocks until the server
/// answers or the timeout passes: call it from a thread of its own, not from the cooperative pool.
/// nats.c connections are thread-safe; nats.c reconnects by itself (forever, every 250 ms), and calls made
/// while it is disconnected fail with a timeout or a connection error.
public final class JetStreamConnection: @unchecked Sendable {
    // @unchecked Sendable: nats.c's connection and JetStream context may be used from any thread.
    let nc: OpaquePointer
    let js: OpaquePointer
    public let options: ConnectOptions

    public init(_ options: ConnectOptions) throws(NATSError) {
        self.options = options
        var opts: OpaquePointer?
        var s = natsOptions_Create(&opts)
        guard s == NATS_OK, let opts else { throw NATSError(s, jsErrCode(rawValue: 0), "options") }
        defer { natsOptions_Destroy(opts) }
        func check(_ s: natsStatus, _ what: String) throws(NATSError) {
            if s != NATS_OK { throw NATSError(s, jsErrCode(rawValue: 0), what) }
        }
        var cstrings = options.servers.map { strdup($0) }
        defer { cstrings.forEach { free($0) } }
        try cstrings.withUnsafeMutableBufferPointer { (buf) throws(NATSError) in
            try buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buf.count) {
                (p) throws(NATSError) in
                try check(natsOptions_SetServers(opts, p, Int32(buf.count)), "servers")
            }
        }
        if let n = options.name { try check(natsOptions_SetName(opts, n), "name") }
        try check(natsOptions_SetTimeout(opts, options.timeoutMilliseconds), "timeout")
        try check(natsOptions_SetMaxReconnect(opts, -1), "max reconnect")
        try check(natsOptions_SetReconnectWait(opts, 250), "reconnect wait")
        try check(natsOptions_SetPingInterval(opts, 2000), "ping interval")
        try check(natsOptions_SetMaxPingsOut(opts, 2), "max pings out")
        if let c = options.credentialsFile {
            try check(natsOptions_SetUserCredentialsFromFiles(opts, c, nil), "credentials")
        }
        if let t = options.token { try check(natsOptions_SetToken(opts, t), "token") }
        if let ca = options.tlsCAFile {
            try check(natsOptions_SetSecure(opts, true), "tls")
            try check(natsOptions_LoadCATrustedCertificates(opts, ca), "tls ca")
        }
        if let cert = options.tlsCertFile, let key = options.tlsKeyFile {
            try check(natsOptions_SetSecure(opts, true), "tls")
            try check(natsOptions_LoadCertificatesChain(opts, cert, key), "tls certificate")
        }
        var conn: OpaquePointer?
        s = natsConnection_Connect(&conn, opts)
        guard s == NATS_OK, let conn else {
            throw NATSError(s, jsErrCode(rawValue: 0), "connect to \(options.servers.joined(separator: ","))")
        }
        var jo = jsOptions()
        jsOptions_Init(&jo)
        jo.Wait = options.timeoutMilliseconds
        var ctx: OpaquePointer?
        s = natsConnection_JetStream(&ctx, conn, &jo)
        guard s == NATS_OK, let ctx else {
            natsConnection_Destroy(conn)
            throw NATSError(s, jsErrCode(rawValue: 0), "jetstream context")
        }
        nc = conn
        js = ctx
    }

    deinit {
        jsCtx_Destroy(js)
        natsConnection_Close(nc)
        natsConnection_Destroy(nc)
    }

    /// Connected now (not reconnecting, not closed).
    public var isConnected: Bool { natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED }

    // MARK: streams

    /// The stream's info, or nil when it does not exist.
    public func streamInfo(_ name: String) throws(NATSError) -> StreamInfo? {
        var si: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        let s = js_GetStreamInfo(&si, js, name, nil, &code)
        if s == NATS_NOT_FOUND || code.rawValue == 10059 { return nil }
        guard s == NATS_OK, let si else { throw NATSError(s, code, "stream info \(name)") }
        defer { jsStreamInfo_Destroy(si) }
        return StreamInfo(si.pointee)
    }

    /// Creates the stream when it does not exist (file storage, limits retention, the given replicas and
    /// duplicate window); an existing stream is returned as it is.
    public func ensureStream(
        name: String, subjects: [String], replicas: Int, duplicateWindowSeconds: Int = 120,
        maxAgeSeconds: Int = 0
    ) throws(NATSError) -> StreamInfo {
        if let existing = try streamInfo(name) { return existing }
        var cfg = jsStreamConfig()
        jsStreamConfig_Init(&cfg)
        var subs = subjects.map { UnsafePointer<CChar>?(strdup($0)) }
        defer { subs.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
        let cname = strdup(name)
        defer { free(cname) }
        cfg.Name = UnsafePointer(cname)
        cfg.Storage = js_FileStorage
        cfg.Replicas = Int64(replicas)
        cfg.Duplicates = Int64(duplicateWindowSeconds) * 1_000_000_000
        cfg.MaxAge = Int64(maxAgeSeconds) * 1_000_000_000
        var si: UnsafeMutablePointer<jsStreamInfo>?
        var code = jsErrCode(rawValue: 0)
        let s = subs.withUnsafeMutableBufferPointer { buf -> natsStatus in
            cfg.Subjects = buf.baseAddress
            cfg.SubjectsLen = Int32(buf.count)
            return js_AddStream(&si, js, &cfg, nil, &code)
        }
        // Created by another daemon meanwhile: read it.
        if s != NATS_OK, code.rawValue == 10058, let existing = try streamInfo(name) { return existing }
        guard s == NATS_OK, let si else { throw NATSError(s, code, "add stream \(name)") }
        defer { jsStreamInfo_Destroy(si) }
        return StreamInfo(si.pointee)
    }

    // MARK: publishing

    /// Publishes `data` on `subject` with `Nats-Msg-Id: messageID` and waits for the stream's
    /// acknowledgement. `expectedLastSubjectSequence`: the stream sequence of the subject's last message
    /// (0: the subject must hold none); the server refuses the message (``NATSError/isWrongLastSequence``)
    /// otherwise. nil: no expectation.
    public func publish(subject: String, data: [UInt8], messageID: String, expectedLastSubjectSequence: UInt64?)
        throws(NATSError) -> PublishAck
    {
        var po = jsPubOptions()
        jsPubOptions_Init(&po)
        po.MaxWait = options.timeoutMilliseconds
        let id = strdup(messageID)
        defer { free(id) }
        po.MsgId = UnsafePointer(id)
        if let e = expectedLastSubjectSequence {
            if e == 0 { po.ExpectNoMessage = true } else { po.ExpectLastSubjectSeq = e }
        }
        var ack: UnsafeMutablePointer<jsPubAck>?
        var code = jsErrCode(rawValue: 0)
        let s = data.withUnsafeBytes { b in
            js_Publish(&ack, js, subject, b.baseAddress, Int32(b.count), &po, &code)
        }
        guard s == NATS_OK, let ack else { throw NATSError(s, code, "publish \(subject)") }
        defer { jsPubAck_Destroy(ack) }
        return PublishAck(
            stream: ack.pointee.Stream.map { String(cString: $0) } ?? "", sequence: ack.pointee.Sequence,
            duplicate: ack.pointee.Duplicate)
    }

    // MARK: reading back

    /// The last message stored on `subject`, or nil when the subject holds none.
    public func lastMessage(stream: String, subject: String) throws(NATSError) -> StoredMessage? {
        var m: OpaquePointer?
        var code = jsErrCode(rawValue: 0)
        let s = js_GetLastMsg(&m, js, stream, subject, nil, &code)
        if s == NATS_NOT_FOUND || code.rawValue == 10037 { return nil }
        guard s == NATS_OK, let m else { throw NATSError(s, code, "last message of \(subject)") }
        defer { natsMsg_Destroy(m) }
        return StoredMessage(m)
    }

    /// The message at `sequence`, or nil when there is none (deleted, or beyond the end).
    public func message(stream: String, sequence: UInt64) throws(NATSError) -> StoredMessage? {
        var m: OpaquePointer?
        var code = jsErrCode(rawValue: 0)
        let s = js_GetMsg(&m, js, stream, sequence, nil, &code)
        if s == NATS_NOT_FOUND || code.rawValue == 10037 { return nil }
        guard s == NATS_OK, let m else { throw NATSError(s, code, "message \(sequence)") }
        defer { natsMsg_Destroy(m) }
        return StoredMessage(m)
    }

    // MARK: consuming

    /// A durable pull consumer on `stream` that delivers the messages of `filterSubject` (all subjects
    /// when nil) with stream sequences above `afterSequence`. A durable of this name left from an earlier
    /// run is deleted first: the caller's committed position, not the server's acknowledgement state, says
    /// where to resume (what was delivered to a crashed run and never acknowledged would otherwise come
    /// back only after the ack wait, behind newer messages). Acknowledgement policy "all": acknowledging
    /// a message acknowledges every earlier one.
    public func pullConsumer(
        stream: String, durable: String, filterSubject: String?, afterSequence: UInt64,
        ackWaitSeconds: Int = 30, maxAckPending: Int = 200_000
    ) throws(NATSError) -> PullConsumer {
        var code = jsErrCode(rawValue: 0)
        let d = js_DeleteConsumer(js, stream, durable, nil, &code)
        if d != NATS_OK && d != NATS_NOT_FOUND && code.rawValue != 10014 {
            throw NATSError(d, code, "delete consumer \(durable)")
        }
        var cc = jsConsumerConfig()
        jsConsumerConfig_Init(&cc)
        let cdurable = strdup(durable)
        let cfilter = filterSubject.map { strdup($0) }
        defer { free(cdurable); cfilter.map { free($0) } }
        cc.Durable = UnsafePointer(cdurable)
        cc.AckPolicy = js_AckAll
        cc.AckWait = Int64(ackWaitSeconds) * 1_000_000_000
        // The collector acknowledges once per store fsync (up to a second apart): the server's default of
        // 1,000 unacknowledged messages would cap it at ~1,000 messages per fsync interval.
        cc.MaxAckPending = Int64(maxAckPending)
        if afterSequence > 0 {
            cc.DeliverPolicy = js_DeliverByStartSequence
            cc.OptStartSeq = afterSequence + 1
        } else {
            cc.DeliverPolicy = js_DeliverAll
        }
        if let cfilter { cc.FilterSubject = UnsafePointer(cfilter) }
        var ci: UnsafeMutablePointer<jsConsumerInfo>?
        code = jsErrCode(rawValue: 0)
        var s = js_AddConsumer(&ci, js, stream, &cc, nil, &code)
        guard s == NATS_OK else { throw NATSError(s, code, "add consumer \(durable)") }
        if let ci { jsConsumerInfo_Destroy(ci) }
        var so = jsSubOptions()
        jsSubOptions_Init(&so)
        let cstream = strdup(stream)
        defer { free(cstream) }
        so.Stream = UnsafePointer(cstream)
        so.Consumer = UnsafePointer(cdurable)
        so.ManualAck = true
        var sub: OpaquePointer?
        code = jsErrCode(rawValue: 0)
        s = js_PullSubscribe(&sub, js, filterSubject ?? ">", durable, nil, &so, &code)
        guard s == NATS_OK, let sub else { throw NATSError(s, code, "pull subscribe \(durable)") }
        return PullConsumer(connection: self, sub: sub)
    }
}

/// A pull subscription bound to a durable consumer. Use it from one thread.
public final class PullConsumer: @unchecked Sendable {
    // @unchecked Sendable: handed to the collector's thread, which alone uses it.
    let connection: JetStreamConnection
    let sub: OpaquePointer

    init(connection: JetStreamConnection, sub: OpaquePointer) {
        self.connection = connection
        self.sub = sub
    }

    deinit {
        // Unsubscribing a durable pull subscription keeps the consumer on the server.
        natsSubscription_Destroy(sub)
    }

    /// Up to `max` messages, in stream order, waiting at most `timeoutMilliseconds` for the first; an empty
    /// answer when none came.
    public func fetch(max: Int, timeoutMilliseconds: Int64) throws(NATSError) -> [ReceivedMessage] {
        var list = natsMsgList()
        var code = jsErrCode(rawValue: 0)
        let s = natsSubscription_Fetch(&list, sub, Int32(max), timeoutMilliseconds, &code)
        if s == NATS_TIMEOUT { return [] }
        guard s == NATS_OK else { throw NATSError(s, code, "fetch") }
        var out: [ReceivedMessage] = []
        out.reserveCapacity(Int(list.Count))
        for i in 0..<Int(list.Count) {
            guard let m = list.Msgs[i] else { continue }
            list.Msgs[i] = nil
            out.append(ReceivedMessage(consumer: self, msg: m))
        }
        natsMsgList_Destroy(&list)
        return out
    }
}

/// A message delivered by a ``PullConsumer``; acknowledge it once what it carried is durable.
public final class ReceivedMessage: @unchecked Sendable {
    // @unchecked Sendable: the natsMsg is read at init and afterwards only acknowledged.
    /// The subscription that delivered it, kept alive as long as the message: nats.c acknowledges through the
    /// message's subscription (`msg->sub->jsi`), so destroying the subscription first (the collector recreates
    /// its consumer after a failure while the store still holds an earlier message to acknowledge once durable)
    /// would make the acknowledgement read freed memory.
    let consumer: PullConsumer
    let msg: OpaquePointer
    public let subject: String
    public let data: [UInt8]
    public let messageID: String?
    public let streamSequence: UInt64
    public let consumerSequence: UInt64
    public let deliveries: UInt64

    init(consumer: PullConsumer, msg: OpaquePointer) {
        self.consumer = consumer
        self.msg = msg
        subject = natsMsg_GetSubject(msg).map { String(cString: $0) } ?? ""
        data = messageBytes(msg)
        messageID = header(msg, "Nats-Msg-Id")
        var meta: UnsafeMutablePointer<jsMsgMetaData>?
        if natsMsg_GetMetaData(&meta, msg) == NATS_OK, let meta {
            streamSequence = meta.pointee.Sequence.Stream
            consumerSequence = meta.pointee.Sequence.Consumer
            deliveries = meta.pointee.NumDelivered
            jsMsgMetaData_Destroy(meta)
        } else {
            streamSequence = 0; consumerSequence = 0; deliveries = 0
        }
    }

    deinit { natsMsg_Destroy(msg) }

    /// Acknowledges this message (and, with the consumer's policy "all", every earlier one) and waits for
    /// the server to confirm.
    public func acknowledge() throws(NATSError) {
        var code = jsErrCode(rawValue: 0)
        let s = natsMsg_AckSync(msg, nil, &code)
        guard s == NATS_OK else { throw NATSError(s, code, "ack") }
    }
}

private func messageBytes(_ m: OpaquePointer) -> [UInt8] {
    let n = Int(natsMsg_GetDataLength(m))
    guard n > 0, let p = natsMsg_GetData(m) else { return [] }
    return Array(UnsafeRawBufferPointer(start: p, count: n))
}

private func header(_ m: OpaquePointer, _ key: String) -> String? {
    var v: UnsafePointer<CChar>?
    guard natsMsgHeader_Get(m, key, &v) == NATS_OK, let v else { return nil }
    return String(cString: v)
}

extension StoredMessage {
    init(_ m: OpaquePointer) {
        subject = natsMsg_GetSubject(m).map { String(cString: $0) } ?? ""
        sequence = natsMsg_GetSequence(m)
        data = messageBytes(m)
        messageID = header(m, "Nats-Msg-Id")
    }
}

extension StreamInfo {
    init(_ si: jsStreamInfo) {
        let cfg = si.Config!.pointee
        name = cfg.Name.map { String(cString: $0) } ?? ""
        subjects = (0..<Int(cfg.SubjectsLen)).compactMap { cfg.Subjects[$0].map { String(cString: $0) } }
        replicas = Int(cfg.Replicas)
        messages = si.State.Msgs
        firstSequence = si.State.FirstSeq
        lastSequence = si.State.LastSeq
        cluster = si.Cluster.flatMap { $0.pointee.Name.map { String(cString: $0) } }
        leader = si.Cluster.flatMap { $0.pointee.Leader.map { String(cString: $0) } }
    }
}
