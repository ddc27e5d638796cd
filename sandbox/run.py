"""`make sandbox`: start the OTMM, Box and SMTP sandboxes and an embedded PostgreSQL in the foreground, and write
.env.sandbox so any script can be run by hand against them with --config config/sandbox.yaml. Ctrl-C stops all."""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from sandbox.lab import Lab  # noqa: E402


def main():
    import signal
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    workdir = os.path.join(ROOT, "var", "sandbox")
    env_path = os.path.join(ROOT, ".env.sandbox")
    with Lab(workdir) as lab:
        lab.write_env_file(env_path)
        print("Sandbox running (Ctrl-C to stop). Environment written to .env.sandbox:")
        print(lab.describe())
        print("\nTry, from the project root in another terminal:")
        for cmd in ("python scripts/test_connection.py --config config/sandbox.yaml",
                    "python scripts/a1_to_a2_download.py --config config/sandbox.yaml",
                    "python scripts/a1_to_a2_download.py --config config/sandbox.yaml --auth-pfx",
                    "python scripts/daily_report.py --config config/sandbox.yaml --print",
                    "python scripts/test_connection.py --config config/sandbox.yaml --probe-dam {} --probe-import".format(
                        lab.otmm.folder_id("LC-2026-0044"))):
            print("  .venv/bin/" + cmd)
        print("Captured emails: {}   Logs: {}".format(lab.smtp.out_dir, os.path.join(workdir, "logs")))
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("\nStopping the sandbox.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
