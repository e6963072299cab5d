import sys

from .cli import main

# The guard matters: multiprocessing's forkserver imports the main module in its
# workers, which must not run the command line again.
if __name__ == "__main__":
    main(sys.argv[1:])
