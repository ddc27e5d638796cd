"""The mitigations docs/security.md names for advisories the 3.6 lock cannot take the fix of: each is a rule on the
runtime code (scripts/, templates/) that keeps the vulnerable function out of the suite's reach. Each rule first
shows it can see an offender."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _files(folder, suffixes):
    for base, _, names in os.walk(os.path.join(ROOT, folder)):
        for name in names:
            if name.endswith(suffixes):
                path = os.path.join(base, name)
                with open(path, encoding="utf-8") as f:
                    yield os.path.relpath(path, ROOT), f.read()


def _hits(pattern, folder="scripts", suffixes=(".py",)):
    return ["{}:{}".format(path, text[:m.start()].count("\n") + 1)
            for path, text in _files(folder, suffixes) for m in re.finditer(pattern, text)]


def test_the_rules_see_what_they_look_for():
    assert _hits(r"dotenv_values\(")  # the suite reads .env files (config.py)
    assert _hits(r"jinja2\.Environment\(")
    assert _hits(r"\{\{", "templates", (".html", ".txt"))


def test_tls_verification_is_never_turned_off():
    """requests GHSA-9wx4-h78v-vm56 (CVE-2024-35195) needs a first request with verify=False; urllib3's
    decompression advisories need a hostile server, which verified TLS keeps out."""
    assert _hits(r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False") == []


def test_no_jwt_is_decoded_and_no_env_file_is_written():
    """PyJWT's 2026 advisories are in token verification (the suite only signs Box's JWT assertion, inside
    boxsdk); python-dotenv GHSA-mf9w-mj56-hr94 is in set_key/unset_key (the suite only reads .env files)."""
    assert _hits(r"\bjwt\.decode|PyJWT\(|import jwt|from jwt") == []
    assert _hits(r"\b(set_key|unset_key)\(") == []


def test_templates_are_the_suites_own_files_and_use_no_xmlattr():
    """Jinja2's sandbox and compiler advisories need an attacker-written template; the xmlattr ones need xmlattr.
    Templates are loaded from templates/ only (and the subject lines in notifier.SUBJECTS)."""
    assert _hits(r"xmlattr", "templates", (".html", ".txt")) == []
    assert _hits(r"SandboxedEnvironment|Template\(") == []
    loaders = _hits(r"jinja2\.Environment\(loader=jinja2\.FileSystemLoader\(TEMPLATE_DIR\)")
    assert len(loaders) == len(_hits(r"jinja2\.Environment\("))
    assert [h.split(":")[0] for h in _hits(r"\.from_string\(")] == [os.path.join("scripts", "shared", "notify",
                                                                                   "notifier.py")]


def test_no_runtime_code_opens_archives_or_uses_setuptools():
    """setuptools' package_index advisories and zipp's CVE-2024-5569 need the suite to fetch packages or walk a
    zip file; it does neither (zipp and setuptools are in the lock only as dependencies of dependencies)."""
    assert _hits(r"\b(import|from)\s+(setuptools|pkg_resources|zipp|zipfile|tarfile)\b") == []


def test_tqdm_is_used_as_a_progress_bar_never_as_a_command_line():
    """tqdm GHSA-g7vv-2v7x-gj9p (CVE-2024-34062) is in tqdm's own command line (eval of its options); the 3.6 lock
    cannot take 4.66.3. The suite imports only the progress bar (core/progress.py)."""
    assert _hits(r"\btqdm\b"), "the rule sees the suite's use of tqdm"
    assert _hits(r"tqdm\.cli|tqdm\.main|from tqdm import main|-m\s+tqdm|tqdm\.__main__") == []
