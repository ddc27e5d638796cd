"""One of several processes acting as the same Box user (test_box_shared_pacing): N folder reads and M small uploads
through BoxClient, sharing the rate budget through PostgreSQL when given a database. Runs on the product's Python.

    python -m tests.integration.box_pacing_worker '<json: box, database|null, folder_id, calls, uploads, label>'

Prints one JSON line: {"label", "calls", "uploads", "seconds"}."""
import json
import os
import sys
import tempfile
import time


def main(argv):
    job = json.loads(argv[1])
    from scripts.shared.box.box_client import BoxClient
    db = None
    if job.get("database"):
        from scripts.shared.store.database import Database
        db = Database(job["database"]).connect()
    client = BoxClient(job["box"], db=db)
    started = time.time()
    for _ in range(job["calls"]):
        client.get_folder(job["folder_id"])
    scratch = tempfile.mkdtemp()
    for n in range(job["uploads"]):
        path = os.path.join(scratch, "f.txt")
        with open(path, "w") as f:
            f.write("{} {}".format(job["label"], n))
        client.upload_file(path, job["folder_id"], "{}-{}.txt".format(job["label"], n))
        os.remove(path)
    os.rmdir(scratch)
    print(json.dumps({"label": job["label"], "calls": job["calls"], "uploads": job["uploads"],
                      "seconds": time.time() - started}))
    if db is not None:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
