/// File formats and checkpoint name mapping.
