"""`python -m harvester` runs the command-line interface."""

from harvester.cli import main

if __name__ == "__main__":  # pragma: no cover - thin entry point
    main()
