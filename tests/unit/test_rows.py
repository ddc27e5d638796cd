"""The store's typed rows (store/rows.py): a row is read by attribute, and a column its type needs but the query did
not return fails in the store, naming the table, the column and the fix."""
import pytest

from scripts.shared.store.rows import CampaignState, Derivative, RowShapeError, TransferItem


def _columns(row_type, **values):
    row = dict.fromkeys(row_type._fields)
    row.update(values)
    return row


def test_a_row_is_read_by_attribute_and_extra_columns_are_ignored():
    item = TransferItem.from_row(_columns(TransferItem, id=7, state="done", not_declared="x"))
    assert (item.id, item.state) == (7, "done")
    assert not hasattr(item, "not_declared")
    assert TransferItem.from_row(None) is None


def test_a_missing_column_fails_naming_the_table_and_the_column():
    row = _columns(CampaignState)
    del row["next_attempt_at"]
    with pytest.raises(RowShapeError) as caught:
        CampaignState.from_row(row)
    text = str(caught.value)
    assert "workflow_state row has no column next_attempt_at that CampaignState needs" in text
    assert "apply the database migrations" in text


def test_a_column_only_some_queries_join_in_may_be_absent():
    row = _columns(Derivative)
    del row["dam_folder_path"]
    assert Derivative.from_row(row).dam_folder_path is None
    del row["sha1"]
    with pytest.raises(RowShapeError, match="derivative_assets row has no column sha1"):
        Derivative.from_row(row)
