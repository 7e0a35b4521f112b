"""Monthly supervision reports (月报表): generation, lifecycle, roll-up, workbooks."""
