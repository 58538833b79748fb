import ArgumentParser
import ActivityDatagram
import Foundation
import ActivityConfig
import ActivityModel

#if canImport(Glibc)
import Glibc
#endif

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one application event to activityd over UDP (like logger(1)).",
        discussion: """
            Examples:
              activityctl send --user alice --action login --ip 81.2.69.160 --entry mobile
              activityctl send --user bob --action subscription_started --amount 9.99 \\
                  --currency EUR --subscription S-1
              activityctl send --user carol --actor admin1 --actor-role admin \\
                  --action plan_extended
              activityctl send --app shop --key-file /etc/activityd/shop.key \\
                  --user dave --action logout
            """
    )

    @Option(help: "Where activityd listens (host:port, IPv6 as [addr]:port).") var to = "127.0.0.1:5514"
    @Option(help: "The action (login, logout, login_failed, order_placed...).") var action: String
    @Option(help: "The user the event is about.") var user: String?
    @Option(help: "login, activity or admin (inferred from the action when left out).") var category: String?
    @Option(help: "success, failure or unknown.") var outcome: String?
    @Option(help: "Failure or status detail.") var reason: String?
    @Option(help: "Who did it.") var actor: String?
    @Option(help: "user, admin, support, system.") var actorRole: String?
    @Option(help: "Tenant or organisation.") var account: String?
    @Option(help: "Session id.") var session: String?
    @Option(help: "Entry method: web, mobile, api, ssh...") var entry: String?
    @Option(help: "Device type or user agent.") var device: String?
    @Option(help: "Remote address of the user.") var ip: String?
    @Option(help: "Remote port.") var port: Int?
    @Option(help: "Application name.") var service: String?
    @Option(help: "Host name.") var host: String?
    @Option(help: "Subscription reference.") var subscription: String?
    @Option(help: "Order reference.") var order: String?
    @Option(parsing: .unconditional, help: "Amount as a decimal string (negative for refunds).") var amount: String?
    @Option(help: "ISO 4217 currency.") var currency: String?
    @Option(help: "Billing cycles.") var billingCycles: Int?
    @Option(help: "Free text.") var comment: String?
    @Option(help: "Event time (RFC 3339); default now.") var time: String?
    @Option(name: .customLong("attr"), help: "Extra key=value (repeatable).") var attrs: [String] = []
    @Option(help: "Application id for an HMAC-signed datagram (with --key-file).") var app: String?
    @Option(help: "HMAC-SHA256 key file of --app (as configured in input.udp.keys).") var keyFile: String?

    func payload() throws -> String {
        var w = JSONWriter()
        w.begin()
        if let time {
            guard Timestamp.parseRFC3339(time[...], defaultOffsetSeconds: 0) != nil else {
                throw ValidationError("--time: not RFC 3339: \(time)")
            }
            w.key("time"); w.string(time)
        }
        w.field("category", category)
        w.key("action"); w.string(action)
        w.field("outcome", outcome)
        w.field("reason", reason)
        w.field("user", user)
        w.field("actor", actor)
        w.field("actor_role", actorRole)
        w.field("account", account)
        w.field("session", session)
        w.field("entry", entry)
        w.field("device", device)
        if let ip {
            guard IPAddress(ip) != nil else { throw ValidationError("--ip: not an address: \(ip)") }
            w.key("ip"); w.string(ip)
        }
        if let port { w.key("port"); w.raw(String(port)) }
        w.field("service", service)
        w.field("host", host)
        if subscription != nil || order != nil || amount != nil || currency != nil || billingCycles != nil {
            w.key("commerce"); w.begin()
            w.field("subscription", subscription)
            w.field("order", order)
            w.field("amount", amount)
            w.field("currency", currency)
            if let billingCycles { w.key("billing_cycles"); w.raw(String(billingCycles)) }
            w.end()
        }
        w.field("comment", comment)
        if !attrs.isEmpty {
            w.key("attrs"); w.begin()
            for a in attrs {
                guard let eq = a.firstIndex(of: "=") else { throw ValidationError("--attr \(a): expected key=value") }
                w.key(String(a[..<eq])); w.string(String(a[a.index(after: eq)...]))
            }
            w.end()
        }
        w.end()
        return w.out
    }

    func run() throws {
        guard let target = HostPort(to), let addr = IPAddress(target.host) else {
            throw ValidationError("--to must be address:port, e.g. 127.0.0.1:5514 or [::1]:5514")
        }
        let text = try payload()
        var bytes = Array(text.utf8)
        if let app {
            guard let keyFile else { throw ValidationError("--app needs a readable --key-file") }
            do { bytes = SignedDatagram.sign(bytes, app: app, key: try SignedDatagram.loadKey(path: keyFile)) } catch {
                throw ValidationError("--key-file: \(error)")
            }
        }
        do { try DatagramSender(to: addr, port: UInt16(target.port)).send(bytes) } catch { throw CLIError("\(error)") }
        print(text)
    }
}
