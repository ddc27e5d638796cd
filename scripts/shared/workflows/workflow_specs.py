"""The three DAM -> Box workflows, declared: everything else is the shared engine in dam_to_box.py. Each is named
by its key; label, log file, Box root, templates and statuses follow from it (workflow_types.workflow_ids)."""
from collections import namedtuple

from .workflow_types import workflow_ids


class WorkflowSpec(namedtuple("WorkflowSpec", (
        "workflow campaign_type source_folder folder_prefix webhook only_not_approved registers_masters "
        "done_next_steps returns_to_inbox complete partial empty"))):
    """What distinguishes one DAM -> Box workflow from another; the engine does the rest. Declared (keywords):
    ``workflow`` its key in the database and Box roots ("a1_a2"); ``campaign_type`` ("Local comm" / "Global comm");
    ``source_folder`` a key of dam.folders ("master_assets" / "final_assets"); ``folder_prefix`` ("MASTERS_" for
    B1->B2); ``webhook``; ``only_not_approved``; ``registers_masters`` (A1->A2 and B1->B2 deliver masters, A5->A6
    re-sends finals); ``done_next_steps`` (the success email's "what happens next"); ``returns_to_inbox`` (the agency
    sends files back through the A2->A3 inbox: its link); ``complete``/``partial``/``empty`` the template suffixes.
    Its other names (label, log, Box root, templates, statuses) all come from its key (workflow_types.workflow_ids)."""
    __slots__ = ()

    @property
    def ids(self):
        return workflow_ids(self.workflow)

    @property
    def label(self):              # "A1→A2"
        return self.ids.label

    @property
    def log_name(self):           # logs/<log_name>.log
        return self.ids.log_name

    @property
    def status_from(self):
        return self.ids.status_from

    @property
    def status_to(self):
        return self.ids.status_to

    @property
    def box_root(self):           # key of box.roots
        return self.ids.box_root

    @property
    def template_complete(self):
        return "{}_{}".format(self.ids.template_prefix, self.complete)

    @property
    def template_partial(self):
        return "{}_{}".format(self.ids.template_prefix, self.partial)

    @property
    def template_empty(self):
        return "{}_{}".format(self.ids.template_prefix, self.empty)


WorkflowSpec.__new__.__defaults__ = ("complete", "partial", "no_assets")


A1_TO_A2 = WorkflowSpec(
    workflow="a1_a2", campaign_type="Local comm", source_folder="master_assets", folder_prefix="", webhook=True,
    only_not_approved=False, registers_masters=True, returns_to_inbox=True,
    done_next_steps="The agency localises each file and uploads it to the A2→A3 inbox named "
                    "<TID>_<language>_<description>.<ext>; each is imported into the DAM automatically.")

# Only assets whose ECOMMERCE STATUS is NOT APPROVED go back to the agency; their tracking ids are reused.
A5_TO_A6 = WorkflowSpec(
    workflow="a5_a6", campaign_type="Local comm", source_folder="final_assets", folder_prefix="", webhook=True,
    only_not_approved=True, registers_masters=False, complete="rejections", empty="no_rejections",
    returns_to_inbox=True,
    done_next_steps="The agency reworks each rejected file and uploads it again to the A2→A3 inbox with the same "
                    "tracking ID, named <TID>_<language>_<description>.<ext>; each is imported into the DAM "
                    "automatically.")

# Global masters: Final Assets of Global comm campaigns, MASTERS_ prefix, email only (no webhook).
B1_TO_B2 = WorkflowSpec(
    workflow="b1_b2", campaign_type="Global comm", source_folder="final_assets", folder_prefix="MASTERS_",
    webhook=False, only_not_approved=False, registers_masters=True, returns_to_inbox=False,
    done_next_steps="The global masters are in Box for the local markets to use.")
