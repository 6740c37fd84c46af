#!/usr/bin/env python3
"""Fixtures for tests/bench/run.sh, standard library only.

  fixture.py rootfs DIR [--files N] [--bytes B] [--groups G] [--seed S]
      Write a deterministic root filesystem of N files totalling B bytes,
      spread over G top-level subtrees (one per layer of the multi-layer
      image). File sizes are log-normal (many small files, a few large
      ones); content is a mix of random bytes and text-like data so that
      gzip compresses the whole about 3:1.

  fixture.py tiny DIR N
      Write N tiny, distinct root filesystem tars DIR/img-0.tar ...

  fixture.py push HOST:PORT REPO TAG LAYER.tar.gz...
      Push an OCI image with these gzip layers (in order) to a plain-HTTP
      registry with the distribution API: monolithic POST + PUT ?digest=
      per blob, then PUT of the manifest. Prints the manifest digest.

  fixture.py median FILE       print the median of the numbers in FILE
  fixture.py hyperfine JSON    print the median (ms) from hyperfine --export-json
  fixture.py freeport          print a free TCP port on 127.0.0.1
"""

import gzip
import hashlib
import http.client
import io
import json
import math
import os
import random
import socket
import statistics
import sys
import tarfile
import urllib.parse

GROUPS = ["usr/lib", "usr/share", "opt/app", "var/lib/data", "srv/www", "usr/libexec"]

WORDS = (
    "the of and to in is for on that with as by at from this be or are an it not "
    "config value error warning info debug static const return struct impl fn let mut "
    "match self pub use crate mod type trait where async await loop break continue "
    "string number object array null true false include define ifdef endif int char "
    "void unsigned long double float size_t printf malloc free buffer length offset "
    "request response header body status server client connect socket stream read "
    "write open close file path directory mount layer image container registry digest "
    "manifest blob upload download version release build install package library module"
).split()


def text_pool(rng, size, distinct_lines=400):
    """Source-code / log-like text made of a few hundred distinct lines, so
    that an 8 KiB slice compresses about 5:1 with gzip."""
    lines = []
    for n in range(distinct_lines):
        k = rng.randint(3, 12)
        words = " ".join(rng.choice(WORDS) for _ in range(k))
        indent = " " * (4 * rng.randint(0, 3))
        if n % 10 == 0:
            lines.append(f"{indent}// {rng.getrandbits(64):016x} {words}\n".encode())
        else:
            lines.append(f"{indent}{words} {rng.randint(0, 99999)};\n".encode())
    out = bytearray()
    while len(out) < size:
        out += rng.choice(lines)
    return bytes(out)


def cmd_rootfs(argv):
    import argparse

    p = argparse.ArgumentParser(prog="fixture.py rootfs")
    p.add_argument("dir")
    p.add_argument("--files", type=int, default=10000)
    p.add_argument("--bytes", type=int, default=175_000_000)
    p.add_argument("--groups", type=int, default=4)
    p.add_argument("--seed", type=int, default=20240501)
    # Share of each file that is random bytes; the rest is text.
    p.add_argument("--random-share", type=float, default=0.20)
    a = p.parse_args(argv)
    rng = random.Random(a.seed)
    sizes = [min(rng.lognormvariate(8.3, 1.6), 12 << 20) for _ in range(a.files)]
    scale = a.bytes / sum(sizes)
    sizes = [max(1, int(s * scale)) for s in sizes]
    sizes[0] += a.bytes - sum(sizes)
    pool = text_pool(rng, 4 << 20)
    chunk = 8192
    made_dirs = set()
    for i, size in enumerate(sizes):
        group = GROUPS[i % a.groups]
        sub = f"{group}/pkg{(i // a.groups) % 97:02d}/d{(i // 7) % 13}"
        d = os.path.join(a.dir, sub)
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        parts = []
        left = size
        while left > 0:
            n = min(chunk, left)
            if rng.random() < a.random_share:
                parts.append(rng.randbytes(n))
            else:
                off = rng.randrange(0, len(pool) - n)
                parts.append(pool[off : off + n])
            left -= n
        ext = rng.choice([".so", ".txt", ".py", ".json", ".dat", ".h", ""])
        with open(os.path.join(d, f"f{i:05d}{ext}"), "wb") as f:
            f.write(b"".join(parts))
    # A few plain root filesystem entries.
    for d in ("etc", "tmp", "bin"):
        os.makedirs(os.path.join(a.dir, d), exist_ok=True)
    with open(os.path.join(a.dir, "etc/passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    print(f"{a.files} files, {sum(sizes)} bytes in {a.dir}")


def cmd_tiny(argv):
    d, n = argv[0], int(argv[1])
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        data = f"bench image {i}\n".encode()
        with tarfile.open(os.path.join(d, f"img-{i}.tar"), "w", format=tarfile.PAX_FORMAT) as t:
            for name in ("etc", "tmp"):
                ti = tarfile.TarInfo(name)
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                ti.mtime = 1700000000
                t.addfile(ti)
            ti = tarfile.TarInfo("etc/bench-id")
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))


def sha256_file(path, gunzip=False):
    h = hashlib.sha256()
    opener = gzip.open if gunzip else open
    with opener(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return "sha256:" + h.hexdigest()


class Registry:
    def __init__(self, host):
        self.host = host

    def request(self, method, url, body=None, headers=None):
        u = urllib.parse.urlsplit(url)
        if u.scheme and u.scheme != "http":
            raise SystemExit(f"unexpected upload location {url}")
        path = u.path + ("?" + u.query if u.query else "")
        conn = http.client.HTTPConnection(u.netloc or self.host, timeout=300)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp, data

    def push_blob(self, repo, digest, size, body):
        resp, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        if resp.status == 200:
            return
        resp, data = self.request("POST", f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
        if resp.status != 202:
            raise SystemExit(f"POST upload: {resp.status} {data[:300]!r}")
        loc = resp.getheader("Location")
        sep = "&" if "?" in loc else "?"
        url = f"{loc}{sep}digest={urllib.parse.quote(digest)}"
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        resp, data = self.request("PUT", url, body=body, headers=headers)
        if resp.status != 201:
            raise SystemExit(f"PUT blob {digest}: {resp.status} {data[:300]!r}")


def cmd_push(argv):
    host, repo, tag, layers = argv[0], argv[1], argv[2], argv[3:]
    reg = Registry(host)
    descs, diff_ids = [], []
    for path in layers:
        digest = sha256_file(path)
        size = os.path.getsize(path)
        diff_ids.append(sha256_file(path, gunzip=True))
        with open(path, "rb") as f:
            reg.push_blob(repo, digest, size, f)
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
    created = "2024-05-01T00:00:00Z"
    config = {
        "created": created,
        "architecture": {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine),
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": created, "created_by": f"bench layer {i}"} for i in range(len(layers))],
    }
    cbytes = json.dumps(config, separators=(",", ":")).encode()
    cdigest = "sha256:" + hashlib.sha256(cbytes).hexdigest()
    reg.push_blob(repo, cdigest, len(cbytes), cbytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": len(cbytes)},
        "layers": descs,
    }
    mbytes = json.dumps(manifest, separators=(",", ":")).encode()
    resp, data = reg.request(
        "PUT",
        f"/v2/{repo}/manifests/{tag}",
        body=mbytes,
        headers={"Content-Type": manifest["mediaType"], "Content-Length": str(len(mbytes))},
    )
    if resp.status != 201:
        raise SystemExit(f"PUT manifest: {resp.status} {data[:300]!r}")
    print("sha256:" + hashlib.sha256(mbytes).hexdigest())


def cmd_median(argv):
    with open(argv[0]) as f:
        vals = [float(x) for x in f.read().split()]
    print(f"{statistics.median(vals):.6g}" if vals else "")


def cmd_hyperfine(argv):
    with open(argv[0]) as f:
        r = json.load(f)["results"][0]
    print(f"{r['median'] * 1000:.2f}")


def cmd_freeport(_argv):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def main():
    cmds = {
        "rootfs": cmd_rootfs,
        "tiny": cmd_tiny,
        "push": cmd_push,
        "median": cmd_median,
        "hyperfine": cmd_hyperfine,
        "freeport": cmd_freeport,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
