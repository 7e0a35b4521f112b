"""The region tree (区 > 街道/乡 > 社区): codes, writes, and its import from a file."""
