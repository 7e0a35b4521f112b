"""The grading workflow (分类定级): assessing, scoring, the workflow, its GraphQL."""
