"""`python -m scanner` is the same as the `sovscan` command."""

from scanner.cli.main import main

if __name__ == "__main__":
    main()
