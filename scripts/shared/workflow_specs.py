"""The three DAM -> Box workflows, declared: everything else is the shared engine in dam_to_box.py."""
from .dam_to_box import WorkflowSpec

A1_TO_A2 = WorkflowSpec(
    workflow="a1_a2", label="A1→A2", log_name="a1_to_a2", status_from="A1", status_to="A2",
    campaign_type="Local comm", source_folder="master_assets", box_root="a1_a2", folder_prefix="",
    template_complete="a1_to_a2_complete", template_partial="a1_to_a2_partial", template_empty="a1_to_a2_no_assets",
    webhook=True, only_not_approved=False, registers_masters=True)

# Only assets whose ECOMMERCE STATUS is NOT APPROVED go back to the agency; their tracking ids are reused.
A5_TO_A6 = WorkflowSpec(
    workflow="a5_a6", label="A5→A6", log_name="a5_to_a6", status_from="A5", status_to="A6",
    campaign_type="Local comm", source_folder="final_assets", box_root="a5_a6", folder_prefix="",
    template_complete="a5_to_a6_rejections", template_partial="a5_to_a6_partial",
    template_empty="a5_to_a6_no_rejections", webhook=True, only_not_approved=True, registers_masters=False)

# Global masters: Final Assets of Global comm campaigns, MASTERS_ prefix, email only (no webhook).
B1_TO_B2 = WorkflowSpec(
    workflow="b1_b2", label="B1→B2", log_name="b1_to_b2", status_from="B1", status_to="B2",
    campaign_type="Global comm", source_folder="final_assets", box_root="b1_b2", folder_prefix="MASTERS_",
    template_complete="b1_to_b2_complete", template_partial="b1_to_b2_partial", template_empty="b1_to_b2_no_assets",
    webhook=False, only_not_approved=False, registers_masters=True)
