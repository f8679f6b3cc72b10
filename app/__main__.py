"""``python -m unggulan``: the command line (:mod:`unggulan.cli`)."""

from unggulan.cli import main

if __name__ == "__main__":
    main()
