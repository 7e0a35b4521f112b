"""Rosters of members and organizations in Excel: columns, workbooks, import, export, routes."""
