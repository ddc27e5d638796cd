"""A notification claimed as 'sending' by a run that died is sent by the next run, whatever the lease length."""
import email
import email.policy
import os
import signal
import subprocess

from sandbox.lab import ROOT
from tests.e2e.helpers import subjects
from tests.reliability.harness import expire_leases, fresh_lab


def test_an_email_claimed_by_a_run_killed_mid_send_is_sent_by_the_next_run(pg_server, tmp_path, pki_dir):
    with fresh_lab(pg_server, tmp_path, pki_dir, LEASE_SECONDS="60") as lab:
        env = dict(os.environ)
        env.update(lab.env())
        env["DAM_ENV_FILE"] = os.path.join(lab.workdir, "no-such.env")
        proc = {}

        def die_while_sending(content):
            subject = str(email.message_from_bytes(content, policy=email.policy.default)["Subject"])
            if "delivered" in subject and proc:
                os.kill(proc["p"].pid, signal.SIGKILL)
                return "451 sender died"
            return None
        lab.smtp.on_data.append(die_while_sending)
        proc["p"] = subprocess.Popen([lab.product_python, os.path.join("scripts", "a1_to_a2_download.py"),
                                      "--campaign", "LC-2026-0043"], cwd=ROOT, env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proc["p"].wait(timeout=120) == -signal.SIGKILL
        lab.smtp.on_data.remove(die_while_sending)
        assert not [s for s in subjects(lab) if "delivered" in s]

        expire_leases(lab)  # the dead run's 60 s lease runs out; its 'sending' claim is seconds old
        result = lab.run_script("a1_to_a2_download", "--campaign", "LC-2026-0043")
        assert result.returncode == 0, lab.log_text("a1_to_a2")[-3000:]
        delivered = [s for s in subjects(lab) if "delivered" in s]
        assert len(delivered) == 1, (subjects(lab), lab.log_text("a1_to_a2")[-3000:])
        assert "already sent" not in lab.log_text("a1_to_a2")
