#!/usr/bin/env python3
"""serve_load.py — a bounded load test of `so8t serve` on loopback (standard library only).

Starts `so8t serve` on a free 127.0.0.1 port with its own temporary store holding MODEL
(a GGUF path), then for each phase runs C concurrent clients for D seconds:
  version:  GET /api/version            (the HTTP layer alone)
  generate: POST /api/generate, stream, num_predict N, temperature 0 (first token = the
            first NDJSON line)
and prints requests/s, p50/p99 latency (first token for generate), errors, and the server's
RSS (VmRSS) after a warm-up request, after each phase and at the end. Never leaves loopback.

  python3 bench/serve_load.py --so8t bin/so8t --model FILE.gguf [--clients 8] [--seconds 10]
          [--num-predict 8] [--reps 3]
"""
import argparse, http.client, json, os, re, shutil, signal, statistics, subprocess, sys
import tempfile, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--so8t", default="bin/so8t")
ap.add_argument("--model", required=True)
ap.add_argument("--clients", type=int, default=8)
ap.add_argument("--seconds", type=float, default=10)
ap.add_argument("--num-predict", type=int, default=8)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--reps", type=int, default=3)
A = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="so8t_load.")
env = dict(os.environ, SO8T_MODELS=os.path.join(tmp, "store"))
with open(os.path.join(tmp, "Modelfile"), "w") as f:
    f.write("FROM %s\nPARAMETER temperature 0\n" % os.path.abspath(A.model))
subprocess.run([A.so8t, "create", "m", "-f", os.path.join(tmp, "Modelfile")], env=env, check=True,
               capture_output=True)
log = open(os.path.join(tmp, "serve.log"), "w+")
srv = subprocess.Popen([A.so8t, "serve", "--host", "127.0.0.1:0", "--threads", str(A.threads),
                        "--max-queue", str(4 * A.clients), "--max-connections", str(4 * A.clients + 8)],
                       env=env, stderr=log)
port = None
for _ in range(100):
    time.sleep(0.1)
    log.seek(0)
    m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
    if m:
        port = int(m.group(1))
        break
if not port:
    srv.kill()
    sys.exit("so8t serve did not start")

def rss_kib():
    with open("/proc/%d/status" % srv.pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

def one(kind, conn):
    t0 = time.perf_counter()
    if kind == "version":
        conn.request("GET", "/api/version")
        r = conn.getresponse()
        r.read()
        return r.status == 200, time.perf_counter() - t0
    body = json.dumps({"model": "m", "prompt": "The cube in high dimensions",
                       "options": {"num_predict": A.num_predict, "temperature": 0}})
    conn.request("POST", "/api/generate", body, {"Content-Type": "application/json"})
    r = conn.getresponse()
    first = None
    ok = r.status == 200
    while True:
        line = r.readline()
        if not line:
            break
        if first is None:
            first = time.perf_counter() - t0
        if b'"done":true' in line:
            r.read()
            break
    return ok and first is not None, first if first is not None else 0

def phase(kind):
    stop = time.perf_counter() + A.seconds
    lat, errs, lock = [], [0], threading.Lock()
    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.perf_counter() < stop:
            try:
                ok, t = one(kind, conn)
            except Exception:
                ok, t = False, 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            with lock:
                (lat.append(t) if ok else None)
                errs[0] += 0 if ok else 1
        conn.close()
    t0 = time.perf_counter()
    ts = [threading.Thread(target=client) for _ in range(A.clients)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    wall = time.perf_counter() - t0
    lat.sort()
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1e3 if lat else float("nan")
    return len(lat) / wall, q(0.50), q(0.99), errs[0], len(lat)

try:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    one("generate", conn)  # warm-up: loads the model
    conn.close()
    rss0 = rss_kib()
    print("machine: %s, %d cores; load %s" % (
        (re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()) or [None, "?"])[1],
        os.cpu_count(), open("/proc/loadavg").read().split()[:3]))
    print("model %s, %d clients, %.0f s per phase, num_predict %d, --threads %d" % (
        os.path.basename(A.model), A.clients, A.seconds, A.num_predict, A.threads))
    print("| phase | rep | requests/s | p50 ms | p99 ms | requests | errors | RSS after (MiB) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    results = {}
    for kind in ("version", "generate"):
        for rep in range(A.reps):
            rps, p50, p99, errs, n = phase(kind)
            results.setdefault(kind, []).append((rps, p50, p99))
            print("| %s%s | %d | %.1f | %.1f | %.1f | %d | %d | %.1f |" % (
                kind, " (first token)" if kind == "generate" else "", rep + 1, rps, p50, p99, n,
                errs, rss_kib() / 1024), flush=True)
    for kind, rows in results.items():
        print("median %s: %.1f requests/s, p50 %.1f ms, p99 %.1f ms" % (
            kind, statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows),
            statistics.median(r[2] for r in rows)))
    # peer: the same generation without the server (so8t run, same model, options, threads):
    # the ratio of generated tokens/s is what serving costs per token
    peer, served = [], []
    for _ in range(A.reps):
        p = subprocess.run([A.so8t, "run", "-m", "m", "-p", "The cube in high dimensions", "--json",
                            "-n", "32", "--temperature", "0", "--threads", str(A.threads)],
                           env=env, capture_output=True, text=True, timeout=600)
        peer.append(json.loads(p.stdout)["generated_tokens_per_second"])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request("POST", "/api/generate", json.dumps({"model": "m", "prompt": "The cube in high dimensions",
                     "stream": False, "options": {"num_predict": 32, "temperature": 0}}))
        o = json.loads(conn.getresponse().read())
        conn.close()
        served.append(o["eval_count"] / (o["eval_duration"] / 1e9))
    print("generated tokens/s, one request at a time (32 tokens, median of %d): so8t serve %.1f, "
          "so8t run (peer) %.1f, ratio %.2f" % (A.reps, statistics.median(served),
          statistics.median(peer), statistics.median(served) / statistics.median(peer)))
    rss1 = rss_kib()
    print("server RSS: %.1f MiB after warm-up, %.1f MiB at the end (%+.1f MiB)" % (
        rss0 / 1024, rss1 / 1024, (rss1 - rss0) / 1024))
finally:
    srv.send_signal(signal.SIGTERM)
    try:
        srv.wait(30)
    except subprocess.TimeoutExpired:
        srv.kill()
    shutil.rmtree(tmp, ignore_errors=True)
