"""The three DAM -> Box workflows, declared: everything else is the shared engine in dam_to_box.py. Each is named
by its key; label, log file, Box root, templates and statuses follow from it (workflow_types.workflow_ids)."""
from .dam_to_box import WorkflowSpec

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
