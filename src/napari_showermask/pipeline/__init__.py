"""Many files at once: one file's task, the batch runner and its process pool or cluster."""
