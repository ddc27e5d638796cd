"""The engines and their frame: DAM -> Box workflows (dam_to_box, workflow_specs), A2->A3 (inbox_to_dam), the tick/campaign frame and runtime, the workflows' data shapes."""
