"""The grid planner: operations on zones, buildings and assignments, previewed or committed by
one runner, recorded as change sets (history) and undoable."""
