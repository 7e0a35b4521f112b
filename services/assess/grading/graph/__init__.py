"""The grading workflow in the graph: reads, steps, types."""
