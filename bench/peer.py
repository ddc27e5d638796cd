"""Reference transfers for figures (b1)-(b3): the protocol the product must speak, written as plainly as possible
with requests and hashlib and no product code, so the product is measured against that protocol and not against a
cheaper one.

  stream    per asset: GET the DAM content (streamed), open a Box upload session, read one part of the session's
            part_size at a time and PUT it with its SHA-1 Digest, commit with the whole file's SHA-1;
  download  per asset: GET the DAM content to a file on disk first, then the same session protocol from that file
            (the download-then-upload peer of (b2));
  idle      import what the others import and stop: the start-up CPU that (b3) nets out.

Lanes: ``lanes`` threads, one asset per lane at a time (as TRANSFER_CONCURRENCY does). The DAM token is asked of
the DAM stand-in's OAuth endpoint (timed); the Box token is handed in, as the product keeps its Box token across
ticks. Run as its own process so its CPU is counted alone:

    python -m bench.peer SPEC.json        (SPEC: see ``main``; prints one JSON line: wall_s, requests, files)
"""
import base64
import hashlib
import json
import os
import queue
import sys
import threading
import time

import requests

READ = 1024 * 1024  # the size of each read from the DAM's response (as the product reads it)


def dam_token(spec):
    answer = requests.post(spec["dam_token_url"], data={"grant_type": "client_credentials",
                                                        "client_id": spec["dam_client_id"],
                                                        "client_secret": spec["dam_client_secret"]})
    answer.raise_for_status()
    return answer.json()["access_token"]


def read_exactly(raw, n):
    """Up to ``n`` bytes from a response's raw stream (fewer only at its end)."""
    pieces, have = [], 0
    while have < n:
        piece = raw.read(min(READ, n - have))
        if not piece:
            break
        pieces.append(piece)
        have += len(piece)
    return b"".join(pieces)


class Transfer(object):
    """One lane's HTTP sessions and what it counted."""

    def __init__(self, spec, dam_bearer):
        self.spec = spec
        self.dam = requests.Session()
        self.dam.headers["Authorization"] = "Bearer " + dam_bearer
        self.box = requests.Session()
        self.box.headers["Authorization"] = "Bearer " + spec["box_token"]
        self.requests = 0
        self.part_size = None

    def move(self, asset, index):
        """One asset from the DAM to Box: streamed, or to disk first (``spec["mode"] == "download"``)."""
        url = "{}/v6/assets/{}/contents".format(self.spec["dam_base_url"], asset["id"])
        answer = self.dam.get(url, stream=True, headers={"Accept": "*/*"})
        self.requests += 1
        answer.raise_for_status()
        name = "peer-{}-{}.bin".format(self.spec["mode"], index)
        if self.spec["mode"] == "stream":
            with answer:
                return self.upload(answer.raw, asset["size"], name)
        path = os.path.join(self.spec["scratch_dir"], name)
        try:
            with answer, open(path, "wb") as f:
                for piece in iter(lambda: answer.raw.read(READ), b""):
                    f.write(piece)
            with open(path, "rb") as f:
                return self.upload(f, asset["size"], name)
        finally:
            os.remove(path)

    def upload(self, source, size, name):
        """Box's chunked upload: session, parts with their SHA-1, commit with the whole file's SHA-1."""
        created = self.box.post(self.spec["box_upload_base_url"] + "/files/upload_sessions",
                                json={"folder_id": self.spec["box_folder_id"], "file_size": size, "file_name": name})
        self.requests += 1
        created.raise_for_status()
        session = created.json()
        part_size, endpoints = session["part_size"], session["session_endpoints"]
        self.part_size = part_size
        whole = hashlib.sha1()  # nosec B324 # Box's content digest is SHA-1
        parts, offset = [], 0
        while offset < size:
            data = read_exactly(source, part_size)
            if not data:
                raise RuntimeError("{}: the DAM sent {} of {} bytes".format(name, offset, size))
            whole.update(data)
            digest = base64.b64encode(hashlib.sha1(data).digest()).decode()  # nosec B324
            answer = self.box.put(endpoints["upload_part"], data=data, headers={
                "Content-Type": "application/octet-stream", "Digest": "sha=" + digest,
                "Content-Range": "bytes {}-{}/{}".format(offset, offset + len(data) - 1, size)})
            self.requests += 1
            answer.raise_for_status()
            parts.append(answer.json()["part"])
            offset += len(data)
        committed = self.box.post(endpoints["commit"], json={"parts": parts}, headers={
            "Digest": "sha=" + base64.b64encode(whole.digest()).decode()})
        self.requests += 1
        if committed.status_code != 201:
            raise RuntimeError("{}: commit answered {}: {}".format(name, committed.status_code, committed.text[:300]))
        return committed.json()["entries"][0]["id"]


def run(spec):
    """Move every asset of ``spec`` over ``spec["lanes"]`` lanes; returns the report."""
    started = time.perf_counter()
    bearer = dam_token(spec)
    work = queue.Queue()
    for index, asset in enumerate(spec["assets"]):
        work.put((index, asset))
    files, errors, counted, part_sizes = [], [], [1], set()  # counted: the token request

    def lane():
        transfer = Transfer(spec, bearer)
        try:
            while True:
                try:
                    index, asset = work.get_nowait()
                except queue.Empty:
                    return
                files.append(transfer.move(asset, index))
        except Exception as exc:  # reported after every lane ended
            errors.append(exc)
        finally:
            counted.append(transfer.requests)
            part_sizes.add(transfer.part_size)

    threads = [threading.Thread(target=lane) for _ in range(spec["lanes"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return {"wall_s": time.perf_counter() - started, "requests": sum(counted), "files": sorted(files),
            "part_size": max(p for p in part_sizes if p) if any(part_sizes) else None}


def main(argv=None):
    """SPEC.json: {"mode": "stream"|"download"|"idle", "lanes", "assets": [{"id", "size"}], "dam_base_url",
    "dam_token_url", "dam_client_id", "dam_client_secret", "box_upload_base_url", "box_token", "box_folder_id",
    "scratch_dir" (download mode)}."""
    with open((argv or sys.argv[1:])[0]) as f:
        spec = json.load(f)
    report = {"wall_s": 0.0, "requests": 0, "files": [], "part_size": None} if spec["mode"] == "idle" else run(spec)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
