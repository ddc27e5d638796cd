"""A workflow's names, all derived from its key ("a1_a2"), in one place below every folder that shows them: the
engines (log, Box root, templates, statuses) and the daily report (labels) read the same names.
workflows/workflow_types.py re-exports them beside the other shapes the workflows pass around."""
from collections import namedtuple

WorkflowIds = namedtuple("WorkflowIds", "key label log_name box_root template_prefix status_from status_to")


def workflow_ids(key):
    """Every name of workflow ``key``: "a1_a2" -> label "A1→A2", log and template prefix "a1_to_a2", Box root
    "a1_a2" (box.roots), statuses A1 and A2."""
    before, after = key.split("_")
    return WorkflowIds(key=key, label="{}→{}".format(before.upper(), after.upper()),
                       log_name="{}_to_{}".format(before, after), box_root=key,
                       template_prefix="{}_to_{}".format(before, after), status_from=before.upper(),
                       status_to=after.upper())
