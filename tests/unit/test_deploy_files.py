"""What ships in deploy/ fits crontab.example: every cron output file is rotated, the systemd units set the locale,
wait for the network and run the scripts quietly (the journal is not a second copy of the log)."""
import configparser
import fnmatch
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY = os.path.join(ROOT, "deploy")


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


def unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(read("deploy", name))
    return parser


def test_logrotate_snippet_rotates_every_cron_output_file_of_the_crontab():
    snippet = read("deploy", "logrotate-dam-content-scaling")
    globs = re.findall(r"^(/\S+)\s*\{", snippet, re.M)
    body = snippet[snippet.index("{"):]
    targets = re.findall(r"^\S+ \S+ \S+ \S+ \S+ cd (\S+) && .*>> (\S+) 2>&1$", read("crontab.example"), re.M)
    assert len(targets) == 5
    for project, target in targets:
        path = os.path.join(project, target)
        assert any(fnmatch.fnmatch(path, g) for g in globs), path
        assert not fnmatch.fnmatch(os.path.join(project, "logs", "a1_to_a2.log"), globs[0])  # self-rotating logs
    assert "copytruncate" not in body      # renaming is safe for >> and loses nothing; copytruncate can


def test_systemd_units_set_the_locale_wait_for_the_network_and_run_quietly():
    services = [n for n in os.listdir(DEPLOY) if n.endswith(".service")]
    assert sorted(services) == ["dam-daily-report.service", "dam-workflow@.service"]
    for name in services:
        u = unit(name)
        assert "network-online.target" in u["Unit"]["After"] and "network-online.target" in u["Unit"]["Wants"]
        assert u["Service"]["Environment"] == "LANG=C.UTF-8"
        exec_start = u["Service"]["ExecStart"].split()
        assert exec_start[0].endswith("/venv/bin/python") and exec_start[-1] == "-q", name
        script = exec_start[1].replace("%i", "a1_to_a2_download")
        assert os.path.exists(os.path.join(ROOT, script)), script


def test_a_daily_report_missed_while_the_server_was_off_is_sent_when_it_is_back():
    assert unit("dam-daily-report.timer")["Timer"]["Persistent"] == "true"
    assert unit("dam-workflow@.timer")["Timer"]["Persistent"] == "false"   # a missed five-minute tick is not owed


def test_the_crontab_says_cron_mail_needs_a_local_mta_and_points_at_the_health_check():
    comments = " ".join(line.lstrip("# ") for line in read("crontab.example").splitlines() if line.startswith("#"))
    assert "MAILTO" in comments and "local MTA" in comments and "HEALTHCHECK_URL" in comments
