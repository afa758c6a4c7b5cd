"""The portable run's start-up module (``sitecustomize``), put first on child processes' path."""
