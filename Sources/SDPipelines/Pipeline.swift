/// Pipelines.
