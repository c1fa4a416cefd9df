"""Coverage-guided fuzzing with atheris (`make fuzz`); not part of the pytest suite."""
