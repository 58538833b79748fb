#!/usr/bin/env python3
"""Forwarding and collecting throughput through NATS JetStream on loopback (issue 18, BENCHMARKS.md).

    scripts/bench-nats.py [--events N] [--nodes 1|3] [--bin DIR]

1. A host activityd with a UDP input and [forward.nats] starts while no NATS server runs; N application
   events go in over UDP and are stored (the backlog an outage leaves).
2. The NATS server(s) start (one, or a 3-node cluster with an R3 stream); the forwarder publishes the
   backlog. Measured: events/s from the first to the last message in the stream (the server's /jsz), and the
   host daemon's CPU time per event over that interval.
3. A central daemon with [input.nats] starts (`activity-bench receive`: the real Daemon with an observer of
   what its store commits); measured: events/s until its stats.json (rewritten after
   each fsync, at most every 0.5 s) counts every event collected, and its CPU per event.
4. Latency: 2,000 events at ~200/s into the host; p50/p99 from the send to the central store's commit.

Everything on loopback, in a temporary directory removed at the end; nothing is a test.
"""
import argparse, json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s); ports.append(s.getsockname()[1])
    for s in socks: s.close()
    return ports


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def jsz(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/jsz?streams=true&consumers=true", timeout=2) as r:
        return json.load(r)


def stream_state(monitor_ports):
    """(messages, last_seq, ack_floor of the first consumer or None) from whichever server answers."""
    for p in monitor_ports:
        try:
            j = jsz(p)
        except Exception:
            continue
        for acct in j.get("account_details") or []:
            for st in acct.get("stream_detail") or []:
                if st.get("name") != "ACTIVITY":
                    continue
                state = st.get("state", {})
                floor = None
                for c in st.get("consumer_detail") or []:
                    floor = c.get("ack_floor", {}).get("stream_seq")
                return state.get("messages", 0), state.get("last_seq", 0), floor
    return 0, 0, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--nodes", type=int, default=1, choices=[1, 3])
    ap.add_argument("--bin", default=None)
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bindir = a.bin or subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], cwd=root, text=True).strip()
    nats_server = shutil.which("nats-server") or "/usr/sbin/nats-server"
    work = tempfile.mkdtemp(prefix="bench-nats-")
    procs = []
    try:
        ports = free_ports(3 * a.nodes + 1)
        client = ports[0:a.nodes]; cluster = ports[a.nodes:2 * a.nodes]; monitor = ports[2 * a.nodes:3 * a.nodes]; udp = ports[-1]
        urls = ", ".join(f'"nats://127.0.0.1:{p}"' for p in client)
        host_cfg = f"""data_dir = "{work}/host"
[[input.udp]]
listen = ["127.0.0.1:{udp}"]
[forward.nats]
servers = [{urls}]
replicas = {a.nodes}
host_id = "bench"
"""
        open(f"{work}/host.toml", "w").write(host_cfg)
        host = subprocess.Popen([f"{bindir}/activityd", "--config", f"{work}/host.toml"], stderr=open(f"{work}/host.log", "w"))
        procs.append(host)
        time.sleep(1.5)
        # The backlog: N events over UDP, 20 per datagram, paced.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = time.time()
        for i in range(0, a.events, 20):
            lines = "\n".join(
                json.dumps({"action": "login", "user": f"user{(i + k) % 5000}", "ip": f"198.51.{(i + k) % 250}.{(i + k) % 200 + 1}",
                            "outcome": "success", "device": "Mozilla/5.0 (X11; Linux x86_64)", "attrs": {"n": str(i + k)}})
                for k in range(min(20, a.events - i)))
            s.sendto(lines.encode(), ("127.0.0.1", udp))
            if i % 2000 == 0:
                time.sleep(0.02)
        stored = 0
        for _ in range(600):
            try:
                stored = json.load(open(f"{work}/host/stats.json"))["events_stored"]
            except Exception:
                pass
            if stored >= a.events:
                break
            time.sleep(0.1)
        time.sleep(2.5)
        stored = json.load(open(f"{work}/host/stats.json"))["events_stored"]
        print(f"host stored {stored} of {a.events} events in {time.time() - t:.1f} s")

        # NATS comes up; the forwarder publishes the backlog.
        for n in range(a.nodes):
            conf = f"""server_name: n{n + 1}
listen: 127.0.0.1:{client[n]}
http_port: {monitor[n]}
jetstream {{ store_dir: "{work}/nats{n + 1}" }}
"""
            if a.nodes > 1:
                routes = ", ".join(f"nats-route://127.0.0.1:{cluster[m]}" for m in range(a.nodes) if m != n)
                conf += f"cluster {{ name: bench, listen: 127.0.0.1:{cluster[n]}, routes: [{routes}] }}\n"
            open(f"{work}/n{n + 1}.conf", "w").write(conf)
            procs.append(subprocess.Popen([nats_server, "-c", f"{work}/n{n + 1}.conf"], stderr=open(f"{work}/n{n + 1}.log", "w")))
        first = None
        cpu0 = None
        deadline = time.time() + 600
        while time.time() < deadline:
            msgs, last, _ = stream_state(monitor)
            if msgs > 0 and first is None:
                first = time.time(); cpu0 = cpu_seconds(host.pid); first_msgs = msgs
            if msgs >= stored:
                break
            time.sleep(0.05)
        t_fwd = time.time() - first
        cpu_fwd = cpu_seconds(host.pid) - cpu0
        n_fwd = stored - first_msgs
        print(f"forward ({a.nodes} node{'s' if a.nodes > 1 else ''}, R{a.nodes}): {n_fwd} events in {t_fwd:.2f} s = {n_fwd / t_fwd:,.0f} events/s; "
              f"host CPU {cpu_fwd:.2f} s = {cpu_fwd / n_fwd * 1e6:.0f} µs/event")

        central_cfg = f"""data_dir = "{work}/central"
[input.nats]
servers = [{urls}]
replicas = {a.nodes}
consumer = "central"
"""
        open(f"{work}/central.toml", "w").write(central_cfg)
        t0 = time.time()
        # The central daemon runs as `activity-bench receive` (the real Daemon, plus an observer of what the
        # store commits that appends each event's `seq` attribute as a JSON line: the latency probe below).
        mirror = f"{work}/central-mirror.jsonl"
        central = subprocess.Popen([f"{bindir}/activity-bench", "receive", "--config", f"{work}/central.toml", "--out", mirror,
                                    "--fields", "seq"], stderr=open(f"{work}/central.log", "w"))
        procs.append(central)
        cpu_c0 = 0.0
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                got = json.load(open(f"{work}/central/stats.json")).get("collect", {}).get("events", 0)
            except Exception:
                got = 0
            if got >= stored:
                break
            time.sleep(0.05)
        t_col = time.time() - t0
        cpu_col = cpu_seconds(central.pid) - cpu_c0
        print(f"collect: {stored} events in {t_col:.2f} s (from the collector's start to its stats.json counting them all) = {stored / t_col:,.0f} events/s; "
              f"collector CPU {cpu_col:.2f} s = {cpu_col / stored * 1e6:.0f} µs/event (start-up included)")

        # Latency: a steady 200 events/s into the host for 10 s; each event's arrival is when the central
        # store committed it (the line activity-bench receive's observer writes at commit).
        sent_at = {}
        arrived = {}
        stop = threading.Event()

        def follow():
            with open(mirror) as f:
                f.seek(0, 2)
                buf = ""
                while not stop.is_set() or len(arrived) < len(sent_at):
                    chunk = f.read()
                    if not chunk:
                        if stop.is_set() and time.time() > stop_time + 30:
                            return
                        time.sleep(0.002)
                        continue
                    now = time.time()
                    buf += chunk
                    *lines, buf = buf.split("\n")
                    for line in lines:
                        n = json.loads(line).get("seq") if line.strip() else None
                        if n is not None:
                            arrived[n] = now

        stop_time = float("inf")
        t = threading.Thread(target=follow)
        t.start()
        for i in range(2000):
            n = f"{i}"
            sent_at[n] = time.time()
            s.sendto(json.dumps({"action": "login", "user": f"lat{i % 50}", "outcome": "success", "attrs": {"seq": n}}).encode(),
                     ("127.0.0.1", udp))
            time.sleep(0.005)
        stop_time = time.time()
        stop.set()
        t.join()
        lat = sorted(arrived[n] - sent_at[n] for n in arrived)
        if lat:
            pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
            print(f"latency, UDP into the host → committed in the central store, {len(lat)} of {len(sent_at)} events at ~200/s: "
                  f"p50 {pct(0.5):.0f} ms, p99 {pct(0.99):.0f} ms, max {lat[-1] * 1000:.0f} ms (host fsync_interval 1 s)")
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
