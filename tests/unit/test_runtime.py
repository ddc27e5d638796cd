"""scripts/shared/workflows/runtime.py: a tick's collaborators are the classes its engine names, built once, on first
use; importing an engine loads none of the heavy libraries an idle tick does not need."""
import argparse
import os
import subprocess
import sys

import pytest

from scripts.shared.workflows.runtime import Clients, Runtime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = {"database": {"host": "127.0.0.1", "port": 1, "name": "x", "user": "x", "password": "x"},
          "transfer": {"temp_dir": "/nonexistent", "lease_seconds": 60, "backoff_base_seconds": 60,
                       "backoff_max_seconds": 3600}}


class Recorder(object):
    built = []

    def __init__(self, rt):
        self.rt = rt

    @classmethod
    def for_tick(cls, rt):
        cls.built.append(cls.__name__)
        return cls(rt)


class FakeDam(Recorder):
    pass


class FakeBox(Recorder):
    pass


def runtime(clients):
    Recorder.built = []
    return Runtime(CONFIG, argparse.Namespace(campaign=None, dry_run=False), "a1_a2", clients)


def test_each_client_is_built_once_on_first_use_from_the_class_the_engine_named():
    rt = runtime(Clients(dam=FakeDam, box=FakeBox, notifier=None))
    assert Recorder.built == []
    dam = rt.dam
    assert isinstance(dam, FakeDam) and dam.rt is rt and rt.dam is dam
    assert Recorder.built == ["FakeDam"]
    assert isinstance(rt.box, FakeBox) and Recorder.built == ["FakeDam", "FakeBox"]


def test_a_client_the_engine_did_not_name_is_a_clear_error():
    rt = runtime(Clients(dam=FakeDam, box=None, notifier=None))
    with pytest.raises(RuntimeError, match="a1_a2 tick was given no notifier client"):
        rt.notifier.send_email("run_error", "", {})


def test_importing_the_engines_loads_no_boxsdk_jinja2_or_cryptography():
    code = ("import sys; import scripts.shared.workflows.workflow_specs, scripts.shared.workflows.inbox_to_dam; "
            "print(sorted(m for m in ('boxsdk', 'jinja2', 'cryptography') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, universal_newlines=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_both_engines_name_the_real_clients():
    from scripts.shared.box.box_client import BoxClient
    from scripts.shared.dam.dam_client import DAMClient
    from scripts.shared.notify.notifier import Notifier
    from scripts.shared.workflows import dam_to_box, inbox_to_dam
    for engine in (dam_to_box, inbox_to_dam):
        assert engine.CLIENTS == Clients(dam=DAMClient, box=BoxClient, notifier=Notifier)
