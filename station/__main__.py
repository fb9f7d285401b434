"""`python -m station` runs the CLI (the worker child process uses it)."""

from station.cli import main

main()
